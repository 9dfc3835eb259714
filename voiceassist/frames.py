"""The one internal audio format: int16 mono at 16 kHz, in fixed 20 ms hops, per speaker.

Sources convert everything at the edge (see ``voiceassist.sources.convert``); everything
downstream (VAD, loudness, rate, speech recognition) reads only Frames.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

__all__ = ["SAMPLE_RATE", "HOP_MS", "HOP_SAMPLES", "SPEAKERS", "Speaker", "Frame"]

SAMPLE_RATE = 16_000
HOP_MS = 20  # webrtcvad accepts 10/20/30 ms; 20 ms is also a fine loudness/rate hop
HOP_SAMPLES = SAMPLE_RATE * HOP_MS // 1000
SPEAKERS = ("caller", "agent")
Speaker = Literal["caller", "agent"]


@dataclass(frozen=True, slots=True)
class Frame:
    """One hop of one speaker's audio.

    ``t`` is the start of the hop in seconds of call audio since the call started (never a
    wall-clock time). ``samples`` is int16, shape ``(HOP_SAMPLES,)``; the last hop of a
    recording is zero-padded to full length.
    """

    speaker: Speaker
    t: float
    samples: np.ndarray

    @property
    def end(self) -> float:
        return self.t + HOP_SAMPLES / SAMPLE_RATE
