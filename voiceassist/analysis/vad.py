"""Voice activity per speaker: webrtcvad on each 20 ms frame, smoothed into utterances.

webrtcvad (the WebRTC project's GMM detector) takes 10/20/30 ms of 16 kHz int16 directly and
costs a few microseconds a frame, so it can run on every frame of both speakers alongside the
recognisers and the loudness/rate monitor. Its raw decisions flicker, and it takes a few frames
to adapt to a new noise floor, so ``Endpointer`` smooths them the way py-webrtcvad's example
does: an utterance starts when most frames of a short window are voiced (``onset_ms``), ends
after ``endpoint_silence_ms`` without voice, and is reported as ``drop`` instead of ``end`` when
it held less than ``min_speech_ms`` of voiced audio (clicks, a cough, a noise-floor jump).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Literal

import webrtcvad

from voiceassist.frames import HOP_MS, SAMPLE_RATE, Frame

__all__ = ["VoiceActivity", "Endpointer", "Boundary"]

_HOP_S = HOP_MS / 1000
# Share of the onset window that must be voiced: py-webrtcvad's example uses 0.9 over 300 ms;
# 0.8 over 100 ms starts sooner and still ignores single flickers (measured on Asterisk prompts).
_ONSET_SHARE = 0.8


class VoiceActivity:
    """Raw per-frame decision: is this 20 ms frame voiced? One instance per speaker (it adapts
    to that speaker's noise floor)."""

    def __init__(self, aggressiveness: int = 2):
        self._vad = webrtcvad.Vad(aggressiveness)  # 0 keeps the most, 3 drops the most noise

    def push(self, frame: Frame) -> bool:
        return self._vad.is_speech(frame.samples.tobytes(), SAMPLE_RATE)


@dataclass(frozen=True, slots=True)
class Boundary:
    """``start``: an utterance began at ``t`` (the start of its first voiced frame).
    ``end``: it ended at ``t`` (the end of its last voiced frame) with ``voiced_s`` of voice.
    ``drop``: like ``end``, but too little voice to be speech; callers discard the utterance."""

    kind: Literal["start", "end", "drop"]
    t: float
    voiced_s: float = 0.0


class Endpointer:
    """Utterance boundaries from per-frame voicing, for one speaker.

    ``push(frame)`` returns whether the frame itself is voiced and the boundaries it completed.
    A ``start`` is reported when the onset window fills, so it is 60–100 ms late, but its ``t``
    is back-dated to the first voiced frame; an ``end``/``drop`` is reported
    ``endpoint_silence_ms`` after the last voiced frame. ``in_speech`` is True between them.
    """

    def __init__(
        self,
        aggressiveness: int = 2,
        onset_ms: int = 100,
        endpoint_silence_ms: int = 500,
        min_speech_ms: int = 200,
    ):
        self._vad = VoiceActivity(aggressiveness)
        self._window: deque[tuple[bool, float]] = deque(maxlen=max(1, onset_ms // HOP_MS))
        self._hangover = max(1, endpoint_silence_ms // HOP_MS)
        self._min_voiced_s = min_speech_ms / 1000
        self.in_speech = False
        self._run_silent = 0
        self._voiced_s = 0.0
        self._last_voiced_end = 0.0

    def push(self, frame: Frame) -> tuple[bool, list[Boundary]]:
        voiced = self._vad.push(frame)
        boundaries: list[Boundary] = []
        if self.in_speech:
            if voiced:
                self._run_silent = 0
                self._voiced_s += _HOP_S
                self._last_voiced_end = frame.end
            else:
                self._run_silent += 1
                if self._run_silent >= self._hangover:
                    boundaries.append(self._end())
            return voiced, boundaries
        self._window.append((voiced, frame.t))
        voiced_starts = [t for v, t in self._window if v]
        if voiced and len(voiced_starts) >= _ONSET_SHARE * self._window.maxlen:
            self.in_speech = True
            self._run_silent = 0
            self._voiced_s = len(voiced_starts) * _HOP_S
            self._last_voiced_end = frame.end
            self._window.clear()
            boundaries.append(Boundary("start", voiced_starts[0]))
        return voiced, boundaries

    def finish(self) -> list[Boundary]:
        """The end of an utterance still open when the audio stops."""
        return [self._end()] if self.in_speech else []

    def _end(self) -> Boundary:
        self.in_speech = False
        kind = "end" if self._voiced_s >= self._min_voiced_s - 1e-9 else "drop"
        return Boundary(kind, self._last_voiced_end, round(self._voiced_s, 3))
