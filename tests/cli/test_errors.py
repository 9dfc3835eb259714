"""User mistakes end in exit code 2 and one line that names the problem; never a traceback.

These run the real command (`python -m voiceassist`) in a subprocess, as a user would.
"""

import json

import numpy as np
import pytest
import soundfile as sf
from clitools import user_error, voiceassist


@pytest.fixture
def mono_wav(tmp_path):
    path = tmp_path / "mono.wav"
    t = np.arange(16000) / 16000
    sf.write(path, 0.1 * np.sin(2 * np.pi * 440 * t), 16000, subtype="PCM_16")
    return path


def test_missing_file(tmp_path):
    user_error(voiceassist("analyze", tmp_path / "nope.wav"), "nope.wav")


def test_empty_file(tmp_path):
    (tmp_path / "empty.wav").write_bytes(b"")
    user_error(voiceassist("analyze", tmp_path / "empty.wav"), "empty.wav")


def test_text_file_named_wav(tmp_path):
    (tmp_path / "notes.wav").write_text("call notes, not audio\n")
    user_error(voiceassist("analyze", tmp_path / "notes.wav"), "notes.wav")


def test_directory_as_recording(tmp_path):
    user_error(voiceassist("analyze", tmp_path), str(tmp_path))


def test_truncated_wav_header(tmp_path, mono_wav):
    (tmp_path / "cut.wav").write_bytes(mono_wav.read_bytes()[:30])
    user_error(voiceassist("analyze", tmp_path / "cut.wav"), "cut.wav")


def test_caller_channel_beyond_a_mono_file(mono_wav):
    user_error(voiceassist("analyze", mono_wav, "--caller-channel", "1"), "mono.wav", "0")


def test_bad_flag_value_is_a_usage_error(mono_wav):
    result = voiceassist("analyze", mono_wav, "--caller-channel", "2")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "invalid choice" in result.stderr


def test_no_model_installed_says_how_to_install(tmp_path, mono_wav):
    result = voiceassist("analyze", mono_wav, env={"VOICEASSIST_MODELS_DIR": str(tmp_path / "models")})
    user_error(result, "voiceassist models install")


def test_missing_vosk_model_for_language(tmp_path, mono_wav):
    result = voiceassist(
        "analyze", mono_wav, "--engine", "vosk", "--language", "hr",
        env={"VOICEASSIST_MODELS_DIR": str(tmp_path / "models")},
    )
    user_error(result, "hr", "voiceassist models install")


def test_corrupt_whisper_model(tmp_path, mono_wav):
    models = tmp_path / "models"
    broken = models / "whisper-broken"
    broken.mkdir(parents=True)
    (broken / "voiceassist-model.json").write_text(
        json.dumps({"name": "whisper-broken", "engine": "whisper", "language": "multi", "source": "test",
                    "installed_at": "2026-01-01T00:00:00", "size_bytes": 10})
    )
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        (broken / name).write_text("{}")
    (broken / "model.bin").write_bytes(b"\0" * 1000)
    result = voiceassist("analyze", mono_wav, "--engine", "whisper", env={"VOICEASSIST_MODELS_DIR": str(models)})
    user_error(result, "whisper-broken")


def test_unknown_device():
    user_error(voiceassist("live", "--caller-device", "no-such-device-xyz"), "no-such-device-xyz")


def test_bad_config(tmp_path, mono_wav):
    team = tmp_path / "team.toml"
    team.write_text("[asr]\nengine = 'google'\n")
    user_error(voiceassist("analyze", mono_wav, "--config", team), "team.toml", "asr.engine")


def test_bad_events_file(tmp_path):
    events = tmp_path / "call.jsonl"
    events.write_text('{"t": 0, "type": "call.started", "language": "en", "engine": "whisper", "model": "m", "sample_rate_in": 8000, "channels": 2}\nnot json\n')
    user_error(voiceassist("analyze", events), "call.jsonl:2")


def test_models_install_from_nowhere(tmp_path):
    result = voiceassist(
        "models", "install", tmp_path / "no-model-here", env={"VOICEASSIST_MODELS_DIR": str(tmp_path / "m")}
    )
    user_error(result, "no-model-here")


@pytest.mark.parametrize(
    "line, needle",
    [
        ('{"t": 0, "type": "call.started"}', "needs 'language'"),
        ('{"t": "zero", "type": "call.ended", "duration": 1, "summary": {}}', "numeric 't'"),
        ('{"t": 1, "type": "transcript.final", "speaker": "boss", "text": "hi", "start": 0, "end": 1, "words": []}', "'speaker'"),
        ('[1, 2, 3]', "expected an event object"),
    ],
)
def test_events_that_break_the_contract(tmp_path, line, needle):
    events = tmp_path / "call.jsonl"
    events.write_text(line + "\n")
    user_error(voiceassist("analyze", events), "call.jsonl:1", needle)
