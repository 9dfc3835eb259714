"""VoiceMonitor on real speech: loudness only over speech, baselines, words per minute."""

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import soxr

from voiceassist.analysis.loudness import integrated_loudness
from voiceassist.analysis.monitor import VoiceMonitor
from voiceassist.transcripts import Transcript, Word
from voiceassist.config import load_config
from voiceassist.sources.convert import Framer

SPEECH = Path(__file__).parents[1] / "fixtures" / "sources" / "speech_16k.wav"


def frames_of(x):
    framer = Framer("agent")
    return framer.push(x) + framer.flush()


@pytest.fixture(scope="module")
def speech():
    x, rate = sf.read(SPEECH, dtype="float32")
    return soxr.resample(x, rate, 16000)


def run(samples, **overrides):
    monitor = VoiceMonitor("agent", load_config(None, overrides).monitor)
    return [monitor.push(f) for f in frames_of(samples)]


def test_loudness_is_measured_over_speech_only(speech):
    gap = np.zeros(16000 * 2, dtype=np.float32)
    with_pauses = np.concatenate([speech, gap, speech, gap, speech])
    last = run(with_pauses, **{"monitor.loudness.baseline_s": 5.0})[-1]
    # The pauses neither pull the level down nor enter the baseline.
    assert last.baseline_lufs == pytest.approx(integrated_loudness(speech, 16000), abs=1.0)
    assert last.loudness_lufs == pytest.approx(integrated_loudness(speech[-24000:], 16000), abs=1.5)


def test_baseline_is_own_level_whatever_the_headset_gain(speech):
    x = np.concatenate([speech] * 3)
    quiet = run(x * 10 ** (-12 / 20), **{"monitor.loudness.baseline_s": 5.0})[-1]
    loud = run(x * 10 ** (12 / 20), **{"monitor.loudness.baseline_s": 5.0})[-1]
    assert loud.baseline_lufs - quiet.baseline_lufs == pytest.approx(24.0, abs=0.3)
    assert loud.loudness_lufs - loud.baseline_lufs == pytest.approx(quiet.loudness_lufs - quiet.baseline_lufs, abs=0.3)
    assert loud.baseline_sps == pytest.approx(quiet.baseline_sps, rel=0.15)


def test_calibrated_baseline_is_used_as_given(speech):
    first = run(speech, **{"monitor.loudness.baseline_lufs": -35.0})[0]
    assert first.baseline_lufs == -35.0


def test_nothing_is_measured_before_there_is_speech():
    m = run(np.zeros(16000 * 3, dtype=np.float32))[-1]
    assert (m.voiced, m.speaking, m.loudness_lufs, m.baseline_lufs, m.rate_sps) == (False, False, None, None, None)


def test_words_per_minute_from_final_transcripts():
    monitor = VoiceMonitor("agent", load_config().monitor)
    words = tuple(Word(f"w{i}", 10 + i * 0.4, 10 + i * 0.4 + 0.3, 1.0) for i in range(10))
    monitor.hear(Transcript("agent", "ten words", 10.0, 14.0, words, final=True, t=14.5))
    monitor.hear(Transcript("agent", "partial", 20.0, 22.0, words[:2], final=False, t=22.0))  # ignored
    m = monitor.push(frames_of(np.zeros(320, dtype=np.float32))[0])
    assert m.wpm == pytest.approx(150.0)  # 10 words in 4 s of speech
