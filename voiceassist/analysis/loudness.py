"""ITU-R BS.1770-4 loudness, computed incrementally.

The K-weighting pre-filter (a high shelf, +4 dB above ~1.5 kHz, modelling the head, then a
high-pass at ~38 Hz, the RLB curve) is two biquads. The standard tabulates their coefficients at
48 kHz only; like pyloudnorm we derive them for any rate from the analogue prototypes
(shelf: G = 4 dB, Q = 1/√2, fc = 1500 Hz; high-pass: Q = 0.5, fc = 38 Hz) with the RBJ
audio-EQ cookbook bilinear forms. The filter state is carried across pushes, so audio fed in
20 ms hops gives the same result as the whole signal at once.

Loudness of a block is −0.691 + 10·log10(mean square of the K-weighted signal) (BS.1770 eq. 2,
one channel). Momentary loudness is over the last 400 ms, short-term over the last 3 s (EBU
R 128 / Tech 3341), and integrated loudness gates 400 ms blocks taken every 100 ms: absolute
gate −70 LUFS, relative gate 10 LU under the absolutely-gated mean.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np
from scipy.signal import sosfilt

__all__ = ["k_weighting_sos", "LoudnessMeter", "integrated_loudness", "SILENCE_LUFS"]

SILENCE_LUFS = -120.0  # what an all-zero window reads as, instead of -inf
_ABSOLUTE_GATE_LUFS = -70.0
_RELATIVE_GATE_LU = -10.0
_STEP_S = 0.1  # gating blocks start every 100 ms (75 % overlap of 400 ms)


def k_weighting_sos(rate: int) -> np.ndarray:
    """The K-weighting filter at ``rate`` Hz as second-order sections (shelf, then high-pass)."""
    # Stage 1: high shelf (RBJ cookbook), G = +4 dB.
    a_gain = 10 ** (4.0 / 40)
    w0 = 2 * math.pi * 1500.0 / rate
    alpha = math.sin(w0) / (2 * (1 / math.sqrt(2)))
    cos_w0, sqrt_a = math.cos(w0), math.sqrt(a_gain)
    shelf = [
        a_gain * ((a_gain + 1) + (a_gain - 1) * cos_w0 + 2 * sqrt_a * alpha),
        -2 * a_gain * ((a_gain - 1) + (a_gain + 1) * cos_w0),
        a_gain * ((a_gain + 1) + (a_gain - 1) * cos_w0 - 2 * sqrt_a * alpha),
        (a_gain + 1) - (a_gain - 1) * cos_w0 + 2 * sqrt_a * alpha,
        2 * ((a_gain - 1) - (a_gain + 1) * cos_w0),
        (a_gain + 1) - (a_gain - 1) * cos_w0 - 2 * sqrt_a * alpha,
    ]
    # Stage 2: high-pass (RBJ cookbook), Q = 0.5.
    w0 = 2 * math.pi * 38.0 / rate
    alpha = math.sin(w0) / (2 * 0.5)
    cos_w0 = math.cos(w0)
    high_pass = [(1 + cos_w0) / 2, -(1 + cos_w0), (1 + cos_w0) / 2, 1 + alpha, -2 * cos_w0, 1 - alpha]
    sos = np.array([shelf, high_pass], dtype=np.float64)
    sos[:, :3] /= sos[:, 3:4]
    sos[:, 3:] /= sos[:, 3:4]
    return sos


def _lufs(mean_square: float) -> float:
    return -0.691 + 10 * math.log10(mean_square) if mean_square > 0 else SILENCE_LUFS


class LoudnessMeter:
    """Streaming BS.1770 loudness of one mono signal.

    ``push(samples)`` takes float samples in [-1, 1] (or int16, scaled) of any length. The
    meter keeps 100 ms sub-block energies: momentary and short-term loudness are sums over the
    last 4 and 30 of them; integrated loudness gates the 400 ms blocks seen so far, so only a
    meter made with ``integrate`` keeps them (10 a second of audio: a meter running for a
    whole shift measures short windows only).
    """

    def __init__(self, rate: int, integrate: bool = True):
        self.rate = rate
        self._sos = k_weighting_sos(rate)
        self._zi = np.zeros((self._sos.shape[0], 2))
        self._step = round(rate * _STEP_S)
        self._pending = np.zeros(0)
        self._recent: deque[float] = deque(maxlen=30)  # sums of squares of 100 ms sub-blocks
        self._integrate = integrate
        self._blocks: list[float] = []  # mean squares of complete 400 ms blocks, for gating

    def push(self, samples: np.ndarray) -> int:
        """Feed samples; returns how many new 100 ms sub-blocks completed."""
        x = np.asarray(samples)
        if x.dtype == np.int16:
            x = x / 32768.0
        y, self._zi = sosfilt(self._sos, x.astype(np.float64), zi=self._zi)
        buf = np.concatenate([self._pending, y]) if self._pending.size else y
        whole = len(buf) // self._step
        if whole:
            energies = np.square(buf[: whole * self._step]).reshape(whole, self._step).sum(axis=1)
            for e in energies:
                self._recent.append(float(e))
                if self._integrate and len(self._recent) >= 4:
                    self._blocks.append(sum(list(self._recent)[-4:]) / (4 * self._step))
        self._pending = buf[whole * self._step :]
        return whole

    def loudness_over(self, seconds: float) -> float:
        """Loudness of the last ``seconds`` pushed (0.1 to 3 s, in 100 ms steps); −120 until
        that much has been pushed."""
        n = min(self._recent.maxlen, max(1, round(seconds / _STEP_S)))
        if len(self._recent) < n:
            return SILENCE_LUFS
        return _lufs(sum(list(self._recent)[-n:]) / (n * self._step))

    @property
    def momentary_lufs(self) -> float:
        """Loudness of the last 400 ms (−120 until 400 ms have been pushed)."""
        return self.loudness_over(0.4)

    @property
    def short_term_lufs(self) -> float:
        """Loudness of the last 3 s (−120 until 3 s have been pushed)."""
        return self.loudness_over(3.0)

    @property
    def integrated_lufs(self) -> float:
        """Gated loudness of everything pushed so far (BS.1770-4 §2.8)."""
        if not self._integrate:
            raise ValueError("integrated loudness needs a LoudnessMeter(rate, integrate=True)")
        blocks = np.array(self._blocks)
        above_absolute = blocks[blocks > 10 ** ((_ABSOLUTE_GATE_LUFS + 0.691) / 10)]
        if above_absolute.size == 0:
            return SILENCE_LUFS
        relative_gate = _lufs(float(above_absolute.mean())) + _RELATIVE_GATE_LU
        gated = above_absolute[above_absolute > 10 ** ((relative_gate + 0.691) / 10)]
        return _lufs(float(gated.mean())) if gated.size else SILENCE_LUFS


def integrated_loudness(samples: np.ndarray, rate: int) -> float:
    """Integrated loudness of a whole mono signal, in LUFS."""
    meter = LoudnessMeter(rate)
    meter.push(samples)
    return meter.integrated_lufs
