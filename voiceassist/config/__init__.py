"""Configuration: TOML files layered over ``default.toml``, validated into frozen models.

``load_config(path)`` reads the packaged ``default.toml``, lays the optional team file over it
(only the keys that differ need to be there), and validates the result as a whole. A bad key
or value is a ``ConfigError`` naming the file, the key, the value given and what is valid:

    monitor.rate.max_sps = -2 in team.toml: must be between 2 and 9
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, Literal

import annotated_types
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from voiceassist.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["Config", "load_config", "DEFAULT_PATH", "LANGUAGES"]

DEFAULT_PATH = Path(__file__).with_name("default.toml")
LANGUAGES = ("en", "tr", "ru", "ar", "hr")


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class AudioConfig(_Section):
    caller_channel: int = Field(0, ge=0, le=1)
    vad_aggressiveness: int = Field(2, ge=0, le=3)
    device_wait_s: float = Field(300.0, ge=0.0, le=86400.0)


class WhisperConfig(_Section):
    model: str = ""
    compute_type: Literal["int8", "int8_float32", "float32"] = "int8"
    cpu_threads: int = Field(2, ge=1, le=64)
    beam_size: int = Field(1, ge=1, le=10)
    interim_s: float = Field(1.5, ge=0.0, le=30.0)
    max_utterance_s: float = Field(20.0, ge=2.0, le=29.0)


class VoskConfig(_Section):
    model: str = ""


class AsrConfig(_Section):
    engine: Literal["auto", "vosk", "whisper"] = "auto"
    language: Literal["en", "tr", "ru", "ar", "hr"] = "en"
    models_dir: str = ""
    endpoint_silence_ms: int = Field(500, ge=100, le=3000)
    min_speech_ms: int = Field(200, ge=20, le=2000)
    whisper: WhisperConfig = WhisperConfig()
    vosk: VoskConfig = VoskConfig()


class LoudnessMonitorConfig(_Section):
    window_s: float = Field(1.5, ge=0.4, le=3.0)
    raise_db: float = Field(6.0, ge=1.0, le=20.0)
    hysteresis_db: float = Field(3.0, ge=0.5, le=10.0)
    hold_s: float = Field(0.5, ge=0.0, le=10.0)
    clear_hold_s: float = Field(1.0, ge=0.0, le=30.0)
    min_show_s: float = Field(4.0, ge=0.0, le=60.0)
    cooldown_s: float = Field(20.0, ge=0.0, le=600.0)
    baseline_s: float = Field(20.0, ge=3.0, le=300.0)
    baseline_lufs: float | None = Field(None, ge=-70.0, le=0.0)
    caller_rise_db: float = Field(3.0, ge=0.5, le=20.0)
    mirror_db: float = Field(3.0, ge=0.0, le=10.0)


class RateMonitorConfig(_Section):
    window_s: float = Field(5.0, ge=2.0, le=30.0)
    max_sps: float = Field(5.5, ge=2.0, le=9.0)
    max_sps_by_language: dict[Literal["en", "tr", "ru", "ar", "hr"], Annotated[float, Field(ge=2.0, le=9.0)]] = {}
    relative_max: float = Field(1.4, ge=1.1, le=3.0)
    min_sps: float = Field(4.5, ge=2.0, le=9.0)
    hysteresis_sps: float = Field(0.5, ge=0.1, le=3.0)
    hold_s: float = Field(1.0, ge=0.0, le=10.0)
    clear_hold_s: float = Field(2.0, ge=0.0, le=30.0)
    min_show_s: float = Field(4.0, ge=0.0, le=60.0)
    cooldown_s: float = Field(20.0, ge=0.0, le=600.0)
    mirror_sps: float = Field(0.5, ge=0.0, le=3.0)


class OvertalkConfig(_Section):
    min_caller_speech_s: float = Field(1.0, ge=0.0, le=10.0)
    backchannel_max_s: float = Field(0.8, ge=0.2, le=3.0)
    count: int = Field(3, ge=1, le=20)
    window_s: float = Field(60.0, ge=5.0, le=600.0)
    min_show_s: float = Field(6.0, ge=0.0, le=60.0)
    cooldown_s: float = Field(60.0, ge=0.0, le=600.0)


class AcknowledgeConfig(_Section):
    monologue_s: float = Field(30.0, ge=5.0, le=300.0)
    min_show_s: float = Field(4.0, ge=0.0, le=60.0)
    cooldown_s: float = Field(30.0, ge=0.0, le=600.0)


class MonitorConfig(_Section):
    loudness: LoudnessMonitorConfig = LoudnessMonitorConfig()
    rate: RateMonitorConfig = RateMonitorConfig()
    overtalk: OvertalkConfig = OvertalkConfig()
    acknowledge: AcknowledgeConfig = AcknowledgeConfig()


class TriggersConfig(_Section):
    fuzzy_min: float = Field(85.0, ge=50.0, le=100.0)
    min_show_s: float = Field(8.0, ge=0.0, le=60.0)
    cooldown_s: float = Field(30.0, ge=0.0, le=600.0)
    bare_sorry_count: int = Field(2, ge=1, le=10)
    bare_sorry_window_s: float = Field(120.0, ge=10.0, le=1800.0)
    bare_sorry_max_words: int = Field(6, ge=1, le=20)
    agitation_for_questions: int = Field(2, ge=1, le=10)


class EscalationConfig(_Section):
    loud_db: float = Field(6.0, ge=1.0, le=20.0)
    voice: float = Field(0.5, ge=0.0, le=1.0)
    insult: float = Field(0.5, ge=0.0, le=1.0)
    anger: float = Field(0.3, ge=0.0, le=1.0)
    complaint: float = Field(0.15, ge=0.0, le=1.0)
    half_life_s: float = Field(30.0, ge=5.0, le=600.0)
    high: float = Field(0.6, ge=0.1, le=1.0)
    pause_after_s: float = Field(45.0, ge=5.0, le=1800.0)
    supervisor_after_s: float = Field(90.0, ge=5.0, le=3600.0)
    goodwill_after_s: float = Field(600.0, ge=60.0, le=7200.0)
    reminder_after_s: float = Field(20.0, ge=0.0, le=600.0)


class UiConfig(_Section):
    port: int = Field(8765, ge=0, le=65535)
    refresh_per_second: float = Field(10.0, ge=1.0, le=30.0)
    cue: bool = False
    cue_volume: float = Field(0.3, ge=0.05, le=1.0)
    cue_interval_s: float = Field(20.0, ge=2.0, le=600.0)
    cue_device: str = ""


class Config(_Section):
    audio: AudioConfig = AudioConfig()
    asr: AsrConfig = AsrConfig()
    monitor: MonitorConfig = MonitorConfig()
    triggers: TriggersConfig = TriggersConfig()
    escalation: EscalationConfig = EscalationConfig()
    ui: UiConfig = UiConfig()


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, expected a TOML config file") from None
    except PermissionError:
        raise ConfigError(f"{path}: permission denied") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text, expected a TOML config file") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: invalid TOML: {e}") from None


def _layer(base: dict[str, Any], top: dict[str, Any], source: str, origin: dict[str, str], prefix: str = "") -> None:
    """Merge ``top`` into ``base`` in place, recording which file each leaf key came from."""
    for key, value in top.items():
        dotted = f"{prefix}{key}"
        if isinstance(base.get(key), dict) and not isinstance(value, dict):
            raise ConfigError(f"{dotted} = {_shown(value)} in {source}: must be a table, [{dotted}]")
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _layer(base[key], value, source, origin, dotted + ".")
        else:
            base[key] = value
            origin[dotted] = source


def _shown(value: Any) -> str:
    """A value as an error line quotes it: cut short, so a megabyte of junk stays one line."""
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:50]}… ({len(text)} characters)"


def _field_info(model: type[BaseModel], loc: tuple[Any, ...]):
    for i, part in enumerate(loc):
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return model, None
        field = model.model_fields.get(part)
        if field is None:
            return model, None
        if i == len(loc) - 1:
            return model, field
        model = field.annotation
    return model, None


def _valid_values(field) -> str:
    lo = hi = None
    for m in field.metadata:
        if isinstance(m, annotated_types.Ge):
            lo = m.ge
        elif isinstance(m, annotated_types.Le):
            hi = m.le
    if lo is not None and hi is not None:
        return f"must be between {lo} and {hi}"
    ann = field.annotation
    if getattr(ann, "__origin__", None) is Literal:
        return "must be one of " + ", ".join(repr(a) for a in ann.__args__)
    return f"must be of type {getattr(ann, '__name__', ann)}"


def _explain(err: dict[str, Any], origin: dict[str, str]) -> str:
    loc = tuple(p for p in err["loc"] if not str(p).startswith("["))  # pydantic's "[key]" markers
    key = ".".join(str(p) for p in loc)
    source = origin.get(key) or next(
        (origin[k] for k in origin if k.startswith(key + ".")), str(DEFAULT_PATH)
    )
    model, field = _field_info(Config, loc)
    if err["type"] == "extra_forbidden":
        valid = ", ".join(model.model_fields)
        section = ".".join(str(p) for p in loc[:-1]) or "top level"
        return f"unknown key {key} in {source}; valid keys in [{section}]: {valid}"
    if field is None:
        return f"{key} = {_shown(err.get('input'))} in {source}: {err['msg'][0].lower()}{err['msg'][1:]}"
    return f"{key} = {_shown(err.get('input'))} in {source}: {_valid_values(field)}"


def load_config(path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> Config:
    """The effective config: ``default.toml``, then ``path`` (if any), then ``overrides``.

    ``overrides`` maps dotted keys to values (from command-line flags such as ``--language``).
    """
    data = _read_toml(DEFAULT_PATH)
    origin: dict[str, str] = {}
    if path is not None:
        _layer(data, _read_toml(Path(path)), str(path), origin)
    for dotted, value in (overrides or {}).items():
        *parents, leaf = dotted.split(".")
        node = data
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = value
        origin[dotted] = "command line"
    try:
        return Config.model_validate(data)
    except ValidationError as e:
        raise ConfigError(_explain(e.errors()[0], origin)) from None
