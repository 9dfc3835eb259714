"""The spoken cue: rendered by the real espeak-ng to a WAV, in the prompt's language with its
phrasebook's word and voice, never while the agent speaks, rate-limited. There is no sound card
here: playing is replaced by a recorder of what would have been played (a stand-in, named as
such), except in the last test, where the real player plays into a real PulseAudio server's
null sink and what it played is recorded from the sink's monitor; rendering is real."""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pytest
import soundfile as sf
import soxr
import webrtcvad
from pulsetools import Pulse, needs_pulseaudio

from voiceassist.config import load_config
from voiceassist.languages import LANGUAGES
from voiceassist.sinks.speech import SpokenCue, cue_words, render_cue


def test_cue_renders_short_and_quiet(tmp_path):
    quiet = sf.read(str(render_cue("slower", tmp_path / "quiet.wav", 0.3)))[0]
    full = sf.read(str(render_cue("slower", tmp_path / "full.wav", 1.0)))[0]
    info = sf.info(str(tmp_path / "quiet.wav"))
    assert 0.2 < info.duration < 1.5  # one word
    assert np.abs(quiet).max() > 0.01  # there is a voice in it
    assert np.abs(quiet).max() < 0.5 * np.abs(full).max()  # at cue_volume, well under full voice


def wait_until(predicate, timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.02)
    return predicate()


def level(t: float, speaking: bool) -> dict:
    return {"t": t, "type": "level", "speaker": "agent", "loudness_lufs": -30.0, "baseline_lufs": -38.0,
            "rate_sps": 4.0, "baseline_sps": 4.0, "wpm": None, "speaking": speaking}


def prompt(t: float, n: int, kind: str = "lower_voice", language: str = "en") -> dict:
    return {"t": t, "type": "prompt.shown", "id": f"{kind}-{n}", "kind": kind, "text": "Lower your voice",
            "suggestions": [], "reason": "+8 dB", "language": language}


def test_no_cue_while_the_agent_speaks_then_one_when_they_pause(tmp_path):
    played = []  # stand-in for the agent's headset output
    cue = SpokenCue(load_config().ui, play=played.append, folder=tmp_path)
    try:
        cue.handle(level(40.0, True))
        cue.handle(prompt(40.1, 1))
        cue.handle(level(40.5, True))
        time.sleep(0.5)
        assert not list(tmp_path.glob("*.wav")) and played == []  # not even rendered

        cue.handle(level(41.0, False))  # a pause: now
        assert wait_until(lambda: played)
        assert played == [tmp_path / "en-lower.wav"] and sf.info(str(played[0])).duration > 0.2
        assert cue.cued == [(41.0, "lower")]

        cue.handle(prompt(50.0, 2, "slow_down"))  # within cue_interval_s (20 s): no cue
        cue.handle(level(50.5, False))
        cue.handle(prompt(61.5, 3, "slow_down"))  # 20.5 s later: a cue
        assert wait_until(lambda: len(played) == 2)
        assert cue.cued == [(41.0, "lower"), (61.5, "slower")]

        cue.handle(level(70.0, True))
        cue.handle(prompt(82.0, 4))
        cue.handle(level(88.0, False))  # the agent never paused within 5 s: the cue is stale
        time.sleep(0.3)
        assert len(played) == 2
    finally:
        cue.close()


def test_other_prompts_have_no_cue(tmp_path):
    played = []
    cue = SpokenCue(load_config().ui, play=played.append, folder=tmp_path)
    cue.handle(level(1.0, False))
    cue.handle(prompt(2.0, 1, "empathy"))
    cue.close()
    assert played == [] and cue.cued == []


def espeak(word: str, voice: str, path) -> np.ndarray:
    """The word as the espeak-ng command says it in ``voice`` at the cue's settings (full volume)."""
    subprocess.run(["espeak-ng", "-v", voice, "-s", "160", "-w", str(path), word], check=True)
    return sf.read(str(path))[0]


def voiced_share(x: np.ndarray, rate: int) -> float:
    """The share of 30 ms frames webrtcvad (aggressiveness 3) takes for speech, at 16 kHz."""
    pcm = np.clip(soxr.resample(x, rate, 16000) * 32767, -32768, 32767).astype(np.int16)
    vad, n = webrtcvad.Vad(3), 480
    frames = [pcm[i : i + n].tobytes() for i in range(0, len(pcm) - n + 1, n)]
    return sum(vad.is_speech(f, 16000) for f in frames) / len(frames)


def espeak_voices(language: str) -> set[str]:
    """The voices espeak-ng lists for ``language`` (its file names and language codes)."""
    out = subprocess.run(["espeak-ng", f"--voices={language}"], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in out.splitlines()[1:]]
    return {row[1] for row in rows if row[1].split("-")[0] == language} | {row[4] for row in rows if row[1].split("-")[0] == language}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", ["lower_voice", "slow_down"])
