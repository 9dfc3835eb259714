"""Hostile call recordings: every one ends in exit 2 with one line naming the file and what
would be valid, or in the correct events. Inputs are made in tmp_path by the test itself."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from hostile_cli import ok_events, tone, user_error, voiceassist, wav_bytes

RNG = np.random.default_rng(8)


def analyze(path, *extra, **kw):
    return voiceassist("analyze", path, "--engine", "whisper", "--events", "-", *extra, **kw)


def ended(evs: list[dict]) -> dict:
    return evs[-1]


def utterances(evs: list[dict]) -> int:
    return sum(ended(evs)["summary"]["utterances"].values())


# --------------------------------------------------------------------------- not audio at all


def test_empty_file(tmp_path):
    (tmp_path / "empty.wav").write_bytes(b"")
    user_error(analyze(tmp_path / "empty.wav"), "empty.wav", "0 bytes", "WAV")


def test_text_file_named_wav(tmp_path):
    (tmp_path / "notes.wav").write_text("call notes, not audio\n")
    user_error(analyze(tmp_path / "notes.wav"), "notes.wav", "expected a WAV")


def test_random_bytes_named_wav(tmp_path):
    (tmp_path / "noise.wav").write_bytes(RNG.integers(0, 256, 5000, dtype=np.uint8).tobytes())
    user_error(analyze(tmp_path / "noise.wav"), "noise.wav", "expected a WAV")


def test_directory(tmp_path):
    (tmp_path / "calls.wav").mkdir()
    user_error(analyze(tmp_path / "calls.wav"), "calls.wav", "directory")


def test_missing_file(tmp_path):
    user_error(analyze(tmp_path / "gone.wav"), "gone.wav", "no such file")


def test_unknown_wav_codec(tmp_path):
    (tmp_path / "codec.wav").write_bytes(wav_bytes(np.zeros(8000), 8000, format_tag=0x1234))
    user_error(analyze(tmp_path / "codec.wav"), "codec.wav", "expected a WAV")


def test_unreadable_file(tmp_path):
    """chmod 000 stops nobody as root, so the child runs as the unprivileged user 'nobody'
    (setpriv) on a file it may not read, in a folder it may enter."""
    if os.geteuid() != 0:
        folder = tmp_path
        prefix: list[str] = []
    elif shutil.which("setpriv"):
        folder = tmp_path / "open"
        folder.mkdir()
        checkout = Path(__file__).parents[2]
        for p in (folder, *folder.parents, *checkout.parents):
            if p == p.parent:
                continue  # not the filesystem root
            # others may enter: pytest makes tmp 0700, and so does `mktemp -d` around a CI clone
            os.chmod(p, os.stat(p).st_mode | 0o005)
        prefix = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"]
    else:
        pytest.skip("running as root without setpriv: chmod 000 would not stop reading")
    path = folder / "secret.wav"
    sf.write(path, tone(1.0, 8000), 8000)
    os.chmod(path, 0)
    root = str(Path(__file__).parents[2])
    result = subprocess.run(
        [*prefix, sys.executable, "-m", "voiceassist", "analyze", str(path), "--events", "-"],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": root, "HOME": str(folder)},
    )
    user_error(result, "secret.wav", "permission denied")


# ------------------------------------------------------------------------- headers that lie


def test_header_cut_off(tmp_path):
    (tmp_path / "cut.wav").write_bytes(wav_bytes(np.zeros(8000), 8000)[:30])
    user_error(analyze(tmp_path / "cut.wav"), "cut.wav", "expected a WAV")


def test_data_size_larger_than_file_reads_what_is_there(tmp_path):
    """A recording cut short (a crashed recorder): the 2 s present are analysed, with a warning."""
    samples = (tone(2.0, 8000) * 32767).astype(np.int16)
    (tmp_path / "short.wav").write_bytes(wav_bytes(samples, 8000, data_size=10 * len(samples) * 2))
    result = analyze(tmp_path / "short.wav")
    evs = ok_events(result)
    assert ended(evs)["duration"] == pytest.approx(2.0, abs=0.03)
    assert "truncated" in result.stderr


def test_data_size_smaller_than_file_reads_the_declared_audio(tmp_path):
    samples = (tone(2.0, 8000) * 32767).astype(np.int16)
    (tmp_path / "tail.wav").write_bytes(wav_bytes(samples, 8000, data_size=len(samples)))  # half
    evs = ok_events(analyze(tmp_path / "tail.wav"))
    assert ended(evs)["duration"] == pytest.approx(1.0, abs=0.03)


def test_zero_sample_rate_field(tmp_path):
    (tmp_path / "rate.wav").write_bytes(wav_bytes(np.zeros(8000), 8000, rate_field=0))
    user_error(analyze(tmp_path / "rate.wav"), "rate.wav", "expected a WAV")


@pytest.mark.parametrize("rate_field", [1, 100, 10_000_000])
def test_absurd_sample_rate_field(tmp_path, rate_field):
    """1 Hz would make one second of samples into 4.4 hours of call; 10 MHz is no recording."""
    (tmp_path / "rate.wav").write_bytes(wav_bytes(np.zeros(8000), 8000, rate_field=rate_field))
    user_error(analyze(tmp_path / "rate.wav"), "rate.wav", f"{rate_field} Hz", "4000", "384000")


def test_zero_frames_is_an_empty_call(tmp_path):
    """A valid header with no samples is a recording of nothing (as the source contract in
    tests/contract/test_sources.py has it): a call that starts and ends at 0 s."""
    (tmp_path / "nothing.wav").write_bytes(wav_bytes(np.zeros(0), 8000))
    evs = ok_events(analyze(tmp_path / "nothing.wav"))
    assert [e["type"] for e in evs] == ["call.started", "call.ended"]
    assert ended(evs)["duration"] == 0.0 and utterances(evs) == 0


# ----------------------------------------------------------------------- odd but valid audio


def test_96k_audio_is_resampled(tmp_path):
    sf.write(tmp_path / "hi.wav", tone(3.0, 96000), 96000, subtype="PCM_24")
    evs = ok_events(analyze(tmp_path / "hi.wav"))
    assert evs[0]["sample_rate_in"] == 96000 and evs[0]["channels"] == 1
    assert ended(evs)["duration"] == pytest.approx(3.0, abs=0.03)


def test_six_channels_is_refused_naming_what_is_read(tmp_path):
    """A 5.1 file is not a call: which two of six channels are caller and agent cannot be
    guessed, so it is an error naming the channel counts read (mono, stereo)."""
    sf.write(tmp_path / "surround.wav", np.zeros((8000, 6)), 8000)
    user_error(analyze(tmp_path / "surround.wav"), "surround.wav", "6 channels", "mono", "stereo")


def test_nan_and_inf_floats_are_read_as_silence(tmp_path):
    x = tone(3.0, 16000).astype(np.float32)
    x[1000:1100] = np.nan
    x[5000:5010] = np.inf
    x[9000:9010] = -np.inf
    sf.write(tmp_path / "nan.wav", x, 16000, subtype="FLOAT")
    result = analyze(tmp_path / "nan.wav")
    evs = ok_events(result)
    assert ended(evs)["duration"] == pytest.approx(3.0, abs=0.03)
    assert "NaN" in result.stderr


def test_heavy_clipping_is_analysed(tmp_path):
    """A stereo call whose agent side is clipped flat at full scale: analysed as usual; the
    clipped side reads loud (its level events), nothing breaks."""
    caller = tone(6.0, 8000, 300, 0.05)
    agent = np.clip(tone(6.0, 8000, 300, 20.0), -1, 1)
    sf.write(tmp_path / "clip.wav", np.stack([caller, agent], axis=1), 8000, subtype="PCM_16")
    evs = ok_events(analyze(tmp_path / "clip.wav", "--levels"))
    assert ended(evs)["duration"] == pytest.approx(6.0, abs=0.03)
    assert any(e["type"] == "level" and e["speaker"] == "agent" for e in evs)


def test_pure_silence_is_a_call_with_nothing_said(tmp_path):
    sf.write(tmp_path / "quiet.wav", np.zeros((10 * 8000, 2)), 8000, subtype="ULAW")
    evs = ok_events(analyze(tmp_path / "quiet.wav"))
    assert [e["type"] for e in evs] == ["call.started", "call.ended"]
    assert ended(evs)["duration"] == pytest.approx(10.0, abs=0.03)
    assert utterances(evs) == 0 and ended(evs)["summary"]["prompts"] == {}


def test_pure_noise_is_analysed(tmp_path):
    sf.write(tmp_path / "hiss.wav", RNG.normal(0, 0.2, (10 * 16000, 2)).clip(-1, 1), 16000, subtype="PCM_16")
    evs = ok_events(analyze(tmp_path / "hiss.wav"))
    assert ended(evs)["duration"] == pytest.approx(10.0, abs=0.03)
    times = [e["t"] for e in evs]
    assert times == sorted(times)


def test_one_hour_of_silence(tmp_path):
    """An hour-long telephone recording (8 kHz μ-law, 29 MB, written in blocks) streams through
    in bounded memory; silence gives the recogniser no work, so this measures the rest."""
    path = tmp_path / "hour.wav"
    with sf.SoundFile(path, "w", 8000, 2, subtype="ULAW") as f:
        block = np.zeros((8000 * 60, 2))
        for _ in range(60):
            f.write(block)
    started = time.perf_counter()
    result = analyze(path, timeout=1200)
    evs = ok_events(result)
    print(f"1 h of silence analysed in {time.perf_counter() - started:.0f} s")
    assert [e["type"] for e in evs] == ["call.started", "call.ended"]
    assert ended(evs)["duration"] == pytest.approx(3600.0, abs=0.03)
    assert utterances(evs) == 0
