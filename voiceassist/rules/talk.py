"""Who talked how much so far: the agent's, the caller's and the silence's share of the call.

A speaker talks from the first to the last voiced frame of each of their utterances: the short
pauses inside an utterance (under the endpoint, ``asr.endpoint_silence_ms``) count as talk, the
endpoint's wait after the last word does not. Measured on the golden calls against their
scripted turns (speech trimmed, pauses inside a turn included): within 2.2 percentage points,
where voiced frames alone read up to 5 points low and the endpointer's ``speaking`` up to 5
points high (tests/golden/test_talk_golden.py).

Pure and timed by the audio: a 20 ms grid of the call, one bit per speaker, so overlap and
silence are exact whatever order the two speakers' frames come in.
"""

from __future__ import annotations

import math

from voiceassist.analysis.monitor import Measurement
from voiceassist.frames import HOP_MS

__all__ = ["TalkShare"]

_HOP_S = HOP_MS / 1000
_BIT = {"caller": 1, "agent": 2}


class TalkShare:
    def __init__(self) -> None:
        self._grid = bytearray()  # per hop of the call: the bits of the speakers talking in it
        self._talk = {"caller": 0, "agent": 0}  # hops each speaker talked
        self._anyone = 0  # hops someone talked
        self._pending: dict[str, list[int]] = {"caller": [], "agent": []}  # a pause inside an utterance, so far
        self.last_voiced = {"caller": -math.inf, "agent": -math.inf}

    def push(self, m: Measurement) -> None:
        i = max(0, round(m.t / _HOP_S) - 1)  # the hop this frame ends
        if i >= len(self._grid):
            self._grid.extend(bytes(i + 1 - len(self._grid)))
        pending = self._pending[m.speaker]
        if m.voiced:
            for j in (*pending, i):
                self._mark(j, m.speaker)
            pending.clear()
            self.last_voiced[m.speaker] = m.t
        elif m.speaking:
            pending.append(i)
        else:
            pending.clear()

    def _mark(self, i: int, speaker: str) -> None:
        bit, before = _BIT[speaker], self._grid[i]
        if before & bit:
            return
        self._grid[i] = before | bit
        self._talk[speaker] += 1
        self._anyone += before == 0

    def talk_s(self, speaker: str) -> float:
        """Seconds ``speaker`` has talked so far."""
        return self._talk[speaker] * _HOP_S

    def shares(self) -> dict[str, float]:
        """Fractions of the call so far: ``agent`` and ``caller`` talking (both count while they
        talk over each other), ``silence`` neither."""
        n = len(self._grid)
        if n == 0:
            return {"agent": 0.0, "caller": 0.0, "silence": 0.0}
        return {"agent": self._talk["agent"] / n, "caller": self._talk["caller"] / n, "silence": (n - self._anyone) / n}
