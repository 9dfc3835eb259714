"""The analysis cache and ``voiceassist tune``, as a supervisor runs them: real commands in
subprocesses, one cold analysis of two golden calls with the real Whisper model, then
re-analysis and what-if replays from the cache."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from clitools import user_error
from clitools import voiceassist as _voiceassist

from voiceassist import cache
from voiceassist.config import load_config

GOLDEN = Path(__file__).parents[1] / "fixtures" / "golden"
CALLS = ("loud_agent.wav", "fast_agent.wav")
START = "2026-11-23T10:00"


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    """Two golden calls analysed once, cold, into a cache of this module's own."""
    home = tmp_path_factory.mktemp("tune-cache")
    calls = tmp_path_factory.mktemp("calls")
    for name in CALLS:
        shutil.copy(GOLDEN / name, calls / name)
        r = voiceassist("analyze", calls / name, "--engine", "whisper", "--call-start", START,
                        "--events", calls / f"{Path(name).stem}.jsonl", cache_home=home)
        assert r.returncode == 0, r.stderr
        assert "from the cache" not in r.stderr
    return SimpleNamespace(home=home, calls=calls)


def voiceassist(*args, cache_home: Path, env: dict | None = None):
    return _voiceassist(*args, env={"XDG_CACHE_HOME": str(cache_home), **(env or {})}, timeout=600)


def _turns(name: str) -> list[dict]:
    manifest = json.loads((GOLDEN / "manifest.json").read_text())
    return next(f for f in manifest["files"] if f["file"] == name)["turns"]


def _lines(out: str, call: str) -> list[str]:
    """The change lines printed under one call's heading."""
    block = out.split(f"{call}:", 1)[1].split("\n", 1)[1]
    return [line for line in block.splitlines() if line.startswith("  ") and re.match(r"  [-+~] ", line)]


def _seconds(clock: str) -> float:
    minutes, seconds = clock.split(":")
    return 60 * int(minutes) + float(seconds)


def test_analysing_again_reads_the_cache_and_gives_the_same_events(analysed, tmp_path):
    """The second analysis replays the cache: the same events byte for byte, and no speech
    recognition (the only model it could find is broken, so loading it would fail)."""
    broken = tmp_path / "models" / "whisper-base"
    broken.mkdir(parents=True)
    shutil.copy(Path(os.environ.get("VOICEASSIST_MODELS_DIR", Path(__file__).parents[2] / "models"))
                / "whisper-base" / "voiceassist-model.json", broken)
    (broken / "model.bin").write_bytes(b"")
    again = analysed.calls / "again.jsonl"
    r = voiceassist("analyze", analysed.calls / "loud_agent.wav", "--engine", "whisper", "--call-start", START,
                    "--events", again, cache_home=analysed.home, env={"VOICEASSIST_MODELS_DIR": str(tmp_path / "models")})
    assert r.returncode == 0, r.stderr
    assert "analysis from the cache" in r.stderr
    assert again.read_bytes() == (analysed.calls / "loud_agent.jsonl").read_bytes()


def test_the_cache_is_keyed_by_the_settings_the_analysis_depends_on(analysed, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(analysed.home))
    digest = cache.audio_hash(analysed.calls / "loud_agent.wav")
    assert cache.newest(load_config(), digest) is not None
    assert cache.newest(load_config(None, {"triggers.fuzzy_min": 70.0}), digest) is not None  # rules only
    assert cache.newest(load_config(None, {"monitor.loudness.window_s": 2.0}), digest) is None
    assert cache.newest(load_config(None, {"asr.language": "ru"}), digest) is None


def test_raising_the_loudness_threshold_removes_the_lower_voice_prompt(analysed):
    """loud_agent.wav: the agent is 8 dB over their level for one turn; at 12 dB that turn no
    longer calls for "lower your voice"."""
    r = voiceassist("tune", analysed.calls, "--set", "monitor.loudness.raise_db=12", cache_home=analysed.home)
    assert r.returncode == 0, r.stderr
    removed = [line for line in _lines(r.stdout, "loud_agent.wav") if "lower_voice" in line]
    assert len(removed) == 1 and removed[0].startswith("  - "), r.stdout
    loud = next(t for t in _turns("loud_agent.wav") if t["gain_db"] > 0)
    assert loud["start"] <= _seconds(removed[0].split()[1]) <= loud["end"], (removed, loud)
    assert re.search(r"lower_voice +\+0 +-1 ", r.stdout), r.stdout


