"""The live path through real PortAudio input devices, without sound hardware.

Each device is an ALSA ``file`` PCM defined in a temporary ``~/.asoundrc``: PortAudio lists it
as an input device and capture returns the samples of a raw file. alsa-lib reads ``~/.asoundrc``
when PortAudio initialises (at ``import sounddevice``), so every check runs in a child Python
with ``HOME`` pointing at the temporary folder.

What the plugin does (measured on this machine, alsa-lib with PortAudio 19.6):
- it does not pace: a stream gets the whole file as fast as it reads; a named pipe as the file
  paces it (``alsa_devices(pace=...)``);
- it hands over the raw bytes in whatever format, rate and channel count the stream asked for;
- at the end of the file it does not stop and does not give silence: it repeats the last
  period read (about 700 samples) forever. So each test stops the source after the file's
  length with ``max_seconds`` (or ``stop()``), and the frames before that are compared exactly;
- it reports 128 input channels whatever the file holds.
"""

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

from voiceassist.frames import HOP_SAMPLES, SAMPLE_RATE

ORIGINAL = Path(__file__).parents[1] / "fixtures" / "sources" / "speech_16k.wav"

# Runs in the child: opens a DeviceSource with the given arguments, saves each speaker's
# samples and frame times, prints a JSON summary (or the AudioInputError message).
CHILD = r"""
import json, sys, time
import numpy as np
from voiceassist.errors import AudioInputError
from voiceassist.sources.device import DeviceSource
from voiceassist.sources.portaudio import default_devices, list_input_devices

args = json.loads(sys.argv[1])
out = {"devices": list_input_devices(), "default": default_devices()}
try:
    with DeviceSource(**args["source"]) as src:
        out["info"] = {"name": src.info.name, "rate": src.info.sample_rate_in,
                       "channels": src.info.channels, "speakers": list(src.info.speakers)}
        frames = []
        for frame in src.frames():
            frames.append(frame)
            if args.get("stop_after") and len(frames) == args["stop_after"]:
                src.stop()
            if args.get("stall") and len(frames) == 1:  # the reader falls behind
                time.sleep(args["stall"])
        out["dropped_blocks"] = src.dropped_blocks
except AudioInputError as e:
    out["error"] = str(e)
else:
    out["order"] = [[f.speaker, f.t] for f in frames]
    np.savez(args["npz"], **{s: np.concatenate([f.samples for f in frames if f.speaker == s] or [np.zeros(0, np.int16)])
                             for s in out["info"]["speakers"]})
    out["shapes_ok"] = all(f.samples.dtype == np.int16 and f.samples.shape == (320,) for f in frames)
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    return sf.read(ORIGINAL, dtype="int16")[0]


def tone(n: int, hz: float = 1000.0, amplitude: float = 0.1, rate: int = SAMPLE_RATE) -> np.ndarray:
    return (amplitude * 32768 * np.sin(2 * np.pi * hz * np.arange(n) / rate)).astype(np.int16)


def snr_db(reference: np.ndarray, x: np.ndarray) -> float:
    reference = reference.astype(np.float64)
    noise = reference - x.astype(np.float64)
    return float(10 * np.log10(np.sum(reference**2) / max(np.sum(noise**2), 1e-12)))


def run_devices(tmp_path: Path, raw: dict[str, np.ndarray], pace: float | None = None,
                late: dict[str, float] | None = None, **source) -> dict:
    """Define one ALSA file device per entry of ``raw`` (name -> int16 samples, (n,) or
    (n, channels)), open ``DeviceSource(**source)`` on them in a child, return its summary
    with the decoded samples per speaker. With ``pace``, each device's file is a named pipe
    fed at ``pace`` times real time (``late``: name -> seconds its feed starts after the
    others'); ``stall`` (seconds) holds the reader after the first frame."""
    env = {**os.environ, **alsa_devices(tmp_path, raw, pace, late)}
    stop_after, stall = source.pop("stop_after", None), source.pop("stall", None)
    args = {"source": source, "npz": str(tmp_path / "out.npz"), "stop_after": stop_after, "stall": stall}
    result = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(args)], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    if "error" not in out:
        with np.load(tmp_path / "out.npz") as npz:
            out["samples"] = {k: npz[k] for k in npz.files}
    return out


def check_frame_times(out: dict) -> None:
    """Frame times count samples, and at each hop the caller's frame comes before the agent's."""
    speakers = out["info"]["speakers"]
    n = len(out["order"]) // len(speakers)
    assert out["order"] == [[s, i * HOP_SAMPLES / SAMPLE_RATE] for i in range(n) for s in speakers]
    assert out["shapes_ok"]


def whole_hops(n: int) -> int:
    return n // HOP_SAMPLES * HOP_SAMPLES


