"""Speech rate in syllables per second of phonation, from audio alone (no transcript).

Method: syllable nuclei as in de Jong & Wempe (2009), "Praat script to detect syllable nuclei
and measure speech rate automatically", Behavior Research Methods 41(2):385-390. A syllable
nucleus is a peak of the intensity envelope that

1. stands at least ``MIN_DIP_DB`` above the dips on both sides of it (their "mindip", 2 dB),
2. is no more than ``BELOW_PEAK_DB`` under the speaker's recent peak level (their threshold is
   the 99th-percentile intensity + "silence threshold" −25 dB; ours is a running peak level
   because the analyser is incremental and has no whole-file maximum),
3. is voiced: the frame is speech for the VAD and the band-passed waveform around the peak is
   periodic (normalised autocorrelation ≥ ``VOICING_MIN`` at a lag of 2.5–16 ms, i.e.
   62–400 Hz; de Jong & Wempe ask Praat's pitch tracker whether the peak is voiced),
4. and is at least ``MIN_SPACING_S`` after the previous nucleus.

Differences from the paper, and why: the envelope is the energy of the 300–3000 Hz band (where
vowel formants F1/F2 carry the energy; this also ignores mains hum and the telephone band edges)
in 10 ms steps smoothed over 70 ms, instead of Praat's full-band intensity; the dip test is the
symmetric peak/valley hysteresis of a streaming peak detector (a peak is confirmed once the
envelope has fallen ``MIN_DIP_DB`` below it), so the result never depends on how audio is cut
into pushes.

Rate = nuclei / phonation time. Phonation time is VAD-voiced time plus pauses of at most
``MAX_PAUSE_S`` between voiced frames (stop closures, VAD flicker); longer pauses are excluded.
That is articulation rate, which is what a "slow down" prompt is about: an agent who pauses
often but gabbles in between still needs the prompt.

The constants were measured on the espeak-ng fixtures in ``tests/fixtures/rate`` (5 languages,
110–260 words/min); see ``scripts/make_rate_fixtures.py`` and ``tests/unit/test_rate.py``.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.signal import butter, lfilter

from voiceassist.frames import HOP_SAMPLES, SAMPLE_RATE, Frame

__all__ = [
    "STEP_S",
    "MAX_PAUSE_S",
    "RateResult",
    "phonation_seconds",
    "speech_rate",
    "SpeechRate",
]

STEP_S = 0.01  # envelope step, as Praat's intensity analysis in the paper
_STEP = round(SAMPLE_RATE * STEP_S)
_STEPS_PER_HOP = HOP_SAMPLES // _STEP
BAND_HZ = (300.0, 3000.0)
# 70 ms Hann smoothing (7 taps of 10 ms), the one sensitive constant: on the 60 fixtures, 50 ms
# left 2 outside ±15 % (hr +19 %: split vowels), 30 ms left 8 (ru +33 %), and 90 ms left 8
# (ar -23 %: merged syllables at 260 wpm); 70 ms left none.
_SMOOTH = np.hanning(9)[1:-1]
_SMOOTH /= _SMOOTH.sum()
_SMOOTH_DELAY = (len(_SMOOTH) - 1) // 2  # steps the causal smoother lags the signal
# de Jong & Wempe use 2 dB. At 2 dB espeak's Croatian trilled r after a consonant ("sutra",
# "ujutro", "adresu") made extra peaks at 110 wpm (+19 %); at 3 dB syllables merged at fast
# rates so that the rate of two sentences stopped rising with wpm. 2.5 dB had neither.
MIN_DIP_DB = 2.5
# de Jong & Wempe's silence threshold. 15-30 dB all kept the fixtures within ±15 % (20 dB
# halves the worst Russian error); we keep the published value until real calls say otherwise.
BELOW_PEAK_DB = 25.0
PEAK_DECAY_DB_PER_S = 1.0  # the running peak level forgets a loud moment over ~25 s
# Praat's voicing threshold is 0.45, but our raw 30 ms autocorrelation (no window correction)
# of the band-passed signal reads lower on short, coarticulated vowels: at 0.45, 7 fixtures fell
# outside ±15 % (ru, hr -20 %); at 0.35 two did. At 0.3 none did, and 10 s of white, pink or
# brown noise that the VAD wrongly calls speech reads 0-0.3 syllables/s (test_rate.py).
VOICING_MIN = 0.3
# 60 ms = 16.7 syllables/s, faster than anyone speaks (40 ms gave identical counts); 80 ms
# cost syllables at 260 wpm (ar -23 %), 100 ms at most fast clips.
MIN_SPACING_S = 0.06
MAX_PAUSE_S = 0.3  # a silent pause longer than this is a pause, not articulation
_FLOOR = 1e-10  # energy of digital silence (-100 dB) so log10 stays finite
_LAG_MIN = round(SAMPLE_RATE / 400)  # 400 Hz
_LAG_MAX = round(SAMPLE_RATE / 62.5)  # 62.5 Hz
_CORR_N = 480  # 30 ms: two periods of a 66 Hz voice
_HISTORY_S = 4.0  # raw audio kept for the voicing check of a confirmed peak
_HISTORY = round(_HISTORY_S * SAMPLE_RATE)
_HISTORY_STEPS = round(_HISTORY_S / STEP_S)
_CHUNK_HOPS = 50
_MAX_PEAK_AGE_STEPS = 200


@dataclass(frozen=True)
class RateResult:
    syllables: int
    phonation_s: float
    nuclei_s: np.ndarray  # times of the nuclei, seconds from the start of the audio

    @property
    def rate_sps(self) -> float | None:
        return self.syllables / self.phonation_s if self.phonation_s > 0 else None


def phonation_seconds(voiced: Sequence[bool], hop_s: float = HOP_SAMPLES / SAMPLE_RATE, max_pause_s: float = MAX_PAUSE_S) -> float:
    """Voiced time plus the pauses of at most ``max_pause_s`` between voiced frames."""
    total, gap, seen = 0, 0, False
    max_gap = round(max_pause_s / hop_s)
    for v in voiced:
        if v:
            if seen and gap <= max_gap:
                total += gap
            total += 1
            gap, seen = 0, True
        else:
            gap += 1
    return total * hop_s


def _voicing(x: np.ndarray) -> float:
    """Largest normalised autocorrelation at 62–400 Hz lags of ``x`` (≥ _CORR_N + _LAG_MAX)."""
    x = x - x.mean()
    head = x[:_CORR_N]
    e0 = float(head @ head)
    if e0 <= 0:
        return 0.0
    r = np.correlate(x[: _CORR_N + _LAG_MAX], head, mode="valid")[_LAG_MIN:]
    sq = np.concatenate(([0.0], np.cumsum(x * x)))
    lags = np.arange(_LAG_MIN, _LAG_MAX + 1)
    e_lag = sq[lags + _CORR_N] - sq[lags]
    return float(np.max(r / np.sqrt(e0 * e_lag + 1e-20)))


class _NucleusTracker:
    """The streaming detector: takes whole 20 ms frames with their VAD flags, returns nuclei.

    All state (filter, smoother, peak/valley hysteresis, running peak level, recent audio) is
    carried, so any split of the same frames into calls gives the same nuclei.
    """

    def __init__(self) -> None:
        # A 4th-order transfer function is numerically safe at these band edges, and lfilter
        # costs a third of sosfilt's per-call overhead, which dominates on 200 ms blocks.
        self._b, self._a = butter(2, BAND_HZ, btype="bandpass", fs=SAMPLE_RATE)
        self._zi = np.zeros(len(self._a) - 1)
        self._tail = np.full(len(_SMOOTH) - 1, _FLOOR)
        self._step = 0  # index of the next envelope step
        # Peak/valley hysteresis (the dip test) over the smoothed envelope in dB.
        self._hi, self._hi_at, self._lo = -math.inf, -1, math.inf
        self._want_peak = True
        self._level = -math.inf  # running peak level of speech, dB
        self._last_nucleus = -(10**9)
        self._audio = np.zeros(_HISTORY, dtype=np.float32)  # ring of raw samples
        self._voiced = np.zeros(_HISTORY_STEPS, dtype=bool)  # ring of per-step VAD flags
        self._speech_at = np.zeros(_HISTORY_STEPS)  # ring: phonation clock at each step
        self.phonation_s = 0.0
        self._gap_hops = 0
        self._seen_voice = False
        self._max_gap_hops = round(MAX_PAUSE_S * SAMPLE_RATE / HOP_SAMPLES)

    def feed(self, samples: np.ndarray, voiced: np.ndarray) -> list[tuple[float, float]]:
        """``samples``: int16, ``len(voiced) * HOP_SAMPLES`` of them. Returns confirmed nuclei
        as (seconds from the start of the stream, phonation clock at the nucleus)."""
        found = []
        # Chunks of at most 1 s keep the peak's audio inside the 4 s ring whatever the caller
        # passes, so the nuclei do not depend on how the stream is cut.
        for i in range(0, len(voiced), _CHUNK_HOPS):
            found += self._feed(samples[i * HOP_SAMPLES : (i + _CHUNK_HOPS) * HOP_SAMPLES], voiced[i : i + _CHUNK_HOPS])
        return found

    def flush(self) -> list[tuple[float, float]]:
        """Confirm a last peak by appending unvoiced digital silence (the end of the stream)."""
        hops = 10
        return self.feed(np.zeros(hops * HOP_SAMPLES, np.int16), np.zeros(hops, bool))

    def _feed(self, samples: np.ndarray, voiced: np.ndarray) -> list[tuple[float, float]]:
        n_steps = len(voiced) * _STEPS_PER_HOP
        x = samples.astype(np.float64) / 32768.0
        first = self._step
        hop_voiced = np.repeat(np.asarray(voiced, dtype=bool), _STEPS_PER_HOP)
        clocks = np.empty(n_steps)
        for i, v in enumerate(voiced):
            self._advance_clock(bool(v))
            clocks[i * _STEPS_PER_HOP : (i + 1) * _STEPS_PER_HOP] = self.phonation_s
        idx = (first + np.arange(n_steps)) % _HISTORY_STEPS
        self._voiced[idx] = hop_voiced
        self._speech_at[idx] = clocks

        y, self._zi = lfilter(self._b, self._a, x, zi=self._zi)
        # The voicing check reads the band-passed signal: harmonics of the voice survive the
        # band, while rumble and brown noise (strongly correlated at short lags) do not.
        self._remember_audio(y, first * _STEP)
        energy = np.mean(y.reshape(n_steps, _STEP) ** 2, axis=1)
        padded = np.concatenate((self._tail, energy))
        self._tail = padded[len(padded) - len(self._tail) :]
        env_db = 10 * np.log10(np.convolve(padded, _SMOOTH[::-1], mode="valid") + _FLOOR)

        found = []
        for k, db in enumerate(env_db.tolist()):
            at = first + k - _SMOOTH_DELAY  # the step this smoothed value is centred on
            peak = self._hysteresis(db, at)
            if peak is not None and first + k - peak[1] > _MAX_PEAK_AGE_STEPS:
                peak = None  # a plateau of > 2 s is not a syllable (and its audio is gone)
            if at >= 0 and self._voiced[at % _HISTORY_STEPS]:
                self._level = max(db, self._level - PEAK_DECAY_DB_PER_S * STEP_S)
            if peak is not None and self._accept(*peak):
                found.append(((peak[1] + 0.5) * STEP_S, float(self._speech_at[peak[1] % _HISTORY_STEPS])))
        self._step += n_steps
        return found

    def _advance_clock(self, voiced: bool) -> None:
        if voiced:
            if self._seen_voice and self._gap_hops <= self._max_gap_hops:
                self.phonation_s += self._gap_hops * HOP_SAMPLES / SAMPLE_RATE
            self.phonation_s += HOP_SAMPLES / SAMPLE_RATE
            self._gap_hops, self._seen_voice = 0, True
        else:
            self._gap_hops += 1

    def _remember_audio(self, x: np.ndarray, start: int) -> None:
        idx = (start + np.arange(len(x))) % _HISTORY
        self._audio[idx] = x

    def _hysteresis(self, db: float, at: int) -> tuple[float, int] | None:
        """Billauer-style peak detection with delta = MIN_DIP_DB: a peak is reported once the
        envelope has fallen MIN_DIP_DB below it, and the next peak must first rise MIN_DIP_DB
        above the valley in between. Returns (peak dB, step) or None."""
        if db > self._hi:
            self._hi, self._hi_at = db, at
        self._lo = min(self._lo, db)
        if self._want_peak:
            if db < self._hi - MIN_DIP_DB:
                peak = (self._hi, self._hi_at)
                self._lo, self._want_peak = db, False
                return peak
        elif db > self._lo + MIN_DIP_DB:
            self._hi, self._hi_at, self._want_peak = db, at, True
        return None

    def _accept(self, db: float, at: int) -> bool:
        if at < 0 or not self._voiced[at % _HISTORY_STEPS]:
            return False
        if db < self._level - BELOW_PEAK_DB:
            return False
        if (at - self._last_nucleus) * STEP_S < MIN_SPACING_S:
            return False
        centre = at * _STEP + _STEP // 2
        start = centre - (_CORR_N + _LAG_MAX) // 2
        if start < 0:
            return False
        seg = self._audio[(start + np.arange(_CORR_N + _LAG_MAX)) % _HISTORY].astype(np.float64)
        if _voicing(seg) < VOICING_MIN:
            return False
        self._last_nucleus = at
        return True


def _as_frames(samples: np.ndarray, voiced: Sequence[bool]) -> tuple[np.ndarray, np.ndarray]:
    flags = np.asarray(voiced, dtype=bool)
    need = len(flags) * HOP_SAMPLES
    x = np.asarray(samples, dtype=np.int16)[:need]
    if len(x) < need:
        x = np.concatenate((x, np.zeros(need - len(x), dtype=np.int16)))
    return x, flags


def speech_rate(samples: np.ndarray, voiced: Sequence[bool]) -> RateResult:
    """Syllable nuclei and phonation time of a whole int16 16 kHz mono signal.

    ``voiced`` has one VAD decision per 20 ms frame (``HOP_SAMPLES``); the signal is cut or
    zero-padded to ``len(voiced)`` frames.
    """
    x, flags = _as_frames(samples, voiced)
    tracker = _NucleusTracker()
    nuclei = tracker.feed(x, flags) + tracker.flush()
    times = np.array([t for t, _ in nuclei])
    return RateResult(len(times), phonation_seconds(flags), times)


class SpeechRate:
    """Incremental articulation rate of one speaker over the last ``window_s`` of phonation.

    ``push(frame, voiced)`` takes each 20 ms Frame with the VAD's decision for it and returns
    ``rate_sps``: nuclei per second of phonation in the window, or None until ``min_speech_s``
    of phonation has been heard. Frames are analysed in blocks of ``block_ms`` (200 ms): one
    scipy filter call per 20 ms frame costs more in call overhead than in arithmetic (RTF 0.02
    per frame against 0.004 in 200 ms blocks; see benchmarks/rate.py), and a rate prompt does
    not need the last 200 ms. ``finish()`` analyses what is left. The window is speech time, not call time, so a quiet minute
    does not dilute the rate and a burst of fast talk after it is judged on its own.
    """

    def __init__(self, window_s: float = 10.0, min_speech_s: float = 2.0, block_ms: int = 200):
        if window_s <= 0 or not 0 < min_speech_s <= window_s:
            raise ValueError(f"need 0 < min_speech_s <= window_s, got {min_speech_s=}, {window_s=}")
        self._block_hops = max(1, block_ms * SAMPLE_RATE // 1000 // HOP_SAMPLES)
        self._pending: list[np.ndarray] = []
        self._pending_voiced: list[bool] = []
        self.window_s = window_s
        self.min_speech_s = min_speech_s
        self._tracker = _NucleusTracker()
        self._nuclei: deque[float] = deque()  # phonation clock of each nucleus in the window
        self.syllables = 0  # all nuclei since the start

    @property
    def phonation_s(self) -> float:
        return self._tracker.phonation_s

    @property
    def rate_sps(self) -> float | None:
        speech = self._tracker.phonation_s
        if speech < self.min_speech_s:
            return None
        while self._nuclei and self._nuclei[0] <= speech - self.window_s:
            self._nuclei.popleft()
        return len(self._nuclei) / min(speech, self.window_s)

    def push(self, frame: Frame, voiced: bool) -> float | None:
        self._pending.append(frame.samples)
        self._pending_voiced.append(voiced)
        if len(self._pending) >= self._block_hops:
            self._analyse_pending()
        return self.rate_sps

    def finish(self) -> float | None:
        """End of the stream: count a nucleus still waiting for the envelope to fall."""
        self._analyse_pending()
        self._add(self._tracker.flush())
        return self.rate_sps

    def _analyse_pending(self) -> None:
        if self._pending:
            samples = np.concatenate(self._pending)
            self._add(self._tracker.feed(samples, np.array(self._pending_voiced)))
            self._pending.clear()
            self._pending_voiced.clear()

    def _add(self, nuclei: list[tuple[float, float]]) -> None:
        for _, clock in nuclei:
            self._nuclei.append(clock)
            self.syllables += 1