def test_lowering_the_rate_limit_adds_slow_down_prompts(analysed):
    """The golden agent speaks at about 4.5 syllables/s: a limit of 4 adds "slow down"."""
    r = voiceassist("tune", *(analysed.calls / c for c in CALLS), "--set", "monitor.rate.max_sps=4",
                    cache_home=analysed.home)
    assert r.returncode == 0, r.stderr
    added = [line for c in CALLS for line in _lines(r.stdout, c) if line.startswith("  + ")]
    assert added and all("slow_down" in line and "over 4.0" in line for line in added), r.stdout
    assert all(" over " in line for line in added)


def test_a_candidate_file_is_the_same_as_set(analysed, tmp_path):
    candidate = tmp_path / "candidate.toml"
    candidate.write_text("[monitor.loudness]\nraise_db = 12.0\n")
    by_file = voiceassist("tune", analysed.calls, "--config", candidate, cache_home=analysed.home)
    by_set = voiceassist("tune", analysed.calls, "--set", "monitor.loudness.raise_db=12", cache_home=analysed.home)
    assert by_file.returncode == 0, by_file.stderr
    assert by_file.stdout == by_set.stdout
    # against itself as the current config, nothing changes
    same = voiceassist("tune", analysed.calls, "--current", candidate, "--config", candidate, cache_home=analysed.home)
    assert " 0 appear, 0 disappear, 0 move" in same.stdout and "+1" not in same.stdout and "-1" not in same.stdout


def test_tune_is_deterministic(analysed):
    args = ("tune", analysed.calls, "--set", "triggers.fuzzy_min=70", "--set", "escalation.high=0.4")
    first, second = (voiceassist(*args, cache_home=analysed.home) for _ in range(2))
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout and first.stdout.strip()


def test_tune_never_loads_a_speech_model(analysed, tmp_path):
    """With no models installed at all, and no recogniser module imported afterwards."""
    code = (
        "import sys; from voiceassist.cli import main; "
        f"rc = main(['tune', {str(analysed.calls)!r}, '--set', 'monitor.rate.max_sps=4']); "
        "loaded = {'faster_whisper', 'ctranslate2', 'vosk'} & set(sys.modules); "
        "assert not loaded, loaded; sys.exit(rc)"
    )
    empty = tmp_path / "no-models"
    empty.mkdir()
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                       env={**os.environ, "XDG_CACHE_HOME": str(analysed.home), "VOICEASSIST_MODELS_DIR": str(empty)})
    assert r.returncode == 0, r.stderr
    assert "slow_down" in r.stdout


def test_tune_user_errors(analysed, tmp_path):
    home = analysed.home
    shutil.copy(GOLDEN / "calm.wav", tmp_path / "calm.wav")
    user_error(voiceassist("tune", tmp_path / "calm.wav", "--set", "monitor.rate.max_sps=4", cache_home=home),
               "calm.wav", "not analysed yet", "voiceassist analyze")
    user_error(voiceassist("tune", analysed.calls, "--set", "monitor.loudness.window_s=2", cache_home=home),
               "monitor.loudness.window_s", "changes the analysis")
    user_error(voiceassist("tune", analysed.calls, "--set", "raise_db", cache_home=home), "--set", "KEY=VALUE")
    user_error(voiceassist("tune", analysed.calls, "--set", "monitor.loudness.raise_dB=5", cache_home=home),
               "raise_dB", "raise_db")
    user_error(voiceassist("tune", analysed.calls, "--set", "monitor.loudness.raise_db=50", cache_home=home),
               "monitor.loudness.raise_db", "50")
    user_error(voiceassist("tune", tmp_path / "nothing-here", cache_home=home), "nothing-here")
    (tmp_path / "empty").mkdir()
    user_error(voiceassist("tune", tmp_path / "empty", cache_home=home), "empty", "*.wav")
    user_error(voiceassist("tune", analysed.calls / "loud_agent.jsonl", cache_home=home), "loud_agent.jsonl", "WAV")


def test_a_damaged_cache_entry_is_named(analysed, tmp_path):
    home = tmp_path / "home"
    shutil.copytree(analysed.home, home)
    digest = cache.audio_hash(analysed.calls / "fast_agent.wav")
    (entry,) = (home / "voiceassist" / digest).glob("*.npz")
    entry.write_bytes(entry.read_bytes()[:100])
    user_error(voiceassist("tune", analysed.calls / "fast_agent.wav", cache_home=home), entry.name, "damaged")
