"""Voice activity per speaker: webrtcvad on each 20 ms frame, smoothed into utterances.

webrtcvad (the WebRTC project's GMM detector) takes 10/20/30 ms of 16 kHz int16 directly and
costs a few microseconds a frame, so it can run on every frame of both speakers alongside the
recognisers. Raw decisions flicker; ``Endpointer`` turns them into utterances: speech starts
after ``onset_ms`` of consecutive voiced frames, and ends after ``endpoint_silence_ms`` of
silence. Utterances with less than ``min_speech_ms`` of voiced audio (clicks, breaths) are
flagged so callers can drop them.
"""

from __future__ import annotations

from dataclasses import dataclass

import webrtcvad

from voiceassist.frames import HOP_MS, SAMPLE_RATE, Frame

__all__ = ["VoiceActivity", "Endpointer", "Boundary"]


class VoiceActivity:
    def __init__(self, aggressiveness: int = 2):
        self._vad = webrtcvad.Vad(aggressiveness)

    def is_speech(self, frame: Frame) -> bool:
        return self._vad.is_speech(frame.samples.tobytes(), SAMPLE_RATE)


@dataclass(frozen=True)
class Boundary:
    kind: str  # "start" or "end"
    t: float  # call time: the first voiced frame's start, or the last voiced frame's end
    voiced_s: float = 0.0  # for "end": voiced audio in the utterance


class Endpointer:
    """Utterance boundaries from per-frame voicing. ``push(frame)`` returns whether the frame
    is voiced and the boundaries it completed."""

    def __init__(self, aggressiveness: int = 2, onset_ms: int = 60, endpoint_silence_ms: int = 500):
        self._vad = VoiceActivity(aggressiveness)
        self._onset = max(1, onset_ms // HOP_MS)
        self._hangover = max(1, endpoint_silence_ms // HOP_MS)
        self.in_speech = False
        self._run_voiced = 0
        self._run_silent = 0
        self._voiced_frames = 0
        self._last_voiced_end = 0.0

    def push(self, frame: Frame) -> tuple[bool, list[Boundary]]:
        voiced = self._vad.is_speech(frame)
        boundaries = []
        if voiced:
            self._run_voiced += 1
            self._run_silent = 0
            self._last_voiced_end = frame.end
            if self.in_speech:
                self._voiced_frames += 1
            elif self._run_voiced >= self._onset:
                self.in_speech = True
                self._voiced_frames = self._run_voiced
                boundaries.append(Boundary("start", frame.end - self._run_voiced * HOP_MS / 1000))
        else:
            self._run_voiced = 0
            self._run_silent += 1
            if self.in_speech and self._run_silent >= self._hangover:
                boundaries.append(self._end())
        return voiced, boundaries

    def finish(self) -> list[Boundary]:
        return [self._end()] if self.in_speech else []

    def _end(self) -> Boundary:
        self.in_speech = False
        return Boundary("end", self._last_voiced_end, self._voiced_frames * HOP_MS / 1000)
