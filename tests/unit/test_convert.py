"""Conversion to the internal format: resampling accuracy, clipping, NaN, framing."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from voiceassist.frames import HOP_SAMPLES, SAMPLE_RATE
from voiceassist.sources.convert import Framer, StreamConverter, to_float32

RATES = [8000, 11025, 22050, 44100, 48000]


def to_frames(speaker: str, samples: np.ndarray, t0: float = 0.0) -> list:
    """One speaker's whole 16 kHz signal as the sources frame it."""
    framer = Framer(speaker, t0)
    return framer.push(samples) + framer.flush()


def to_int16(x: np.ndarray) -> np.ndarray:
    """16 kHz samples of any type to int16, as the sources' framer converts them."""
    frames = to_frames("caller", x)
    return np.concatenate([f.samples for f in frames])[: len(x)] if frames else np.zeros(0, np.int16)


def to_int16_16k(samples: np.ndarray, rate: int) -> np.ndarray:
    """A whole signal, shape ``(n,)`` or ``(n, channels)``, through the sources' own path: one
    block to the stream converter, then each channel framed to int16."""
    block = samples if samples.ndim == 2 else samples[:, None]
    y = StreamConverter(rate, block.shape[1]).push(block, last=True)
    out = np.stack([to_int16(y[:, c]) for c in range(y.shape[1])], axis=1)
    return out if samples.ndim == 2 else out[:, 0]


def snr_db(reference: np.ndarray, x: np.ndarray) -> float:
    reference = reference.astype(np.float64)
    noise = reference - x.astype(np.float64)
    return float(10 * np.log10(np.sum(reference**2) / max(np.sum(noise**2), 1e-12)))