def test_the_cue_is_spoken_in_each_language(tmp_path, language, kind):
    words = cue_words(language)
    word = getattr(words, kind)
    assert words.voice in espeak_voices(language)  # a voice of the call's language, not another's
    path = render_cue(word, tmp_path / "cue.wav", 1.0, words.voice)
    cue, rate = sf.read(str(path))
    assert 0.25 < len(cue) / rate < 2.0, len(cue) / rate  # a word or two, not a sentence or a click
    assert voiced_share(cue, rate) > 0.4  # speech, not silence or noise
    # what espeak-ng says in that voice, sample for sample: the voice was not silently replaced
    assert np.array_equal(cue, espeak(word, words.voice, tmp_path / "ref.wav"))
    if language != "en":  # and the word in English's voice sounds otherwise
        english = espeak(word, cue_words("en").voice, tmp_path / "en.wav")
        assert len(english) != len(cue) or not np.allclose(english, cue, atol=1e-3)


def test_the_five_languages_have_five_different_cues(tmp_path):
    rendered = {}
    for language in LANGUAGES:
        words = cue_words(language)
        rendered[language] = sf.read(str(render_cue(words.lower_voice, tmp_path / f"{language}.wav", 0.3, words.voice)))[0]
    lengths = {language: len(x) for language, x in rendered.items()}
    assert len(set(lengths.values())) == len(LANGUAGES), lengths


def test_the_cue_follows_the_language_found_in_the_call(tmp_path):
    """Under `asr.language = "auto"` a call starts in English and its prompts switch with
    `language.detected`: the cue before it is English, the one after Russian."""
    played = []  # stand-in for the agent's headset output
    cue = SpokenCue(load_config().ui, play=played.append, folder=tmp_path)
    try:
        cue.handle({"t": 0.0, "type": "call.started", "language": "en", "engine": "whisper", "model": "whisper-base",
                    "sample_rate_in": 16000, "channels": 2, "started_at": None})
        cue.handle(level(1.0, False))
        cue.handle(prompt(2.0, 1, "slow_down"))
        assert wait_until(lambda: len(played) == 1)
        cue.handle({"t": 6.0, "type": "language.detected", "language": "ru", "probability": 0.97})
        cue.handle(prompt(30.0, 2, "lower_voice", language="ru"))
        assert wait_until(lambda: len(played) == 2)
    finally:
        cue.close()
    assert cue.cued == [(2.0, "slower"), (30.0, "тише")]
    assert played == [tmp_path / "en-slower.wav", tmp_path / "ru-тише.wav"]
    quiet_ru = sf.read(str(played[1]))[0]
    full_ru = espeak("тише", "ru", tmp_path / "ref.wav")
    assert len(quiet_ru) == len(full_ru) and voiced_share(quiet_ru, 22050) > 0.4


CUE_CHILD = r"""
import time
from voiceassist.config import load_config
from voiceassist.sinks.speech import SpokenCue
cue = SpokenCue(load_config().ui)  # the real player: sounddevice on the default output
cue.handle({"t": 0.0, "type": "language.detected", "language": "tr", "probability": 0.9})
cue.handle({"t": 1.0, "type": "level", "speaker": "agent", "loudness_lufs": -30.0, "baseline_lufs": -38.0,
            "rate_sps": 4.0, "baseline_sps": 4.0, "wpm": None, "speaking": False})
cue.handle({"t": 2.0, "type": "prompt.shown", "id": "lower_voice-1", "kind": "lower_voice", "text": "Sesinizi alçaltın",
            "suggestions": [], "reason": "+8 dB", "language": "tr"})
time.sleep(0.5)
cue.close()  # waits for the cue to have played
print(cue.cued)
"""


@needs_pulseaudio
def test_the_cue_plays_in_the_headset_in_the_call_language(tmp_path):
    """The real player (no stand-in): a Turkish call's cue played on the default output, here
    a PulseAudio null sink standing for the headset, recorded from its monitor."""
    pulse = Pulse(tmp_path, sinks={"headset": "USB-Headset"})
    pulse.start()
    recorder = subprocess.Popen(["parec", "--device=headset.monitor", "--format=s16le", "--rate=16000", "--channels=1",
                                 "--raw", str(tmp_path / "heard.raw")], env=pulse.env)
    try:
        time.sleep(2.0)  # a null sink's monitor starts delivering after about 1.3 s
        child = subprocess.run([sys.executable, "-c", CUE_CHILD], env=pulse.env, capture_output=True, text=True,
                               timeout=60)
        time.sleep(0.5)
    finally:
        recorder.terminate()
        recorder.wait()
        pulse.kill()
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip() == "[(2.0, 'sessiz')]"
    heard = np.fromfile(tmp_path / "heard.raw", "<i2").astype(float) / 32768

    def best_match(word: str, voice: str) -> float:
        said = espeak(word, voice, tmp_path / f"{voice}.wav")
        said = soxr.resample(said, 22050, 16000)
        corr = np.correlate(heard, said, mode="valid")
        window = np.sqrt(np.convolve(heard**2, np.ones(len(said)), mode="valid"))
        return float(np.max(np.abs(corr) / (np.linalg.norm(said) * np.maximum(window, 1e-9))))

    turkish, english = best_match("sessiz", "tr"), best_match("lower", "en-us")
    print(f"\nheadset heard the Turkish cue with correlation {turkish:.2f} (the English one: {english:.2f})")
    # measured 0.85 and 0.15: played at 22.05 kHz, resampled by PulseAudio and again here
    assert turkish > 0.7 and english < 0.4
