"""The only place audio is converted to the internal format (int16 mono 16 kHz, 20 ms hops).

Resampling is soxr's (polyphase, "HQ" quality, streaming with carried state), never hand-written.
Samples are scaled as libsndfile and PortAudio scale them: int16 ``k`` is float ``k / 32768``, so
an int16 16 kHz input passes through unchanged.
"""

from __future__ import annotations

import logging

import numpy as np
import soxr

from voiceassist.frames import HOP_SAMPLES, SAMPLE_RATE, Frame, Speaker

__all__ = ["to_float32", "StreamConverter", "Framer"]

log = logging.getLogger(__name__)


def to_float32(x: np.ndarray) -> np.ndarray:
    """Any sample array to float32 full scale ±1: integers by their type's range (uint8 is
    offset binary, as in 8-bit WAV), floats as they are."""
    x = np.asarray(x)
    if x.dtype.kind == "f":
        return x.astype(np.float32, copy=False)
    if x.dtype.kind == "u":
        half = 2.0 ** (8 * x.dtype.itemsize - 1)
        return ((x.astype(np.float64) - half) / half).astype(np.float32)
    if x.dtype.kind == "i":
        return (x.astype(np.float64) / 2.0 ** (8 * x.dtype.itemsize - 1)).astype(np.float32)
    raise TypeError(f"cannot convert {x.dtype} samples")


def _finite(x: np.ndarray) -> tuple[np.ndarray, bool]:
    """Float samples with NaN/inf replaced by silence, and whether there were any."""
    if np.isfinite(x).all():
        return x, False
    return np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0), True


def _float_to_int16(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(x * 32768.0), -32768, 32767).astype(np.int16)


class StreamConverter:
    """Blocks of any size and rate, shape ``(n, channels)``, to float32 at 16 kHz.

    The resampler's state is carried across blocks (so block edges leave no clicks), and all
    channels go through one resampler so the two sides of a call stay sample-aligned. Pass
    ``last=True`` with the final block (it may be empty) to drain the filter's delay line.
    """

    def __init__(self, rate_in: int, channels: int):
        self.rate_in = rate_in
        self._warned = False
        self._resampler = (
            None
            if rate_in == SAMPLE_RATE
            else soxr.ResampleStream(rate_in, SAMPLE_RATE, channels, dtype="float32", quality="HQ")
        )

    def push(self, block: np.ndarray, last: bool = False) -> np.ndarray:
        # NaN/inf are zeroed before the filter: inside it one NaN would smear over many samples
        block, bad = _finite(np.ascontiguousarray(to_float32(block)))
        if bad and not self._warned:  # once per stream, not once per block
            log.warning("audio has NaN or infinite samples; they are read as silence")
            self._warned = True
        if self._resampler is None:
            return block
        return self._resampler.resample_chunk(block, last=last)


class Framer:
    """Cuts one speaker's 16 kHz stream into Frames.

    ``t`` counts the samples pushed so far, so it is audio time, independent of block sizes and
    of when the blocks arrived.
    """

    def __init__(self, speaker: Speaker, t0: float = 0.0):
        self.speaker = speaker
        self._t0 = t0
        self._pending = np.zeros(0, dtype=np.int16)
        self._emitted = 0  # frames so far
        self._warned = False

    def push(self, samples_16k: np.ndarray) -> list[Frame]:
        samples = samples_16k
        if samples.dtype != np.int16:
            x, bad = _finite(to_float32(samples))
            if bad and not self._warned:  # once per stream, not once per block
                log.warning("%s audio has NaN or infinite samples; they are read as silence", self.speaker)
                self._warned = True
            samples = _float_to_int16(x)
        buf = np.concatenate([self._pending, samples])
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
        frame = Frame(self.speaker, self._t0 + self._emitted * HOP_SAMPLES / SAMPLE_RATE, samples.copy())
        self._emitted += 1
        return frame
