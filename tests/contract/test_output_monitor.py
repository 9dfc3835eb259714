"""The caller's side from the softphone's output: the headset sink's monitor, on a real
PulseAudio server (tests/pulsetools.py).

On PulseAudio and on PipeWire (pipewire-pulse), each test once on each. The agent's USB
headset is a null sink `headset` (described as `USB-Headset`, as a desktop
names a product); the softphone is `pacat`, playing the caller's real speech (Asterisk, see
fixtures/calls/README.md) into it; `headset.monitor` is given as `--caller-device`. The agent
speaks from another device: a null sink `mic` whose monitor is an ALSA `pulse` device, so it
goes through PortAudio as a microphone does. The same call through the ALSA route for both
sides (`callerline`, the `pulse` plugin on `headset.monitor`) is the reference: what the
product did with two input devices before monitors were selectable.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import jiwer
import numpy as np
import pytest
import soundfile as sf
import soxr
from clitools import read_events, user_error, voiceassist, wait_until
from pulsetools import PipeWire, Pulse, needs_pipewire, needs_pulseaudio

from voiceassist.events import heard_phrase

pytestmark = needs_pulseaudio

CALLS = Path(__file__).parents[1] / "fixtures" / "calls"
CALLER_SAID = ("nobody is available to take your call at the moment please leave your message after the tone "
               "when done hang up or press the pound key")
ASOUNDRC = ('pcm.callerline { type pulse device "headset.monitor" }\n'
            'pcm.agentmic { type pulse device "mic.monitor" }\n')


def clip(name: str) -> np.ndarray:
    x, rate = sf.read(CALLS / f"{name}.wav")
    return soxr.resample(x, rate, 16000)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(16000 * seconds))


@pytest.fixture(params=["pulseaudio", pytest.param("pipewire", marks=needs_pipewire)])
def desk(request, tmp_path):
    """The agent's desk on a sound server: PulseAudio, or PipeWire (with pipewire-pulse)."""
    server = (Pulse if request.param == "pulseaudio" else PipeWire)(tmp_path, sinks={"headset": "USB-Headset", "mic": "Headset-microphone"})
    (tmp_path / ".asoundrc").write_text(ASOUNDRC)
    server.start()
    yield server
    server.kill()


def test_devices_lists_the_output_monitors_beside_the_inputs(desk):
    result = voiceassist("devices", env=desk.env)
    assert result.returncode == 0, result.stderr
    rows = {line.split()[1] if line.split()[0].isdigit() else line.split()[0]: line
            for line in result.stdout.splitlines()[1:]}
    assert "output monitor (Monitor of USB-Headset)" in rows["headset.monitor"]
    assert "output monitor (Monitor of Headset-microphone)" in rows["mic.monitor"]
    assert rows["agentmic"].rstrip().endswith("input") and rows["pulse"].rstrip().endswith("input")
    assert "agent" in rows["default"]  # what live uses with no flags: unchanged


@pytest.mark.parametrize("name, needles", [
    ("headset.monitr", ["unknown input device 'headset.monitr'", "output monitors: 'headset.monitor' (Monitor of USB-Headset)"]),
    ("monitor", ["input device 'monitor' is ambiguous", "'headset.monitor'", "'mic.monitor'"]),
])
def test_a_bad_monitor_name_is_one_line_naming_it_and_what_is_valid(desk, name, needles):
    user_error(voiceassist("live", "--caller-device", name, "--seconds", "1", "--view", "none", env=desk.env), *needles)


def test_one_monitor_cannot_be_both_sides(desk):
    user_error(voiceassist("live", "--caller-device", "headset.monitor", "--agent-device", "Monitor of USB-Headset",
                           "--seconds", "1", "--view", "none", env=desk.env),
               "output monitor 'headset.monitor'", "--agent-device")


CHILD = r"""
import json, sys
import numpy as np
from voiceassist.sources.device import DeviceSource
caller, seconds, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
samples = []
with DeviceSource(caller_device=caller, max_seconds=seconds) as src:
    for frame in src.frames():
        samples.append(frame.samples)
        if len(samples) == 1:
            print("flowing", flush=True)  # the test starts the softphone now
    info = src.info.name
np.save(out, np.concatenate(samples))
print(json.dumps({"name": info}), flush=True)
"""


