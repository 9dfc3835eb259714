"""Hot reload: a supervisor edits the team config or the phrasebook while a call runs.

A golden call (loud_agent.wav: the agent is 8 dB over their level from 36.6 s) is replayed
live-paced, 8x real time, through the real pipeline and voice monitor; the files are edited
on disk at 1.5 s of wall time (12 s of call audio), long before the loud turn.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

from voiceassist.config import load_config
from voiceassist.pipeline import run_call
from voiceassist.reload import ConfigWatcher
from voiceassist.rules.phrasebook import PHRASEBOOK_DIR
from voiceassist.sinks.memory import ListSink
from voiceassist.sources.replay import ReplaySource
from voiceassist.sources.wav import WavSource

CALL = Path(__file__).parents[1] / "fixtures" / "golden" / "loud_agent.wav"
EDIT_AT_S = 1.5  # wall time: 12 s of call audio at 8x


def _call_with_edit(team: Path, edit) -> tuple[list[dict], list[str]]:
    """The call's events, and what the watcher reported, with ``edit()`` run mid-call."""
    cfg = load_config(team)
    reports: list[str] = []
    watcher = ConfigWatcher(team, {}, cfg, ["en"], interval_s=0.2, report=reports.append)
    kept = ListSink()
    timer = threading.Timer(EDIT_AT_S, edit)
    with WavSource(CALL) as wav:
        timer.start()
        try:
            run_call(ReplaySource(wav, speed=8), None, [kept], cfg, live=True, reload=watcher.take)
        finally:
            timer.cancel()
            watcher.close()
    return kept.events, reports


def _shown(events: list[dict], kind: str) -> list[dict]:
    return [e for e in events if e["type"] == "prompt.shown" and e["kind"] == kind]


def _rewrite(path: Path, text: str) -> None:
    """As an editor saves: a new file renamed over the old one."""
    tmp = path.with_suffix(".swp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def test_a_valid_edit_applies_mid_call(tmp_path):
    team = tmp_path / "team.toml"
    team.write_text("[monitor.loudness]\nraise_db = 6.0\n")
    events, reports = _call_with_edit(team, lambda: _rewrite(team, "[monitor.loudness]\nraise_db = 12.0\n"))
    assert not _shown(events, "lower_voice"), _shown(events, "lower_voice")  # +8 dB is under 12 dB
    assert any("config reloaded" in r and "team.toml" in r for r in reports), reports
    assert [e["type"] for e in events].count("call.started") == 1  # the same call went on


def test_an_invalid_edit_is_reported_and_the_last_good_config_stays(tmp_path):
    team = tmp_path / "team.toml"
    team.write_text("[monitor.loudness]\nraise_db = 6.0\n")
    events, reports = _call_with_edit(team, lambda: _rewrite(team, "[monitor.loudness]\nraise_db = 50.0\n"))
    shown = _shown(events, "lower_voice")
    assert len(shown) == 1 and 36.6 <= shown[0]["t"] <= 46.6, shown  # as with raise_db = 6
    (report,) = reports
    assert "edit not applied" in report and "monitor.loudness.raise_db" in report and "team.toml" in report
    assert "must be between" in report


def test_a_phrasebook_edit_applies_mid_call(tmp_path):
    books = tmp_path / "phrasebooks"
    books.mkdir()
    shutil.copy(PHRASEBOOK_DIR / "en.toml", books / "en.toml")
    team = tmp_path / "team.toml"
    team.write_text(f"[triggers]\nphrasebooks_dir = {str(books)!r}\n")
    book = (books / "en.toml").read_text(encoding="utf-8")
    assert 'text = "Lower your voice"' in book
    events, reports = _call_with_edit(
        team, lambda: _rewrite(books / "en.toml", book.replace('text = "Lower your voice"', 'text = "Softer, please"'))
    )
    assert [e["text"] for e in _shown(events, "lower_voice")] == ["Softer, please"]
    assert any("config reloaded" in r for r in reports), reports
