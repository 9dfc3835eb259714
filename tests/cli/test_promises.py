"""The durable promises file as a user meets it: `analyze` records a call's call-back promise,
`voiceassist promises` lists it until `promises done ID`, `live` shows the open ones at its
start; a line cut short by a kill and an unwritable file do not stop anything.

The real command in a subprocess, on a hand-written events file (an agent promising a call-back
"tomorrow at three"), with ``XDG_DATA_HOME`` in the test's own folder (tests/conftest.py).
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from clitools import alsa_devices, user_error, voiceassist

STARTED = {"t": 0.0, "type": "call.started", "language": "en", "engine": "whisper", "model": "whisper-base",
           "sample_rate_in": 8000, "channels": 2, "started_at": "2020-03-02T14:05:00"}


def write_call(path: Path, said: str, started: dict = STARTED) -> Path:
    final = {"t": 6.0, "type": "transcript.final", "speaker": "agent", "text": said, "start": 2.0, "end": 5.5,
             "words": []}
    path.write_text("".join(json.dumps(e) + "\n" for e in (started, final)), encoding="utf-8")
    return path


@pytest.fixture
def call(tmp_path) -> Path:
    return write_call(tmp_path / "order-4471.jsonl", "I'll call you back tomorrow at three with the courier's answer.")


def promises_file(data_home: Path) -> Path:
    return data_home / "voiceassist" / "promises.jsonl"


def listed_ids(result: subprocess.CompletedProcess) -> list[str]:
    assert result.returncode == 0, result.stderr
    return re.findall(r"^\s+([0-9a-f]{8})\s", result.stdout, re.M)


def test_a_promise_is_kept_across_runs_until_marked_done(call, data_home):
    assert voiceassist("analyze", call).returncode == 0
    records = [json.loads(line) for line in promises_file(data_home).read_text().splitlines()]
    assert len(records) == 1
    promise = records[0]
    assert promise["call"] == str(call.resolve()) and promise["started_at"] == "2020-03-02T14:05:00"
    assert promise["due"] == "2020-03-03T15:00:00" and promise["due_said"] == "tomorrow 15:00"
    assert promise["said_at"] == 2.0 and promise["done"] is False and "courier" in promise["text"]

    listing = voiceassist("promises")
    assert listed_ids(listing) == [promise["id"]]
    line = next(x for x in listing.stdout.splitlines() if promise["id"] in x)
    assert "tomorrow 15:00" in line and "order-4471.jsonl" in line and "courier" in line
    assert "OVERDUE" in line  # due in 2020

    # The same call analysed again (a second run) keeps it once, open.
    assert voiceassist("analyze", call, "--events", call.with_name("again.jsonl")).returncode == 0
    assert listed_ids(voiceassist("promises")) == [promise["id"]]
    assert len(promises_file(data_home).read_text().splitlines()) == 1

    done = voiceassist("promises", "done", promise["id"])
    assert done.returncode == 0, done.stderr
    assert listed_ids(voiceassist("promises")) == []
    assert "no open call-back promises" in voiceassist("promises").stdout
    assert json.loads(promises_file(data_home).read_text().splitlines()[-1])["done"] is True  # appended
    # Analysing the call once more does not bring a kept promise back.
    voiceassist("analyze", call)
    assert listed_ids(voiceassist("promises")) == []


def test_a_promise_that_is_not_due_yet_is_not_overdue(tmp_path):
    started = {**STARTED, "started_at": "2099-01-05T10:00:00"}
    voiceassist("analyze", write_call(tmp_path / "later.jsonl", "I will call you back on Friday.", started))
    line = voiceassist("promises").stdout
    assert "later.jsonl" in line and "OVERDUE" not in line


def test_unknown_id_names_the_open_ones(call):
    voiceassist("analyze", call)
    [open_id] = listed_ids(voiceassist("promises"))
    user_error(voiceassist("promises", "done", "deadbeef"), "'deadbeef'", open_id)
    user_error(voiceassist("promises", "done"), "ID")


def test_a_line_cut_short_by_a_kill_is_skipped_with_a_warning(call, data_home, tmp_path):
    voiceassist("analyze", call)
    path = promises_file(data_home)
    with path.open("a") as f:
        f.write('{"id":"0badc0de","call":"/calls/x.jsonl","text":"I\'ll ring yo')  # killed mid-write
    listing = voiceassist("promises")
    assert len(listed_ids(listing)) == 1
    assert "Traceback" not in listing.stderr and "promises.jsonl:2" in listing.stderr and "skipped" in listing.stderr
    # A new promise after the cut line starts a line of its own and is read whole.
    other = write_call(tmp_path / "other.jsonl", "Let me call you back in two hours.", {**STARTED, "started_at": "2020-03-02T16:00:00"})
    assert voiceassist("analyze", other).returncode == 0
    ids = listed_ids(voiceassist("promises"))
    assert len(ids) == 2
    assert voiceassist("promises", "done", ids[1]).returncode == 0
    assert listed_ids(voiceassist("promises")) == ids[:1]


def test_an_unwritable_promises_file_is_one_line_and_the_call_goes_on(call, tmp_path):
    (tmp_path / "team.toml").write_text('[store]\npromises_file = "/proc/voiceassist/promises.jsonl"\n')
    events = tmp_path / "out.jsonl"
    result = voiceassist("analyze", call, "--config", tmp_path / "team.toml", "--events", events)
    assert result.returncode == 0, result.stderr
    warnings = [x for x in result.stderr.splitlines() if x.strip()]
    assert len(warnings) == 1 and "/proc/voiceassist/promises.jsonl" in warnings[0], result.stderr
    kinds = [json.loads(x)["type"] for x in events.read_text().splitlines()]
    assert "callback.promised" in kinds and kinds[-1] == "call.ended"  # the events are all there


def test_promise_texts_follow_redact_events(tmp_path, data_home):
    (tmp_path / "team.toml").write_text("[privacy]\nredact_events = true\n")
    said = "I'll call you back tomorrow at three on 07911 123456."
    voiceassist("analyze", write_call(tmp_path / "c.jsonl", said), "--config", tmp_path / "team.toml")
    [record] = [json.loads(x) for x in promises_file(data_home).read_text().splitlines()]
    assert record["text"] == "I'll call you back tomorrow at three on [phone]."


def live(tmp_path: Path, *extra) -> subprocess.CompletedProcess:
    """`live` for one second of line hiss from a real PortAudio device (an ALSA file PCM, as in
    tests/contract/test_device.py)."""
    home = alsa_devices(tmp_path, {"headset": np.random.default_rng(0).normal(0, 30, 16000)})
    return voiceassist("live", "--agent-device", "headset", "--engine", "whisper", "--seconds", "1", "--view", "none",
                       *extra, env=home)


def test_live_shows_the_open_promises_at_its_start(call, tmp_path):
    voiceassist("analyze", call)
    [open_id] = listed_ids(voiceassist("promises"))
    result = live(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "open call-back promises" in result.stderr
    line = next(x for x in result.stderr.splitlines() if open_id in x)
    assert "tomorrow 15:00" in line and "order-4471.jsonl" in line


def test_live_goes_on_with_an_unreadable_promises_file(tmp_path):
    (tmp_path / "team.toml").write_text(f'[store]\npromises_file = "{tmp_path}"\n')  # a folder
    result = live(tmp_path, "--config", tmp_path / "team.toml", "--events", tmp_path / "live.jsonl")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and str(tmp_path) in result.stderr
    assert json.loads((tmp_path / "live.jsonl").read_text().splitlines()[-1])["type"] == "call.ended"
