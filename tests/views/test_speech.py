"""The spoken cue: rendered by espeak-ng (through pyttsx3) to a WAV, never while the agent
speaks, rate-limited. There is no sound card here: playing is replaced by a recorder of what
would have been played (a stand-in, named as such); rendering is real."""

from __future__ import annotations

import time

import numpy as np
import soundfile as sf

from voiceassist.config import load_config
from voiceassist.sinks.speech import SpokenCue, render_cue


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


def prompt(t: float, n: int, kind: str = "lower_voice") -> dict:
    return {"t": t, "type": "prompt.shown", "id": f"{kind}-{n}", "kind": kind, "text": "Lower your voice",
            "suggestions": [], "reason": "+8 dB", "language": "en"}


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
        assert played == [tmp_path / "lower.wav"] and sf.info(str(played[0])).duration > 0.2
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
