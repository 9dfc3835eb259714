"""BS.1770 loudness against pyloudnorm (the test oracle only) and against known values."""

from pathlib import Path

import numpy as np
import pyloudnorm
import pytest
import soundfile as sf
import soxr

from voiceassist.analysis.loudness import LoudnessMeter, integrated_loudness

FIXTURES = Path(__file__).parents[1] / "fixtures"


def tone(freq, seconds, rate, amplitude):
    t = np.arange(int(seconds * rate)) / rate
    return amplitude * np.sin(2 * np.pi * freq * t)


def pushed_in_hops(x, rate, hop_s=0.02):
    meter = LoudnessMeter(rate)
    hop = int(rate * hop_s)
    for i in range(0, len(x), hop):
        meter.push(x[i : i + hop])
    return meter


def real_recordings():
    """Real telephone speech of at least 2 s."""
    found = []
    for path in sorted(FIXTURES.rglob("*.wav")):
        info = sf.info(path)
        if info.channels == 1 and info.duration >= 2.0:
            found.append(path)
    return found[:12]


def test_full_scale_997_hz_sine_reads_minus_3_lufs():
    # EBU Tech 3341: a 997 Hz sine at 0 dBFS peak measures -3.01 LUFS on one channel.
    assert integrated_loudness(tone(997, 10, 48000, 1.0), 48000) == pytest.approx(-3.01, abs=0.05)


@pytest.mark.parametrize("rate", [16000, 48000])
@pytest.mark.parametrize("freq, amplitude", [(100, 0.5), (1000, 0.1), (5000, 0.02), (60, 0.8)])
def test_tones_match_pyloudnorm(rate, freq, amplitude):
    x = tone(freq, 5, rate, amplitude)
    expected = pyloudnorm.Meter(rate).integrated_loudness(x)
    assert pushed_in_hops(x, rate).integrated_lufs == pytest.approx(expected, abs=0.1)


@pytest.mark.parametrize("rate", [16000, 48000])
def test_real_recordings_match_pyloudnorm(rate):
    recordings = real_recordings()
    assert len(recordings) >= 5, "expected real speech fixtures under tests/fixtures"
    for path in recordings:
        x, r = sf.read(path)
        y = soxr.resample(x, r, rate)
        # To a whole number of 100 ms gating steps: pyloudnorm rounds the block count up, so it
        # counts a partial last block that BS.1770's whole blocks do not have.
        y = y[: int((len(y) / rate - 0.4) * 10) * rate // 10 + int(0.4 * rate)]
        expected = pyloudnorm.Meter(rate).integrated_loudness(y)
        assert pushed_in_hops(y, rate).integrated_lufs == pytest.approx(expected, abs=0.1), path.name


def test_a_meter_without_integration_keeps_no_blocks_and_measures_the_same():
    """The voice monitor's meter runs for a whole shift: it must not keep 10 blocks a second."""
    x, r = sf.read(real_recordings()[0])
    y = soxr.resample(x, r, 16000)
    full, short = LoudnessMeter(16000), LoudnessMeter(16000, integrate=False)
    for i in range(0, len(y), 320):
        full.push(y[i : i + 320])
        short.push(y[i : i + 320])
        assert short.momentary_lufs == full.momentary_lufs
        assert short.loudness_over(3.0) == full.loudness_over(3.0)
    assert len(full._blocks) > 10 and short._blocks == []
    with pytest.raises(ValueError, match="integrate=True"):
        short.integrated_lufs


def test_streaming_equals_whole_signal():
    rng = np.random.default_rng(0)
    x = rng.normal(0, 0.05, 16000 * 4)
    whole = LoudnessMeter(16000)
    whole.push(x)
    hops = pushed_in_hops(x, 16000, hop_s=0.013)  # odd hop: the filter state must carry over
    assert hops.integrated_lufs == pytest.approx(whole.integrated_lufs, abs=1e-9)
    assert hops.short_term_lufs == pytest.approx(whole.short_term_lufs, abs=1e-9)


@pytest.mark.parametrize("gain_db", [-12.0, 6.0, 8.0])
def test_momentary_loudness_follows_applied_gain(gain_db):
    x = tone(440, 2, 16000, 0.05) + tone(2500, 2, 16000, 0.02)
    base = pushed_in_hops(x, 16000).momentary_lufs
    scaled = pushed_in_hops(x * 10 ** (gain_db / 20), 16000).momentary_lufs
    assert scaled - base == pytest.approx(gain_db, abs=0.2)


def test_int16_input_is_scaled_to_full_scale():
    x = tone(997, 3, 16000, 0.5)
    as_int16 = LoudnessMeter(16000)
    as_int16.push(np.round(x * 32767).astype(np.int16))
    assert as_int16.integrated_lufs == pytest.approx(integrated_loudness(x, 16000), abs=0.01)


def test_silence_is_gated_out():
    speech_like = tone(300, 3, 16000, 0.1)
    with_silence = np.concatenate([speech_like, np.zeros(16000 * 6)])
    # Ungated, 6 s of silence after 3 s of sound would read 4.8 dB lower; gating keeps all but
    # the few 400 ms blocks that straddle the edge (those pass the relative gate, as in pyloudnorm).
    gated = integrated_loudness(with_silence, 16000)
    assert gated == pytest.approx(integrated_loudness(speech_like, 16000), abs=0.3)
    assert gated == pytest.approx(pyloudnorm.Meter(16000).integrated_loudness(with_silence), abs=0.01)
    assert integrated_loudness(np.zeros(16000), 16000) == -120.0
