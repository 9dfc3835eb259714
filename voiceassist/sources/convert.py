"""The only place audio is converted to the internal format (int16 mono 16 kHz, 20 ms hops).

Resampling is soxr's (VHQ-grade polyphase, streaming with carried state), never hand-written.
"""

from __future__ import annotations

import logging

import numpy as np
import soxr

from voiceassist.frames import HOP_SAMPLES, SAMPLE_RATE, Frame, Speaker

__all__ = ["to_int16", "StreamConverter", "Framer"]

log = logging.getLogger(__name__)


def to_int16(x: np.ndarray) -> np.ndarray:
    """Float samples in [-1, 1] to int16, clipping overs and zeroing NaN/inf."""
    if x.dtype == np.int16:
        return x
    x = np.asarray(x, dtype=np.float32)
    if not np.isfinite(x).all():
        log.warning("audio has NaN or infinite samples; they are read as silence")
        x = np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0)
    return np.clip(np.round(x * 32767.0), -32768, 32767).astype(np.int16)


class StreamConverter:
    """Blocks of any size and rate, shape ``(n, channels)``, to float32 at 16 kHz.

    The resampler's state is carried across blocks, and all channels go through one resampler
    so the two sides of a call stay sample-aligned.
    """

    def __init__(self, rate_in: int, channels: int):
        self._resampler = (
            None if rate_in == SAMPLE_RATE else soxr.ResampleStream(rate_in, SAMPLE_RATE, channels, dtype="float32")
        )

    def push(self, block: np.ndarray, last: bool = False) -> np.ndarray:
        block = np.ascontiguousarray(block, dtype=np.float32)
        if self._resampler is None:
            return block
        return self._resampler.resample_chunk(block, last=last)


class Framer:
    """Cuts one speaker's 16 kHz stream into Frames; ``t`` counts samples, so it is audio time."""

    def __init__(self, speaker: Speaker):
        self.speaker = speaker
        self._pending = np.zeros(0, dtype=np.int16)
        self._emitted = 0  # frames so far

    def push(self, samples_16k: np.ndarray) -> list[Frame]:
        buf = np.concatenate([self._pending, to_int16(samples_16k)])
        whole = len(buf) // HOP_SAMPLES
        frames = [self._frame(buf[i * HOP_SAMPLES : (i + 1) * HOP_SAMPLES]) for i in range(whole)]
        self._pending = buf[whole * HOP_SAMPLES :]
        return frames

    def flush(self) -> list[Frame]:
        """The last partial hop, zero-padded, if any."""
        if not len(self._pending):
            return []
        padded = np.zeros(HOP_SAMPLES, dtype=np.int16)
        padded[: len(self._pending)] = self._pending
        self._pending = np.zeros(0, dtype=np.int16)
        return [self._frame(padded)]

    def _frame(self, samples: np.ndarray) -> Frame:
        frame = Frame(self.speaker, self._emitted * HOP_SAMPLES / SAMPLE_RATE, samples.copy())
        self._emitted += 1
        return frame
