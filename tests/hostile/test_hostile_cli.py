"""Hostile flags and outputs: devices, events files, where events go, language and engine."""

from __future__ import annotations

import numpy as np
import pytest

from clitools import alsa_devices
from hostile_cli import ok_events, user_error, voiceassist

STARTED = '{"t": 0, "type": "call.started", "language": "en", "engine": "whisper", "model": "m", "sample_rate_in": 8000, "channels": 2}'
SAID = '{"t": 2.5, "type": "transcript.final", "speaker": "caller", "text": "where is my parcel, it has still not arrived", "start": 1.0, "end": 2.4, "words": []}'


# ---------------------------------------------------------------------------------- devices


@pytest.fixture
def one_device(tmp_path):
    """HOME with an ~/.asoundrc defining one input device (an ALSA file PCM), so the lists of
    devices in the errors are not empty."""
    return alsa_devices(tmp_path, {"callerline": np.zeros(16000)})


@pytest.mark.parametrize("flag", ["--caller-device", "--agent-device"])
def test_unknown_device_name(one_device, flag):
    user_error(voiceassist("live", flag, "nosuch", "--engine", "whisper", env=one_device), "'nosuch'", "callerline")


@pytest.mark.parametrize("index", ["999", "-1"])
def test_device_index_out_of_range(one_device, index):
    user_error(voiceassist("live", "--caller-device", index, "--engine", "whisper", env=one_device),
               f"'{index}'", "callerline")


def test_no_input_devices_at_all(tmp_path):
    user_error(voiceassist("live", "--engine", "whisper", env={"HOME": str(tmp_path)}), "no input device", "voiceassist devices")


# ----------------------------------------------------------------------------- events files


def run_events(tmp_path, text: str | bytes, name: str = "call.jsonl"):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return voiceassist("analyze", path, "--events", "-")


def test_events_file_not_json(tmp_path):
    user_error(run_events(tmp_path, STARTED + "\nnot json at all\n"), "call.jsonl:2", "not a JSON event line")


def test_events_file_binary(tmp_path):
    user_error(run_events(tmp_path, b"\x00\xff\xfe\x89PNG\r\n"), "call.jsonl:1")


def test_events_file_bad_event(tmp_path):
    line = '{"t": -3, "type": "transcript.final", "speaker": "caller", "text": 5, "start": 0, "end": 1, "words": []}'
    user_error(run_events(tmp_path, STARTED + "\n" + line + "\n"), "call.jsonl:2")


def test_events_file_unknown_type(tmp_path):
    user_error(run_events(tmp_path, STARTED + '\n{"t": 1, "type": "call.exploded"}\n'), "call.jsonl:2", "'type' in call.started")


def test_events_file_empty(tmp_path):
    user_error(run_events(tmp_path, ""), "call.jsonl", "no events")


def test_events_file_blank_lines_only(tmp_path):
    user_error(run_events(tmp_path, "\n\n  \n"), "call.jsonl", "no events")


def test_events_file_missing(tmp_path):
    user_error(voiceassist("analyze", tmp_path / "gone.jsonl"), "gone.jsonl")


def test_events_file_with_a_cut_last_line_is_an_error_naming_the_line(tmp_path):
    """What a killed run leaves: whole lines, then maybe part of one. Named, not guessed at."""
    user_error(run_events(tmp_path, STARTED + "\n" + SAID + "\n" + SAID[:30]), "call.jsonl:3")


def test_events_file_good(tmp_path):
    evs = ok_events(run_events(tmp_path, STARTED + "\n" + SAID + "\n"))
    assert evs[-1]["summary"]["topics"] == ["late_delivery"]


# ------------------------------------------------------------------------- where events go


def test_events_into_a_missing_folder(tmp_path, mono_wav):
    result = voiceassist("analyze", mono_wav, "--events", tmp_path / "no" / "such" / "events.jsonl")
    user_error(result, "events.jsonl", "No such file or directory")


def test_events_into_a_folder(tmp_path, mono_wav):
    user_error(voiceassist("analyze", mono_wav, "--events", tmp_path), str(tmp_path), "Is a directory")


def test_events_into_a_read_only_place(mono_wav):
    """/proc refuses new files even to root (chmod would not)."""
    user_error(voiceassist("analyze", mono_wav, "--events", "/proc/voiceassist-events.jsonl"), "/proc/voiceassist-events.jsonl")


def test_events_onto_a_full_disk(mono_wav):
    """/dev/full takes the open and fails every write (ENOSPC), as a full disk does mid-call."""
    user_error(voiceassist("analyze", mono_wav, "--events", "/dev/full"), "/dev/full", "No space left on device")


# ----------------------------------------------------------------------- language and engine


@pytest.mark.parametrize("language", ["xx", "english", "EN", ""])
def test_bad_language(mono_wav, language):
    result = voiceassist("analyze", mono_wav, "--language", language)
    user_error(result, "asr.language", "'en', 'tr', 'ru', 'ar', 'hr'")


def test_unknown_engine(mono_wav):
    user_error(voiceassist("analyze", mono_wav, "--engine", "google"), "--engine", "'google'", "auto")


def test_unknown_command():
    user_error(voiceassist("transcribe", "x.wav"), "transcribe", "analyze")


def test_caller_channel_beyond_a_mono_file(mono_wav):
    user_error(voiceassist("analyze", mono_wav, "--caller-channel", "1"), "mono.wav", "valid: 0")
