"""Config: layering over the defaults, and errors that name the file, key, value and range."""

import pytest
from pydantic import BaseModel

from voiceassist.config import DEFAULT_PATH, load_config
from voiceassist.errors import ConfigError


def write_bytes(path, data):
    path.write_bytes(data)
    return path


def write(tmp_path, text, name="team.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_load_and_are_frozen():
    cfg = load_config()
    assert cfg.asr.engine == "auto" and cfg.audio.caller_channel == 0
    with pytest.raises(Exception):
        cfg.asr.engine = "vosk"


def test_team_file_overrides_only_its_keys(tmp_path):
    cfg = load_config(write(tmp_path, "[asr]\nlanguage = 'ru'\n[asr.whisper]\nbeam_size = 3\n"))
    assert cfg.asr.language == "ru"
    assert cfg.asr.whisper.beam_size == 3
    assert cfg.asr.whisper.compute_type == load_config().asr.whisper.compute_type


def test_command_line_overrides_win_over_the_team_file(tmp_path):
    cfg = load_config(write(tmp_path, "[asr]\nlanguage = 'ru'\n"), {"asr.language": "tr"})
    assert cfg.asr.language == "tr"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("[asr.whisper]\nbeam_size = 0\n", "asr.whisper.beam_size = 0 in {f}: must be between 1 and 10"),
        ("[asr]\nengine = 'google'\n", "asr.engine = 'google' in {f}: must be one of 'auto', 'vosk', 'whisper'"),
        ("[asr]\nlanguage = 'de'\n", "asr.language = 'de' in {f}: must be one of 'en', 'tr', 'ru', 'ar', 'hr'"),
        ("[audio]\ncaller_channel = 'left'\n", "audio.caller_channel = 'left' in {f}: must be a whole number between 0 and 1"),
        ("[asr]\nlanguge = 'en'\n", "unknown key asr.languge in {f} (did you mean asr.language?); valid keys in [asr]:"),
        ("[sound]\nx = 1\n", "unknown section [sound] in {f}; valid sections: audio, asr, monitor"),
        ("[audio]\ndevice_wait_s = -1\n", "audio.device_wait_s = -1 in {f}: must be between 0"),
    ],
)
def test_bad_values_name_file_key_value_and_range(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as e:
        load_config(path)
    assert str(e.value).startswith(expected.format(f=path))
    assert "\n" not in str(e.value)


def test_bad_command_line_value_says_so():
    with pytest.raises(ConfigError, match="asr.language = 'xx' in command line"):
        load_config(None, {"asr.language": "xx"})


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda d: d / "missing.toml", "config file not found"),
        (lambda d: d, "is a directory"),
        (lambda d: write(d, "[asr\nengine=", "broken.toml"), "invalid TOML"),
        (lambda d: write_bytes(d / "latin1.toml", b"# caf\xe9\n"), "not UTF-8"),
    ],
)
def test_unreadable_config_files(tmp_path, make, expected):
    with pytest.raises(ConfigError, match=expected):
        load_config(make(tmp_path))


def test_default_file_documents_every_key():
    """Supervisors read default.toml to tune: every key is there (optional ones may be absent)."""
    text = DEFAULT_PATH.read_text(encoding="utf-8")

    def leaves(section, prefix=""):
        for key in type(section).model_fields:
            value = getattr(section, key)
            if isinstance(value, BaseModel):
                yield from leaves(value, f"{prefix}{key}.")
            elif value is not None:
                yield prefix, key

    for prefix, key in leaves(load_config()):
        assert f"\n{key} =" in text, prefix + key


def test_device_wait_takes_whole_seconds_and_zero(tmp_path):
    assert load_config(write(tmp_path, "[audio]\ndevice_wait_s = 0\n")).audio.device_wait_s == 0
    assert load_config(write(tmp_path, "[audio]\ndevice_wait_s = 30\n")).audio.device_wait_s == 30