@pytest.mark.parametrize("caller", ["headset.monitor", "USB-Headset", "callerline"])
def test_the_monitor_delivers_what_the_softphone_plays(desk, tmp_path, caller):
    """The caller's speech played into the headset comes out of ``DeviceSource`` as it was
    played, by the monitor's name or its description, as through the ALSA `pulse` device.
    (No wall-clock delay is measured here: a null sink renders ahead of real time and rewinds
    when a stream connects, which a headset's sink does not.)"""
    speech = np.round(clip("vm-nobodyavail") * 32767) / 32767
    seconds = 8.0
    child = subprocess.Popen([sys.executable, "-c", CHILD, caller, str(seconds), str(tmp_path / "got.npy")],
                             env=desk.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "flowing", child.stderr.read()
    desk.play(np.concatenate([speech, silence(1)]), sink="headset")
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    got = np.load(tmp_path / "got.npy").astype(np.float64) / 32768
    assert len(got) == 8 * 16000
    ref = speech[: 16000 * 2]
    # where the speech starts in what was heard: the best match of its first 2 s
    corr = np.correlate(got[: 16000 * 6], ref, mode="valid")
    at = int(np.argmax(corr))
    heard = got[at : at + len(speech)]
    assert len(heard) == len(speech), (at, len(got))
    snr = 10 * np.log10(np.sum(speech**2) / max(np.sum((speech - heard) ** 2), 1e-12))
    summary = json.loads(out.strip().splitlines()[-1])
    print(f"\n{type(desk).__name__} {caller}: SNR {snr:.1f} dB")
    # PulseAudio at 100 % volume, 16 kHz mono end to end: the same samples (measured 90 dB).
    # PipeWire resamples through its 48 kHz graph and back (measured 24 dB, the same through
    # the ALSA device): the same speech, not the same samples.
    assert snr >= (20 if isinstance(desk, PipeWire) else 50), snr
    assert np.max(np.abs(got[:at])) < 1e-3  # before the speech, the sink's silence
    assert summary["name"] == f"{'callerline' if caller == 'callerline' else 'headset.monitor'} (caller)"


ALIGN_CHILD = r"""
import json, subprocess, sys
import numpy as np
from voiceassist.sources.device import DeviceSource
raw = sys.argv[1]
out = {"caller": [], "agent": []}
with DeviceSource(caller_device="headset.monitor", agent_device="callerline", max_seconds=8) as src:
    for frame in src.frames():
        out[frame.speaker].append(frame.samples)
        if len(out["agent"]) == 25:  # both flowing: the softphone starts
            subprocess.Popen(["pacat", "--playback", "-d", "headset", "--rate=16000", "--channels=1", "--format=s16le", raw])
print(json.dumps({s: int(np.argmax(np.abs(np.concatenate(f)) > 1000)) for s, f in out.items()}))
"""


def test_a_monitor_and_an_input_device_are_in_step(desk, tmp_path):
    """The same sound through both routes at once — the caller by parec from the monitor, the
    agent by PortAudio's ALSA `pulse` device on that monitor — starts at the same call time.
    Before the devices' first blocks were aligned the monitor's side came up to 0.5 s late
    (PipeWire: parec delivers from its start, the ALSA device 0.5 s after)."""
    raw = tmp_path / "speech.raw"
    np.round(np.concatenate([clip("vm-nobodyavail"), silence(1)]) * 32767).astype("<i2").tofile(raw)
    result = subprocess.run([sys.executable, "-c", ALIGN_CHILD, str(raw)], env=desk.env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    onset = json.loads(result.stdout.strip().splitlines()[-1])
    print(f"\nspeech starts at {onset['caller'] / 16:.0f} ms (monitor, parec) and {onset['agent'] / 16:.0f} ms "
          "(ALSA pulse device) of the call")
    assert onset["caller"] > 0 and abs(onset["caller"] - onset["agent"]) <= 0.03 * 16000


def finals(evs: list[dict], speaker: str) -> str:
    return " ".join(e["text"] for e in evs if e["type"] == "transcript.final" and e["speaker"] == speaker)


def prompt_latency(evs: list[dict], kind: str) -> float:
    """Call audio from the end of the last word a prompt quotes to the prompt (as in
    test_triggers_audio.py)."""
    last = None
    for e in evs:
        if e["type"].startswith("transcript."):
            last = e
        elif e["type"] == "prompt.shown" and e["kind"] == kind:
            word = heard_phrase(e["reason"]).split()[-1].strip(".,!?").lower()
            return round(e["t"] - [w["end"] for w in last["words"] if w["w"].strip(".,!?").lower() == word][-1], 2)
    raise AssertionError(f"no {kind} prompt")


def live_call(desk: Pulse, tmp_path: Path, caller_device: str) -> list[dict]:
    """``voiceassist live`` with the caller from ``caller_device`` and the agent from
    `agentmic`: the caller says two sentences, the agent answers with two bare apologies."""
    events = tmp_path / f"{caller_device}.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-m", "voiceassist", "live", "--caller-device", caller_device, "--agent-device", "agentmic",
         "--engine", "whisper", "--language", "en", "--levels", "--view", "none", "--events", str(events)],
        env=desk.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
    )
    try:
        # a monitor hears only what is played while it records: the call starts once audio flows
        wait_until(proc, events, lambda evs: {"caller", "agent"} <= {e.get("speaker") for e in evs if e["type"] == "level"},
                   "audio from both sides")
        caller = np.concatenate([silence(0.5), clip("vm-nobodyavail"), silence(0.5), clip("vm-intro"), silence(1)])
        agent = np.concatenate([silence(len(caller) / 16000), clip("im-sorry"), silence(1.5), clip("sorry"), silence(20)])
        desk.play(np.concatenate([caller, silence(20)]), sink="headset")
        desk.play(agent, sink="mic")
        wait_until(proc, events, lambda evs: any(e["type"] == "prompt.shown" and e["kind"] == "specific_apology"
                                                 for e in evs) and finals(evs, "agent").lower().count("sorry") >= 2,
                   "the agent's second bare apology and its prompt", timeout_s=180)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0 and "Traceback" not in stderr, stderr
    return read_events(events)


