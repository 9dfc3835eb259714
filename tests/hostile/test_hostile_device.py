"""An input device lost mid-call, for real: `voiceassist live` records from an ALSA device of
the `pulse` plugin (libasound2-plugins) whose sound server, a real PulseAudio daemon run in
`tmp_path`, is killed and started again.

Killing the server is what unplugging does to PortAudio: its ALSA stream fails
(`snd_pcm_poll_descriptors_revents` errors, the stream stops), opening the device fails while
the server is gone, and PortAudio lists the device again only after it restarts. The ALSA
`file` devices of test_device.py cannot fail mid-stream (read errors of their file are ignored),
and a JACK server was tried and rejected: PortAudio 19.6 hangs in Pa_AbortStream,
Pa_CloseStream and Pa_Terminate once its JACK server has died.

The caller's line is PulseAudio's null sink `line`; `pacat` plays the call's audio into it at
real time and the device `callerline` records its monitor.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pulsetools
import pytest
import soundfile as sf
import soxr
from clitools import wait_until
from pulsetools import needs_pulseaudio

from voiceassist.events import problem

ROOT = Path(__file__).parents[2]
CALLS = ROOT / "tests" / "fixtures" / "calls"

pytestmark = needs_pulseaudio


class Pulse(pulsetools.Pulse):
    """The server with the caller's line: null sink `line`, recorded as ALSA device `callerline`."""

    def __init__(self, root: Path, name: str = "pulse"):
        super().__init__(root, name)
        (root / ".asoundrc").write_text('pcm.callerline { type pulse device "line.monitor" }\n')


@pytest.fixture
def pulse(tmp_path):
    server = Pulse(tmp_path)
    yield server
    server.kill()


def clip(name: str) -> np.ndarray:
    x, rate = sf.read(CALLS / f"{name}.wav")
    return soxr.resample(x, rate, 16000)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(16000 * seconds))


def live(pulse: Pulse, events: Path, *flags: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "voiceassist", "live", "--caller-device", "callerline", "--engine", "whisper",
         "--levels", "--events", str(events), *flags],
        env=pulse.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
    )


def started(proc: subprocess.Popen, events: Path, pulse: Pulse) -> None:
    """Once audio flows (the first `level` event: a monitor hears only what is played while it
    records), the caller says their first sentence."""
    wait_until(proc, events, lambda evs: any(e["type"] == "level" for e in evs), "audio")
    pulse.play(np.concatenate([silence(0.5), clip("vm-nobodyavail"), silence(30)]))


def whole_lines(events: Path) -> list[dict]:
    text = events.read_text(encoding="utf-8")
    assert text.endswith("\n")
    evs = [json.loads(line) for line in text.splitlines()]
    assert all(problem(e) is None for e in evs), [problem(e) for e in evs]
    return evs


def said(evs: list[dict], after: float = 0.0) -> str:
    return " ".join(e["text"].lower() for e in evs if e["type"] == "transcript.final" and e["start"] >= after)


def test_device_lost_for_two_seconds_and_back_keeps_the_same_call(tmp_path, pulse):
    events = tmp_path / "events.jsonl"
    pulse.start()
    proc = live(pulse, events)
    started(proc, events, pulse)
    wait_until(proc, events, lambda evs: "available" in said(evs), "the first sentence")
    pulse.kill()  # the device is gone, mid-call
    lost = wait_until(proc, events, lambda evs: any(e["type"] == "device.lost" for e in evs), "device.lost")
    time.sleep(2.0)
    pulse.start()
    wait_until(proc, events, lambda evs: any(e["type"] == "device.restored" for e in evs), "device.restored")
    pulse.play(np.concatenate([silence(0.3), clip("vm-intro"), silence(30)]))
    evs = wait_until(proc, events, lambda evs: "message" in said(evs), "the sentence after the gap")
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr, stderr
    evs = whole_lines(events)
    types = [e["type"] for e in evs]
    assert types[0] == "call.started" and types.count("call.started") == 1
    assert types[-1] == "call.ended" and types.count("call.ended") == 1
    assert types.count("device.lost") == 1 and types.count("device.restored") == 1
    gone = next(e for e in evs if e["type"] == "device.lost")
    back = next(e for e in evs if e["type"] == "device.restored")
    assert gone["device"] == back["device"] == "callerline" and gone["speakers"] == ["caller"]
    # the gap counts as call time: at least the 2 s the server was down, at most that plus the
    # time it took to start again and to be found (retries every second)
    assert 2.0 <= back["lost_s"] <= 8.0, back
    assert back["t"] >= gone["t"] + 2.0
    assert [e["t"] for e in evs] == sorted(e["t"] for e in evs)
    # the call goes on after the gap, with audio times after it
    assert "message" in said(evs, after=back["t"]) and "available" not in said(evs, after=back["t"])
    assert any(e["type"] == "level" and e["t"] > back["t"] for e in evs)
    assert evs[-1]["duration"] > back["t"]
    assert "input device 'callerline' lost" in stderr and "is back" in stderr, stderr
    assert lost  # seen while the call was running


def test_device_that_never_comes_back_ends_the_call_in_order(tmp_path, pulse):
    events = tmp_path / "events.jsonl"
    config = tmp_path / "team.toml"
    config.write_text("[audio]\ndevice_wait_s = 2.5\n")
    pulse.start()
    proc = live(pulse, events, "--config", str(config))
    started(proc, events, pulse)
    wait_until(proc, events, lambda evs: "available" in said(evs), "the first sentence")
    pulse.kill()
    killed_at = time.monotonic()
    _, stderr = proc.communicate(timeout=120)
    waited = time.monotonic() - killed_at
    assert proc.returncode == 2, stderr
    assert "Traceback" not in stderr, stderr
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("voiceassist: error: input device 'callerline' was lost at "), stderr
    assert "did not come back within 2.5 s (audio.device_wait_s)" in last
    assert 2.5 <= waited < 30, waited
    evs = whole_lines(events)
    types = [e["type"] for e in evs]
    assert types[0] == "call.started" and types[-1] == "call.ended" and types.count("call.ended") == 1
    assert types.count("device.lost") == 1 and "device.restored" not in types
    gone = next(e for e in evs if e["type"] == "device.lost")
    # the time waited is call time too
    assert evs[-1]["duration"] >= gone["t"] + 2.5
    assert evs[-1]["summary"]["utterances"]["caller"] >= 1


