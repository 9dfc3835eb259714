"""The live path: recognition off the audio thread, and `voiceassist live` end to end on real
PortAudio input devices (ALSA file PCMs, see test_device.py) with the real Whisper model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import soxr
from clitools import alsa_devices

from voiceassist.asr import load_engine, models_dir
from voiceassist.config import load_config
from voiceassist.pipeline import run_call
from voiceassist.sinks.memory import ListSink
from voiceassist.sources.wav import WavSource

CALLS = Path(__file__).parents[1] / "fixtures" / "calls"


def clip16k(name: str) -> np.ndarray:
    x, rate = sf.read(CALLS / f"{name}.wav")
    return soxr.resample(x, rate, 16000)


def words(text: str) -> set[str]:
    return set("".join(c if c.isalnum() else " " for c in text.lower()).split())


@pytest.fixture(scope="module")
def sides():
    """Caller: 'Nobody is available…' from 0.3 s; agent: 'Please leave your message…' after.

    Under 10 s a side: an ALSA file device delivers its whole file at once, and a longer one
    would overflow the 10 s that ``DeviceSource`` holds for a reader that is behind."""
    caller, agent = clip16k("vm-nobodyavail"), clip16k("vm-intro")
    n = int(16000 * (0.3 + len(caller) / 16000 + 0.5 + len(agent) / 16000 + 0.5))
    assert n < 16000 * 10
    a, b = np.zeros(n), np.zeros(n)
    a[4800 : 4800 + len(caller)] = caller
    start = 4800 + len(caller) + 8000
    b[start : start + len(agent)] = agent
    return a, b


def test_background_recognition_gives_the_inline_finals(tmp_path, sides):
    path = tmp_path / "call.wav"
    sf.write(path, np.stack(sides, axis=1), 16000, subtype="PCM_16")
    cfg = load_config(None, {"asr.engine": "whisper"})
    engine = load_engine(cfg.asr, "en", models_dir(cfg.asr))
    runs = {}
    for live in (False, True):
        sink = ListSink()
        with WavSource(path) as source:
            run_call(source, engine, [sink], cfg, live=live)
        runs[live] = sink.events
    def finals(evs):
        return [(e["speaker"], e["text"], e["start"], e["end"]) for e in evs if e["type"] == "transcript.final"]
    assert finals(runs[True]) == finals(runs[False])
    assert len(finals(runs[True])) == 2
    times = [e["t"] for e in runs[True]]
    assert times == sorted(times)
    for e in runs[True]:
        if e["type"].startswith("transcript."):
            assert e["t"] >= e["end"]  # stamped when the audio loop received it, after it was said


def test_live_command_on_two_input_devices(tmp_path, sides):
    # delivered in real time, as devices do: unpaced, the plugin hands over each whole file at
    # once and then repeats its last period, and one side's flood could crowd the other's last
    # words out of the queue that DeviceSource holds
    devices = {name: np.round(samples * 32767) for name, samples in zip(("callerline", "headset"), sides)}
    home = alsa_devices(tmp_path, devices, pace=1.0)
    seconds = len(sides[0]) / 16000
    result = subprocess.run(
        [sys.executable, "-m", "voiceassist", "live", "--caller-device", "callerline", "--agent-device", "headset",
         "--engine", "whisper", "--seconds", f"{seconds:.2f}", "--events", "-"],
        capture_output=True, text=True, timeout=300, env={**os.environ, **home},
    )
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert events[0]["type"] == "call.started" and events[0]["channels"] == 2
    assert events[-1]["type"] == "call.ended"
    assert events[-1]["duration"] == pytest.approx(seconds, abs=0.05)
    said = {s: words(" ".join(e["text"] for e in events if e["type"] == "transcript.final" and e["speaker"] == s))
            for s in ("caller", "agent")}
    assert {"nobody", "available", "call"} <= said["caller"]
    assert {"leave", "message", "tone"} <= said["agent"]
    assert not {"nobody"} & said["agent"] and not {"leave"} & said["caller"]
