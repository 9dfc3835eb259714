"""No event lost: the JSONL log holds whole lines, and a `call.ended` wherever shutdown was
orderly (SIGINT, SIGTERM, a sink that crashes); after SIGKILL every complete line parses.

The runs are the real command on the bundled 132 s demo call (and `live` on an ALSA file
device, see tests/contract/test_device.py), signalled once the first final transcript is in
the file, so the call is stopped in the middle of real work.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import soxr
from clitools import alsa_devices

from voiceassist.asr import load_engine, models_dir
from voiceassist.config import load_config
from voiceassist.data import demo_call_path
from voiceassist.pipeline import run_call
from voiceassist.sinks.jsonl import JsonlSink
from voiceassist.sinks.memory import ListSink
from voiceassist.sources.wav import WavSource

ROOT = Path(__file__).parents[2]
CALLS = ROOT / "tests" / "fixtures" / "calls"


def start(args: list[str], events: Path, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "voiceassist", *args, "--engine", "whisper", "--events", str(events)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]), **env},
    )


def wait_for_final(proc: subprocess.Popen, events: Path, timeout_s: float = 240) -> None:
    """Until the events file holds a final transcript (the call is under way)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read()
        if events.exists() and '"transcript.final"' in events.read_text(encoding="utf-8"):
            return
        time.sleep(0.2)
    proc.kill()
    pytest.fail("no final transcript in time")


def whole_lines(events: Path) -> list[dict]:
    """Every line of the file, each whole (ending in a newline) and a contract event."""
    from voiceassist.events import problem

    text = events.read_text(encoding="utf-8")
    assert text.endswith("\n"), text[-200:]
    evs = [json.loads(line) for line in text.splitlines()]
    assert all(problem(e) is None for e in evs), [problem(e) for e in evs]
    return evs


def ended_in_order(evs: list[dict], stopped_by_s: float) -> None:
    types = [e["type"] for e in evs]
    assert types[0] == "call.started" and types[-1] == "call.ended" and types.count("call.ended") == 1
    duration = evs[-1]["duration"]
    assert 0 < duration < stopped_by_s  # stopped early, not run to the end
    finals = [e for e in evs if e["type"] == "transcript.final"]
    assert finals and all(e["end"] <= duration + 0.05 for e in finals)
    assert sum(evs[-1]["summary"]["utterances"].values()) == len(finals)


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
def test_analyze_stopped_by_a_signal_ends_the_call_in_order(tmp_path, signum, code):
    events = tmp_path / "events.jsonl"
    proc = start(["analyze", str(demo_call_path())], events)
    wait_for_final(proc, events)
    proc.send_signal(signum)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == code, stderr
    assert "Traceback" not in stderr, stderr
    ended_in_order(whole_lines(events), stopped_by_s=132.0)


def test_analyze_killed_leaves_only_whole_lines(tmp_path):
    events = tmp_path / "events.jsonl"
    proc = start(["analyze", str(demo_call_path())], events)
    wait_for_final(proc, events)
    proc.kill()
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    evs = whole_lines(events)  # flushed line by line: nothing half-written
    assert evs[0]["type"] == "call.started" and "call.ended" not in [e["type"] for e in evs]
    assert any(e["type"] == "transcript.final" for e in evs)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=["SIGTERM", "SIGINT", "SIGHUP"])
def test_live_stopped_by_a_signal_ends_the_call_in_order(tmp_path, signum):
    """A live call on an ALSA file device that never ends by itself (the plugin repeats its
    last period at the end of its input): SIGTERM (a service manager), SIGINT (Ctrl-C) or
    SIGHUP (the terminal closed) ends it. (Ended by an exception raised wherever the pipeline
    was, as Python does by default, the call hung now and then before its call.ended.)"""
    x, rate = sf.read(CALLS / "vm-nobodyavail.wav")
    speech = np.concatenate([np.zeros(8000), soxr.resample(x, rate, 16000), np.zeros(16000 * 4)])
    # fed in real time, as a device delivers (unpaced, the plugin floods the reader with the
    # whole file, and recognition skips the audio it has no room for)
    home = alsa_devices(tmp_path, {"callerline": np.round(speech * 32767)}, pace=1.0)
    events = tmp_path / "events.jsonl"
    proc = start(["live", "--caller-device", "callerline"], events, **home)
    wait_for_final(proc, events)
    proc.send_signal(signum)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr  # for live, a signal is how a call ends
    assert "Traceback" not in stderr, stderr
    evs = whole_lines(events)
    assert evs[-1]["type"] == "call.ended"
    assert any("available" in e["text"].lower() for e in evs if e["type"] == "transcript.final")


class ExplodingSink:
    """A deliberately broken sink (a stand-in for a buggy screen or web view): it raises on
    its third event."""

    def __init__(self) -> None:
        self.seen = 0

    def handle(self, event: dict) -> None:
        self.seen += 1
        if self.seen == 3:
            raise RuntimeError("screen went away")

    def close(self) -> None:
        pass


def test_a_crashing_sink_is_dropped_and_the_call_goes_on(tmp_path, caplog):
    """The JSONL log and the other sinks get the whole call; the crash is logged when it
    happens and raised (a bug: exit 1) only after `call.ended` is written."""
    path = tmp_path / "call.wav"
    x, rate = sf.read(CALLS / "vm-nobodyavail.wav")
    sf.write(path, np.concatenate([np.zeros(rate), x, np.zeros(rate), x, np.zeros(rate)]), rate)
    cfg = load_config(None, {"asr.engine": "whisper"})
    engine = load_engine(cfg.asr, "en", models_dir(cfg.asr))
    jsonl, memory, broken = JsonlSink(tmp_path / "events.jsonl"), ListSink(), ExplodingSink()
    with WavSource(path) as source, caplog.at_level(logging.WARNING), pytest.raises(RuntimeError, match="screen went away"):
        run_call(source, engine, [broken, jsonl, memory], cfg)
    jsonl.close()
    evs = whole_lines(tmp_path / "events.jsonl")
    assert evs == memory.events and broken.seen == 3
    assert evs[-1]["type"] == "call.ended" and evs[-1]["summary"]["utterances"]["caller"] == 2
    assert len([e for e in evs if e["type"] == "transcript.final"]) == 2
    assert "ExplodingSink failed" in caplog.text and "the call goes on" in caplog.text


def test_a_full_disk_is_one_line_and_the_file_still_ends_with_whole_lines(tmp_path):
    """The events file's disk fills up mid-call (a file size limit stands in for it: a write
    past it fails with EFBIG, as one past a full disk fails with ENOSPC, partway through)."""
    import resource

    events = tmp_path / "events.jsonl"
    limit = 600  # bytes: call.started and the first two `level`s (the first partial comes at 0.66 s)

    def small_disk() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    proc = subprocess.run(
        [sys.executable, "-m", "voiceassist", "analyze", str(CALLS / "vm-intro.wav"),
         "--engine", "whisper", "--levels", "--events", str(events)],
        capture_output=True, text=True, timeout=300, preexec_fn=small_disk, stdin=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])},
    )
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip() and not line.startswith("call:")]
    assert lines == [f"voiceassist: error: {events}: cannot write events: File too large"], proc.stderr
    size = events.stat().st_size
    assert limit - 400 < size <= limit  # it was filled, and cut back to its last whole line
    evs = whole_lines(events)
    assert evs[0]["type"] == "call.started" and evs[-1]["type"] == "level"
