"""Events and reports from a real call, made once per session: the bundled demo call through
`voiceassist analyze --engine whisper --events --report`, as a user runs it (about a minute)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from report_helpers import read_jsonl

from voiceassist.data import demo_call_path


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> dict[str, Path]:
    """``events``: the demo call's events (named call.jsonl, like the WAV, so a report made
    from it has the same name); ``report``: the report `analyze --report` wrote."""
    out = tmp_path_factory.mktemp("demo")
    events, report = out / "call.jsonl", out / "call.html"
    result = subprocess.run(
        [sys.executable, "-m", "voiceassist", "analyze", str(demo_call_path()), "--engine", "whisper",
         "--events", str(events), "--report", str(report)],
        capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stderr
    return {"events": events, "report": report, "dir": out}


@pytest.fixture(scope="session")
def demo_events(demo) -> list[dict]:
    return read_jsonl(demo["events"])


@pytest.fixture
def page(chromium):
    """Opens a local HTML file in the real browser and returns the driver."""
    def open_(path: Path):
        chromium.get(path.resolve().as_uri())
        return chromium
    return open_