def sine(freq: float, rate: int, seconds: float, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


@pytest.mark.parametrize("rate", RATES)
def test_resampled_sine_matches_the_same_sine_sampled_at_16k(rate):
    y = to_int16_16k(sine(1000, rate, 1.0), rate)
    assert y.dtype == np.int16 and len(y) == SAMPLE_RATE
    expected = sine(1000, SAMPLE_RATE, 1.0) * 32768
    # int16 quantisation alone limits this to ~98 dB; soxr measures ~97 dB away from the edges
    assert snr_db(expected[200:-200], y[200:-200]) > 80


def test_16k_int16_passes_through_unchanged():
    x = np.random.default_rng(1).integers(-32768, 32767, 5000, dtype=np.int16)
    assert np.array_equal(to_int16_16k(x, 16000), x)


def test_channels_are_resampled_independently():
    x = np.stack([sine(500, 48000, 0.5), sine(3000, 48000, 0.5, 0.25)], axis=1)
    y = to_int16_16k(x, 48000)
    assert y.shape == (8000, 2)
    assert snr_db(sine(500, 16000, 0.5)[200:-200] * 32768, y[200:-200, 0]) > 80
    assert snr_db(sine(3000, 16000, 0.5, 0.25)[200:-200] * 32768, y[200:-200, 1]) > 80


def test_content_above_the_new_nyquist_is_removed_not_aliased():
    # 10 kHz is above the new 8 kHz Nyquist: it must vanish, not alias down to 6 kHz
    y = to_int16_16k(sine(10_000, 48000, 1.0), 48000)
    assert np.sqrt(np.mean(y[500:-500].astype(float) ** 2)) < 0.001 * 32768


@pytest.mark.parametrize("rate", [8000, 44100, 48000])
def test_streaming_in_odd_blocks_equals_whole_signal(rate):
    x = sine(440, rate, 1.0) + sine(2500, rate, 1.0, 0.2)
    whole = to_int16_16k(x, rate)
    conv = StreamConverter(rate, 1)
    rng = np.random.default_rng(7)
    out, i = [], 0
    while i < len(x):
        n = int(rng.integers(1, 3000))
        out.append(conv.push(x[i : i + n, None]))
        i += n
    out.append(conv.push(np.zeros((0, 1), np.float32), last=True))
    streamed = to_int16(np.concatenate(out)[:, 0])
    assert len(streamed) == len(whole)  # no delay, no lost tail
    assert snr_db(whole, streamed) > 80


def test_float_to_int16_clips_and_scales_like_libsndfile():
    x = np.array([0.0, 0.5, -0.5, 1.0, -1.0, 1.7, -3.0], dtype=np.float32)
    assert to_int16(x).tolist() == [0, 16384, -16384, 32767, -32768, 32767, -32768]


def test_integer_inputs_are_scaled_by_their_type():
    assert to_float32(np.array([0, 128, 255], dtype=np.uint8)).tolist() == [-1.0, 0.0, 127 / 128]
    assert to_int16(np.array([2**31 - 1, -(2**31), 2**30], dtype=np.int32)).tolist() == [32767, -32768, 16384]


def test_nan_and_inf_become_silence_with_one_warning(caplog):
    x = np.array([0.25, np.nan, np.inf, -np.inf, -0.25] * 100, dtype=np.float32)
    framer = Framer("caller")
    with caplog.at_level(logging.WARNING, logger="voiceassist.sources.convert"):
        frames = [f for i in range(0, len(x), 50) for f in framer.push(x[i : i + 50])] + framer.flush()
    assert np.concatenate([f.samples for f in frames])[:5].tolist() == [8192, 0, 0, 0, -8192]
    assert len(caplog.records) == 1 and "NaN" in caplog.text


def test_streamed_nan_does_not_smear_through_the_filter_and_warns_once(caplog):
    x = sine(300, 44100, 1.0)
    bad = x.copy()
    bad[10_000] = np.nan
    bad[30_000] = np.inf
    conv = StreamConverter(44100, 1)
    with caplog.at_level(logging.WARNING, logger="voiceassist.sources.convert"):
        out = [conv.push(bad[i : i + 1000, None]) for i in range(0, len(bad), 1000)]
        out.append(conv.push(np.zeros((0, 1), np.float32), last=True))
    y = np.concatenate(out)[:, 0]
    assert np.isfinite(y).all()
    # one zeroed input sample is a tiny error, not a hole: still > 40 dB against the clean sine
    assert snr_db(to_int16_16k(x, 44100), to_int16(y)) > 40
    assert len([r for r in caplog.records if "NaN" in r.message]) == 1


def test_frames_have_hop_times_and_a_zero_padded_last_frame():
    x = np.arange(3 * HOP_SAMPLES + 17, dtype=np.int16)
    frames = to_frames("agent", x)
    assert [f.t for f in frames] == pytest.approx([0.0, 0.02, 0.04, 0.06])
    assert all(f.speaker == "agent" and f.samples.dtype == np.int16 and len(f.samples) == HOP_SAMPLES for f in frames)
    assert np.array_equal(np.concatenate([f.samples for f in frames])[: len(x)], x)
    assert not frames[-1].samples[17:].any()
    assert frames[-1].end == pytest.approx(0.08)


def test_exact_multiple_has_no_padding_frame_and_t0_offsets():
    frames = to_frames("caller", np.ones(2 * HOP_SAMPLES, np.int16), t0=10.0)
    assert [f.t for f in frames] == pytest.approx([10.0, 10.02])
    assert to_frames("caller", np.zeros(0, np.int16)) == []


def test_framer_is_independent_of_block_sizes():
    x = np.random.default_rng(3).integers(-20000, 20000, 10_007).astype(np.int16)
    framer = Framer("caller")
    frames = []
    for i in range(0, len(x), 37):
        frames += framer.push(x[i : i + 37])
    frames += framer.flush()
    whole = to_frames("caller", x)
    assert [f.t for f in frames] == [f.t for f in whole]
    assert all(np.array_equal(a.samples, b.samples) for a, b in zip(frames, whole))
    # t is computed from the sample count, so it does not drift over a long call
    assert frames[-1].t == (len(whole) - 1) * HOP_SAMPLES / SAMPLE_RATE