def test_devices_are_listed_with_the_default(tmp_path, speech):
    out = run_devices(tmp_path, {"callerline": speech, "headset": speech}, caller_device="callerline",
                      max_seconds=0.1)
    names = {d["name"]: d for d in out["devices"]}
    assert set(names) >= {"callerline", "headset"}
    assert all(set(d) == {"index", "name", "channels", "samplerate", "is_default"} for d in out["devices"])
    default = [d for d in out["devices"] if d["is_default"]]
    assert len(default) == 1 and out["default"] == {"agent": default[0]["index"]}


def test_mono_device_at_16k_delivers_the_file_exactly(tmp_path, speech):
    n = whole_hops(len(speech))
    out = run_devices(tmp_path, {"callerline": speech}, caller_device="callerline", max_seconds=n / SAMPLE_RATE)
    assert out["info"]["speakers"] == ["caller"] and out["info"]["rate"] == SAMPLE_RATE
    check_frame_times(out)
    assert np.array_equal(out["samples"]["caller"], speech[:n])


@pytest.mark.parametrize("rate", [48000, 44100, 8000])
def test_device_at_another_rate_is_resampled_to_16k(tmp_path, speech, rate):
    # the speech then 0.5 s of silence: the call is cut in the silence, so neither the cut nor
    # what the plugin repeats after the end of the file reaches the compared samples
    padded = np.concatenate([speech, np.zeros(SAMPLE_RATE // 2, np.int16)])
    raw = np.round(soxr.resample(padded / 32768.0, SAMPLE_RATE, rate, quality="VHQ") * 32768)
    raw = np.clip(raw, -32768, 32767).astype(np.int16)
    n = whole_hops(len(speech) + SAMPLE_RATE // 4)
    out = run_devices(tmp_path, {"line": raw}, caller_device="line", samplerate=rate, max_seconds=n / SAMPLE_RATE)
    assert out["info"]["rate"] == rate
    check_frame_times(out)
    got, ref = out["samples"]["caller"], padded[:n]
    assert len(got) == n
    if rate == 8000:  # the telephone band only: compare below 3.6 kHz, as for 8 kHz WAVs
        keep = np.fft.rfftfreq(n, 1 / SAMPLE_RATE) <= 3600
        ref, got = (np.fft.irfft(np.fft.rfft(x.astype(float)) * keep, n) for x in (ref, got))
    # as for WAV files (>= 50 dB): measured 70 dB at 44.1/48 kHz, 76 dB in band at 8 kHz; a
    # start out of line by one 16 kHz sample scores about 11 dB
    assert snr_db(ref, got) >= 50


@pytest.mark.parametrize("caller_channel", [0, 1])
def test_one_stereo_device_is_split_into_caller_and_agent(tmp_path, speech, caller_channel):
    n = whole_hops(len(speech))
    side = tone(len(speech))
    stereo = np.stack([speech, side], axis=1)
    out = run_devices(
        tmp_path, {"callpair": stereo}, caller_device="callpair", agent_device="callpair",
        caller_channel=caller_channel, max_seconds=n / SAMPLE_RATE,
    )
    assert out["info"]["speakers"] == ["caller", "agent"] and out["info"]["channels"] == 2
    check_frame_times(out)
    speech_side, tone_side = ("caller", "agent") if caller_channel == 0 else ("agent", "caller")
    assert np.array_equal(out["samples"][speech_side], speech[:n])
    assert np.array_equal(out["samples"][tone_side], side[:n])


def test_two_devices_are_aligned_by_sample_count(tmp_path, speech):
    n = whole_hops(len(speech))
    side = tone(len(speech), hz=700)
    out = run_devices(
        tmp_path, {"callerline": speech, "headset": side}, caller_device="callerline", agent_device="headset",
        max_seconds=n / SAMPLE_RATE,
    )
    assert out["info"]["speakers"] == ["caller", "agent"]
    assert "callerline (caller)" in out["info"]["name"] and "headset (agent)" in out["info"]["name"]
    check_frame_times(out)
    assert np.array_equal(out["samples"]["caller"], speech[:n])
    assert np.array_equal(out["samples"]["agent"], side[:n])


def test_a_device_that_starts_late_is_waited_for_so_the_frames_stay_in_time_order(tmp_path, speech):
    """The agent's headset delivers its first block 1.5 s after the caller's line (three times
    the wait for a stalled side): the caller's frames wait for it instead of going out ahead,
    and both sides come whole."""
    n = whole_hops(len(speech))
    # each fed 3 s past what is read: a file's end floods (see the test below), which would take
    # the agent's share of the queue while the caller's side waits for its last frames
    caller, agent = np.concatenate([speech, speech[: 3 * SAMPLE_RATE]]), tone(len(speech) + 3 * SAMPLE_RATE, hz=700)
    out = run_devices(tmp_path, {"callerline": caller, "headset": agent}, pace=1.0, late={"headset": 1.5},
                      caller_device="callerline", agent_device="headset", max_seconds=n / SAMPLE_RATE)
    check_frame_times(out)
    assert np.array_equal(out["samples"]["caller"], caller[:n])
    assert np.array_equal(out["samples"]["agent"], agent[:n])


def test_a_reader_far_behind_loses_audio_but_not_time(tmp_path):
    """Two devices delivering in real time (4x here), a reader that stalls for longer than the
    10 s of audio ``DeviceSource`` holds: the blocks it had no room for are heard as silence,
    so each side's audio after the gap is at its own time and the two sides stay in step."""
    n = 40 * SAMPLE_RATE
    # never 0: each sample says where in the file it is from. 8 s more than the reader takes:
    # at its file's end the ALSA plugin repeats its last period as fast as it is read, and
    # blocks dropped from that flood after the reader's last frame would be counted too.
    ramp = np.arange(n + 8 * SAMPLE_RATE) % 30000 + 1
    sides = {"callerline": ramp.astype(np.int16), "headset": (-ramp).astype(np.int16)}
    # in the 5 s stall the devices deliver 20 s (and 2 s more wait in each pipe)
    out = run_devices(tmp_path, sides, pace=4.0, stall=5.0, caller_device="callerline", agent_device="headset",
                      max_seconds=n / SAMPLE_RATE)
    check_frame_times(out)
    assert out["dropped_blocks"] > 0
    block = int(0.02 * SAMPLE_RATE)
    dropped = 0
    for speaker, sent in zip(("caller", "agent"), sides.values()):
        got = out["samples"][speaker]
        assert len(got) == n
        gap = np.flatnonzero(got == 0)
        assert len(gap) > 0 and len(gap) % block == 0
        blocks = gap.reshape(-1, block)  # whole blocks of the device's, of silence
        assert np.all(blocks[:, 0] % block == 0) and np.all(blocks == blocks[:, :1] + np.arange(block))
        assert gap[0] >= 10 * SAMPLE_RATE  # after what the queue held
        kept = np.ones(n, bool)
        kept[gap] = False
        assert np.array_equal(got[kept], sent[:n][kept])  # everything else at its own time
        dropped += len(gap) // block
    assert dropped == out["dropped_blocks"]


def test_agent_only_device(tmp_path, speech):
    out = run_devices(tmp_path, {"headset": speech}, agent_device="headset", max_seconds=1.0)
    assert out["info"]["speakers"] == ["agent"]
    assert np.array_equal(out["samples"]["agent"], speech[:SAMPLE_RATE])


def test_stop_ends_the_call_from_the_consumer(tmp_path, speech):
    # no max_seconds: the plugin would deliver forever (it repeats its last period at the end)
    out = run_devices(tmp_path, {"callerline": speech}, caller_device="callerline", stop_after=25)
    check_frame_times(out)
    got = out["samples"]["caller"]
    assert len(got) >= 25 * HOP_SAMPLES  # frames already cut from the block in hand still come out
    assert np.array_equal(got, speech[: len(got)])


def test_device_by_index(tmp_path, speech):
    probe = run_devices(tmp_path, {"a": speech, "b": tone(len(speech))}, caller_device="b", max_seconds=0.1)
    index = next(d["index"] for d in probe["devices"] if d["name"] == "b")
    out = run_devices(tmp_path, {"a": speech, "b": tone(len(speech))}, caller_device=str(index), max_seconds=0.5)
    assert np.array_equal(out["samples"]["caller"], tone(len(speech))[:8000])


@pytest.mark.parametrize("device", ["nosuchdevice", "99"])
def test_unknown_device_lists_the_input_devices(tmp_path, speech, device):
    out = run_devices(tmp_path, {"callerline": speech, "headset": speech}, caller_device=device)
    message = out["error"]
    assert message.startswith(f"unknown input device '{device}'; input devices: ")
    assert "'callerline'" in message and "'headset'" in message and "\n" not in message


def test_bad_caller_channel(tmp_path, speech):
    out = run_devices(tmp_path, {"pair": speech}, caller_device="pair", agent_device="pair", caller_channel=2)
    assert "--caller-channel 2" in out["error"] and "0 or 1" in out["error"]


def test_no_input_devices_at_all(tmp_path):
    """With an empty ~/.asoundrc and no sound card this machine has no input device at all."""
    out = run_devices(tmp_path, {})
    if out["devices"]:
        pytest.skip("this machine has sound hardware, so there is always an input device")
    assert out["default"] == {}
    assert out["error"] == "no input device found; connect one, or list them with: voiceassist devices"