def normal(text: str) -> str:
    return " ".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def test_a_call_with_the_caller_from_the_headset_monitor_as_with_two_input_devices(desk, tmp_path):
    runs = {route: live_call(desk, tmp_path, device)
            for route, device in (("monitor", "headset.monitor"), ("input devices", "callerline"))}
    measured = {}
    for route, evs in runs.items():
        types = [e["type"] for e in evs]
        assert types[0] == "call.started" and evs[0]["channels"] == 2
        assert types[-1] == "call.ended" and types.count("call.ended") == 1
        assert [e["t"] for e in evs] == sorted(e["t"] for e in evs)
        wer = jiwer.wer(CALLER_SAID, normal(finals(evs, "caller")))
        latency = prompt_latency(evs, "specific_apology")
        measured[route] = (wer, latency)
        assert wer <= 0.15, (route, finals(evs, "caller"))
        assert "sorry" not in normal(finals(evs, "caller"))  # the sides do not leak into each other
        assert "nobody" not in normal(finals(evs, "agent"))
        assert [e["kind"] for e in evs if e["type"] == "prompt.shown"].count("specific_apology") == 1
        assert latency <= 2.0
    print("\n" + "\n".join(f"{route}: caller WER {wer:.3f}, specific_apology {latency:.2f} s after the word"
                           for route, (wer, latency) in measured.items()))


def live_on_the_monitor(desk, events: Path) -> subprocess.Popen:
    """``live`` with the caller from the headset's monitor alone, writing ``events``."""
    return subprocess.Popen(
        [sys.executable, "-m", "voiceassist", "live", "--caller-device", "headset.monitor", "--engine", "whisper",
         "--language", "en", "--levels", "--view", "none", "--events", str(events)],
        env=desk.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
    )


def test_a_monitor_lost_and_back_keeps_the_same_call(desk, tmp_path):
    """The sound server dies mid-call (what a crashed or restarted PulseAudio/PipeWire does to
    every monitor) and comes back 2 s later: `device.lost`, then `device.restored`, and the
    call goes on with the caller's next sentence, as for an input device
    (tests/hostile/test_hostile_device.py)."""
    events = tmp_path / "events.jsonl"
    proc = live_on_the_monitor(desk, events)
    try:
        wait_until(proc, events, lambda evs: any(e["type"] == "level" for e in evs), "audio")
        desk.play(np.concatenate([silence(0.5), clip("vm-nobodyavail"), silence(30)]), sink="headset")
        wait_until(proc, events, lambda evs: "available" in finals(evs, "caller"), "the first sentence")
        desk.kill()
        wait_until(proc, events, lambda evs: any(e["type"] == "device.lost" for e in evs), "device.lost")
        time.sleep(2.0)
        desk.start()
        wait_until(proc, events, lambda evs: any(e["type"] == "device.restored" for e in evs), "device.restored")
        desk.play(np.concatenate([silence(0.3), clip("vm-intro"), silence(30)]), sink="headset")
        wait_until(proc, events, lambda evs: "message" in finals(evs, "caller"), "the sentence after the gap")
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0 and "Traceback" not in stderr, stderr
    evs = read_events(events)
    types = [e["type"] for e in evs]
    assert types[0] == "call.started" and types[-1] == "call.ended" and types.count("call.ended") == 1
    assert types.count("device.lost") == 1 and types.count("device.restored") == 1
    gone = next(e for e in evs if e["type"] == "device.lost")
    back = next(e for e in evs if e["type"] == "device.restored")
    assert gone["device"] == back["device"] == "headset.monitor" and gone["speakers"] == ["caller"]
    assert 2.0 <= back["lost_s"] <= 8.0, back  # the 2 s down, the server's start, a retry a second
    assert [e["t"] for e in evs] == sorted(e["t"] for e in evs)
    after = " ".join(e["text"] for e in evs if e["type"] == "transcript.final" and e["start"] >= back["t"])
    assert "message" in after and "available" not in after
    assert "input device 'headset.monitor' lost" in stderr and "is back" in stderr, stderr