def test_one_of_two_devices_lost_the_other_side_goes_on(tmp_path):
    """Caller's line and agent's headset on two servers; the caller's goes for 2 s while the
    agent speaks: the agent is heard throughout, the caller's line comes back (PortAudio is
    not restarted while the headset runs, so the device is reopened at its known index)."""
    line, headset = Pulse(tmp_path, "line"), Pulse(tmp_path, "headset")
    (tmp_path / ".asoundrc").write_text(
        f'pcm.callerline {{ type pulse server "unix:{line.runtime}/native" device "line.monitor" }}\n'
        f'pcm.headset {{ type pulse server "unix:{headset.runtime}/native" device "line.monitor" }}\n'
    )
    events = tmp_path / "events.jsonl"
    try:
        line.start()
        headset.start()
        proc = subprocess.Popen(
            [sys.executable, "-m", "voiceassist", "live", "--caller-device", "callerline", "--agent-device", "headset",
             "--engine", "whisper", "--levels", "--events", str(events)],
            env=line.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
        )
        wait_until(proc, events, lambda evs: any(e["type"] == "level" for e in evs), "audio")
        line.kill()
        wait_until(proc, events, lambda evs: any(e["type"] == "device.lost" for e in evs), "device.lost")
        headset.play(np.concatenate([silence(0.3), clip("vm-intro"), silence(30)]))
        time.sleep(2.0)
        line.start()
        evs = wait_until(proc, events, lambda evs: "message" in said(evs), "the agent's sentence", timeout_s=180)
        evs = wait_until(proc, events, lambda evs: any(e["type"] == "device.restored" for e in evs), "device.restored")
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=120)
    finally:
        line.kill()
        headset.kill()
    assert proc.returncode == 0, stderr
    evs = whole_lines(events)
    types = [e["type"] for e in evs]
    assert types.count("call.started") == 1 and types[-1] == "call.ended" and types.count("call.ended") == 1
    gone = next(e for e in evs if e["type"] == "device.lost")
    back = next(e for e in evs if e["type"] == "device.restored")
    assert gone["device"] == "callerline" and gone["speakers"] == ["caller"] and back["lost_s"] >= 2.0
    agent = [e for e in evs if e["type"] == "transcript.final" and e["speaker"] == "agent"]
    assert any("message" in e["text"].lower() for e in agent)
    # the agent was heard while the caller's line was gone
    assert any(gone["t"] - 0.5 <= e["start"] <= back["t"] for e in agent), (gone, back, agent)
    levels = [e["t"] for e in evs if e["type"] == "level" and e["speaker"] == "caller"]
    assert any(t > back["t"] for t in levels)  # the caller's side is analysed again after the gap


def test_a_frozen_sound_server_is_reported_and_the_call_still_ends_in_order(tmp_path, pulse):
    """A sound server that stops answering (SIGSTOP) leaves PortAudio's stream running with no
    audio: reported after 3 s, back when it wakes (with the audio of the gap, so no silence
    stands in for it); and Ctrl-C while it is frozen still ends the call in order, though
    closing the stream never returns."""
    events = tmp_path / "events.jsonl"
    pulse.start()
    proc = live(pulse, events)
    started(proc, events, pulse)
    wait_until(proc, events, lambda evs: "available" in said(evs), "the first sentence")
    pulse.server.send_signal(signal.SIGSTOP)
    frozen_at = time.monotonic()
    wait_until(proc, events, lambda evs: any(e["type"] == "device.lost" for e in evs), "device.lost", timeout_s=30)
    assert 3.0 <= time.monotonic() - frozen_at < 10
    time.sleep(1.0)
    pulse.server.send_signal(signal.SIGCONT)
    evs = wait_until(proc, events, lambda evs: any(e["type"] == "device.restored" for e in evs), "device.restored")
    gone = next(e for e in evs if e["type"] == "device.lost")
    back = next(e for e in evs if e["type"] == "device.restored")
    assert gone["device"] == back["device"] == "callerline" and gone["speakers"] == ["caller"]
    assert 3.5 <= back["lost_s"] < 12, back

    pulse.server.send_signal(signal.SIGSTOP)  # frozen again, and the agent ends the call
    wait_until(proc, events, lambda evs: [e["type"] for e in evs].count("device.lost") == 2, "device.lost again",
               timeout_s=30)
    proc.send_signal(signal.SIGINT)
    try:
        _, stderr = proc.communicate(timeout=60)
    finally:
        pulse.server.send_signal(signal.SIGCONT)
    assert proc.returncode == 0, stderr  # Ctrl-C is how an agent ends a live call
    assert "Traceback" not in stderr, stderr
    assert "input device 'callerline' has sent no audio for 3 s" in stderr
    assert "input device 'callerline' did not close within 2 s" in stderr
    evs = whole_lines(events)
    types = [e["type"] for e in evs]
    assert types[0] == "call.started" and types[-1] == "call.ended" and types.count("call.ended") == 1
    assert types.count("device.lost") == 2 and types.count("device.restored") == 1
    assert [e["t"] for e in evs] == sorted(e["t"] for e in evs)
