"""User mistakes with reports end in exit code 2 and one line naming the file and what is
valid; nothing is half-written."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf
from report_helpers import voiceassist as run
from clitools import user_error


def voiceassist(*args):
    return run(*args, check=False)


@pytest.fixture(scope="module")
def events(tmp_path_factory):
    """A small valid events file (the contract format, as another recogniser would write it)."""
    path = tmp_path_factory.mktemp("ok") / "ok.jsonl"
    path.write_text(
        '{"t":0.0,"type":"call.started","language":"en","engine":"other","model":"","sample_rate_in":8000,"channels":2}\n'
        '{"t":3.0,"type":"transcript.final","speaker":"caller","text":"Where is my order?","start":0.5,"end":2.5,"words":[]}\n',
        encoding="utf-8",
    )
    return path


def test_missing_file(tmp_path):
    user_error(voiceassist("report", tmp_path / "nope.jsonl", "-o", tmp_path / "r.html"),
                      "nope.jsonl", "analyze --events")


def test_a_recording_is_not_events(tmp_path):
    wav = tmp_path / "call.wav"
    sf.write(wav, np.zeros(8000, dtype=np.int16), 8000)
    user_error(voiceassist("report", wav, "-o", tmp_path / "r.html"), "call.wav", "analyze --events")
    assert not (tmp_path / "r.html").exists()


def test_json_that_is_not_events(tmp_path):
    (tmp_path / "x.jsonl").write_text('{"hello": "world"}\n')
    user_error(voiceassist("report", tmp_path / "x.jsonl", "-o", tmp_path / "r.html"),
                      "x.jsonl:1", "'type'")


def test_empty_events_file(tmp_path):
    (tmp_path / "e.jsonl").write_text("")
    user_error(voiceassist("report", tmp_path / "e.jsonl", "-o", tmp_path / "r.html"), "e.jsonl", "no events")


def test_folder_with_no_events_files(tmp_path):
    (tmp_path / "notes.txt").write_text("no events here")
    user_error(voiceassist("report", tmp_path, "-o", tmp_path / "out"), str(tmp_path), ".jsonl")


def test_one_bad_file_among_several_writes_nothing(tmp_path, events):
    (tmp_path / "bad.jsonl").write_text("not json\n")
    result = voiceassist("report", events, tmp_path / "bad.jsonl", "-o", tmp_path / "out")
    user_error(result, "bad.jsonl:1")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("where", ["in a file", "in /proc"])
def test_unwritable_output(tmp_path, events, where):
    (tmp_path / "plain").write_text("a file, not a folder")
    out = tmp_path / "plain" / "r.html" if where == "in a file" else "/proc/voiceassist-report.html"
    user_error(voiceassist("report", events, "-o", out), str(out))


def test_analyze_refuses_an_unwritable_report_before_analysing(events):
    result = voiceassist("analyze", events, "--report", "/proc/voiceassist-report.html")
    user_error(result, "/proc/voiceassist-report.html")
    assert "Where is my order" not in result.stdout, "nothing should run before the output is checked"


def test_several_calls_need_a_folder(tmp_path, events):
    result = voiceassist("report", events, events, "-o", tmp_path / "team.html")
    user_error(result, "team.html", "folder")


def test_a_folder_is_not_a_report_file(tmp_path, events):
    user_error(voiceassist("report", events, "-o", tmp_path), str(tmp_path), "file name")


def test_report_extra_missing_says_how_to_install(tmp_path, events):
    """Simulated: Jinja2 made unimportable in a child process (it is installed here)."""
    code = (
        "import sys; sys.modules['jinja2'] = None; from voiceassist.cli import main; "
        f"sys.exit(main(['report', {str(events)!r}, '-o', {str(tmp_path / 'r.html')!r}]))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    user_error(result, "voiceassist[report]")
