"""Speech rate (syllable nuclei per second of phonation) on espeak-ng speech of known syllables.

The truth rate of a fixture is its hand-counted syllables over its phonation time, and the
analyser divides by the same phonation time (webrtcvad voiced frames plus pauses <= 300 ms),
so what these tests really check is the syllable count.
"""

import json
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import webrtcvad

from voiceassist.analysis.rate import SpeechRate, phonation_seconds, speech_rate
from voiceassist.frames import HOP_SAMPLES, SAMPLE_RATE, Frame

FIXTURES = Path(__file__).parents[1] / "fixtures" / "rate"
MANIFEST = json.loads((FIXTURES / "manifest.json").read_text(encoding="utf-8"))


def vad_flags(x: np.ndarray) -> list[bool]:
    vad = webrtcvad.Vad(2)  # the product default (config audio.vad_aggressiveness)
    return [vad.is_speech(x[i : i + HOP_SAMPLES].tobytes(), SAMPLE_RATE) for i in range(0, len(x) - HOP_SAMPLES + 1, HOP_SAMPLES)]


def load(name: str) -> tuple[np.ndarray, list[bool]]:
    x, rate = sf.read(FIXTURES / name, dtype="int16")
    assert rate == SAMPLE_RATE and x.ndim == 1
    return x, vad_flags(x)


def frames(x: np.ndarray):
    for i in range(0, len(x) - HOP_SAMPLES + 1, HOP_SAMPLES):
        yield Frame("agent", i / SAMPLE_RATE, x[i : i + HOP_SAMPLES])


def incremental(x: np.ndarray, flags: list[bool], **kwargs) -> SpeechRate:
    analyser = SpeechRate(**kwargs)
    for frame, voiced in zip(frames(x), flags):
        analyser.push(frame, voiced)
    analyser.finish()
    return analyser


@pytest.mark.parametrize("item", MANIFEST, ids=[m["file"] for m in MANIFEST])
def test_rate_within_15_percent_of_known_syllables(item):
    x, flags = load(item["file"])
    truth = item["syllables"] / item["phonation_s"]
    measured = speech_rate(x, flags)
    assert measured.rate_sps == pytest.approx(truth, rel=0.15), f"{measured.syllables} of {item['syllables']} syllables"


def test_rate_rises_with_espeak_wpm_for_every_sentence():
    by_sentence = defaultdict(list)
    for item in MANIFEST:
        by_sentence[item["language"], item["sentence"]].append(item)
    assert len(by_sentence) == 10
    for key, items in by_sentence.items():
        items.sort(key=lambda m: m["espeak_wpm"])
        rates = [speech_rate(*load(m["file"])).rate_sps for m in items]
        assert all(a < b for a, b in zip(rates, rates[1:])), (key, [round(r, 2) for r in rates])


@pytest.mark.parametrize("name", ["en-1-140.flac", "ru-2-260.flac", "ar-1-110.flac", "hr-2-200.flac"])
def test_incremental_20_ms_hops_equal_the_batch_function(name):
    x, flags = load(name)
    batch = speech_rate(x, flags)
    analyser = incremental(x, flags, window_s=60.0)
    assert analyser.syllables == batch.syllables
    assert analyser.phonation_s == pytest.approx(batch.phonation_s)
    assert analyser.rate_sps == pytest.approx(batch.rate_sps)


def test_window_is_speech_time_and_follows_the_recent_speech():
    slow = [load(f"{lang}-{n}-110.flac") for lang in ("en", "tr", "hr") for n in (1, 2)]
    fast = [load(f"{lang}-{n}-260.flac") for lang in ("en", "tr", "ru", "ar", "hr") for n in (1, 2)]
    silence = np.zeros(5 * SAMPLE_RATE, np.int16)
    parts = slow + [(silence, [False] * (len(silence) // HOP_SAMPLES))] + fast
    x = np.concatenate([p[0][: len(p[1]) * HOP_SAMPLES] for p in parts])
    flags = [f for p in parts for f in p[1]]
    analyser = incremental(x, flags, window_s=10.0)
    # The last 10 s of phonation are all fast clips (their phonation sums to > 10 s).
    fast_truth = sum(speech_rate(*p).syllables for p in fast) / sum(phonation_seconds(p[1]) for p in fast)
    assert sum(phonation_seconds(p[1]) for p in fast) > 10.0
    assert analyser.rate_sps == pytest.approx(fast_truth, rel=0.1)
    slow_truth = sum(speech_rate(*p).syllables for p in slow) / sum(phonation_seconds(p[1]) for p in slow)
    assert analyser.rate_sps > 1.5 * slow_truth
    # Silence adds no speech time, so it leaves the rate as it was.
    before = analyser.rate_sps
    for frame in frames(silence):
        analyser.push(frame, False)
    assert analyser.rate_sps == before


def test_no_rate_until_two_seconds_of_speech():
    x, flags = load("tr-1-260.flac")  # 1.7 s of phonation
    assert phonation_seconds(flags) < 2.0
    assert incremental(x, flags).rate_sps is None


def test_silence_has_no_rate():
    x = np.zeros(5 * SAMPLE_RATE, np.int16)
    flags = vad_flags(x)
    assert not any(flags)
    assert incremental(x, flags).rate_sps is None
    assert speech_rate(x, flags).rate_sps is None


def _harmonic_vowel(seconds: float, f0: float = 120.0) -> np.ndarray:
    """A steady /a/-like vowel: harmonics of f0 shaped by formants at 700 and 1200 Hz."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    x = np.zeros_like(t)
    for k in range(1, int(3500 / f0)):
        f = k * f0
        gain = 1 / (1 + ((f - 700) / 120) ** 2) + 0.5 / (1 + ((f - 1200) / 150) ** 2) + 0.02
        x += gain * np.sin(2 * np.pi * f * t)
    return x


@pytest.mark.parametrize(
    "name, signal",
    [
        ("sustained vowel", _harmonic_vowel(4.0)),
        ("1 kHz tone", np.sin(2 * np.pi * 1000 * np.arange(4 * SAMPLE_RATE) / SAMPLE_RATE)),
        ("200 Hz tone", np.sin(2 * np.pi * 200 * np.arange(4 * SAMPLE_RATE) / SAMPLE_RATE)),
    ],
)
def test_steady_voiced_sound_is_at_most_one_syllable(name, signal):
    x = (0.3 * 32767 * signal / np.max(np.abs(signal))).astype(np.int16)
    x = np.concatenate((np.zeros(SAMPLE_RATE // 2, np.int16), x, np.zeros(SAMPLE_RATE // 2, np.int16)))
    flags = [True] * (len(x) // HOP_SAMPLES)  # the worst case: the VAD calls all of it speech
    assert speech_rate(x, flags).syllables <= 1
    assert incremental(x, flags).rate_sps <= 0.25


@pytest.mark.parametrize("colour", ["white", "pink", "brown"])
def test_noise_is_nearly_no_syllables(colour):
    rng = np.random.default_rng(7)
    n = 10 * SAMPLE_RATE
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.maximum(np.fft.rfftfreq(n, 1 / SAMPLE_RATE), 20.0)
    spectrum /= {"white": 1, "pink": np.sqrt(f), "brown": f}[colour]
    noise = np.fft.irfft(spectrum, n)
    x = (0.1 * 32767 * noise / np.std(noise) / 3).astype(np.int16)
    flags = [True] * (len(x) // HOP_SAMPLES)  # the worst case: the VAD calls all of it speech
    # Real speech is 3-8 syllables/s; noise must read far below the 5.5 sps prompt threshold.
    assert speech_rate(x, flags).rate_sps <= 0.5