def test_a_frozen_sound_server_is_reported_for_a_monitor(desk, tmp_path):
    """A server that stops answering (SIGSTOP) leaves parec waiting with no audio: reported
    after 3 s as for an input device, back when it wakes; Ctrl-C then ends the call in order."""
    events = tmp_path / "events.jsonl"
    proc = live_on_the_monitor(desk, events)
    try:
        wait_until(proc, events, lambda evs: any(e["type"] == "level" for e in evs), "audio")
        desk.server.send_signal(signal.SIGSTOP)
        frozen_at = time.monotonic()
        wait_until(proc, events, lambda evs: any(e["type"] == "device.lost" for e in evs), "device.lost", timeout_s=30)
        assert 3.0 <= time.monotonic() - frozen_at < 10
        time.sleep(1.0)
        desk.server.send_signal(signal.SIGCONT)
        wait_until(proc, events, lambda evs: any(e["type"] == "device.restored" for e in evs), "device.restored")
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    finally:
        desk.server.send_signal(signal.SIGCONT)
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0 and "Traceback" not in stderr, stderr
    assert "input device 'headset.monitor' has sent no audio for 3 s" in stderr
    evs = read_events(events)
    types = [e["type"] for e in evs]
    assert types[-1] == "call.ended" and types.count("device.lost") == 1 and types.count("device.restored") == 1
    back = next(e for e in evs if e["type"] == "device.restored")
    assert back["device"] == "headset.monitor" and 3.5 <= back["lost_s"] < 12, back


def test_the_readme_try_out_runs_as_written(tmp_path):
    """The README's try-out of the agent's desk (a server of its own, null sinks for the
    headset, a recorded caller played into it), run by bash from the checkout as a reader
    would paste it."""
    root = Path(__file__).parents[2]
    if not (root / ".venv" / "bin" / "voiceassist").exists():
        pytest.skip("the README runs .venv/bin/voiceassist, which ./run setup makes")
    readme = (root / "README.md").read_text(encoding="utf-8")
    start = readme.index("export HOME=$(mktemp -d) XDG_RUNTIME_DIR=$(mktemp -d)")
    block = readme[start : readme.index("```", start)]
    try:
        result = subprocess.run(["bash", "-e", "-c", block], cwd=root, capture_output=True, text=True, timeout=300,
                                env={**os.environ, "TMPDIR": str(tmp_path)})
    finally:  # the block's server, should it not have reached its `pactl exit`
        for pid in tmp_path.glob("*/pulse/pid"):
            with contextlib.suppress(FileNotFoundError):  # gone between glob and read: that server has exited
                subprocess.run(["kill", pid.read_text().strip()], capture_output=True)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any("headset.monitor" in line and "output monitor (Monitor of USB-Headset)" in line for line in lines)
    evs = [json.loads(line) for line in lines if line.startswith("{")]
    assert evs[0]["type"] == "call.started" and evs[-1]["type"] == "call.ended"
    assert "available" in finals(evs, "caller").lower() and finals(evs, "agent").lower().count("sorry") == 2
    # (the line is then silent to the end of the 20 s: `dead_air` may come 8 s after the last word)
    shown = [(e["kind"], e["t"]) for e in evs if e["type"] == "prompt.shown"]
    assert [k for k, _ in shown if k != "dead_air"] == ["specific_apology"], shown
