"""Configuration: TOML files layered over ``default.toml``, validated into frozen models.

``load_config(path)`` reads the packaged ``default.toml``, lays the optional team file over it
(only the keys that differ need to be there), and validates the result as a whole. A bad key
or value is a ``ConfigError`` naming the file, the key, the value given and what is valid:

    monitor.rate.max_sps = -2 in team.toml: must be between 2 and 9
"""

from __future__ import annotations

import difflib
import sys
from importlib import resources
from pathlib import Path
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from voiceassist.config.sections import (
    AcknowledgeConfig, AsrConfig, AudioConfig, CacheConfig, CheckInConfig, Config, DeadAirConfig, EscalationConfig, FloorConfig, LoudnessMonitorConfig,
    MonitorConfig, OvertalkConfig, PrivacyConfig, RateMonitorConfig, ReportConfig, StoreConfig, TriggersConfig, UiConfig,
    VoskConfig, WhisperConfig,
)
from voiceassist.errors import ConfigError
from voiceassist.languages import LANGUAGES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "Config", "load_config", "load_config_with_origin", "DEFAULTS_DIR", "DEFAULT_PATH", "read_toml", "did_you_mean",
    "shown", "ANALYSIS_KEYS", "value_of", "analysis_changes",
    # the sections, for code that takes one of them
    "AcknowledgeConfig", "AsrConfig", "AudioConfig", "CacheConfig", "CheckInConfig", "DeadAirConfig", "EscalationConfig", "FloorConfig", "LoudnessMonitorConfig",
    "MonitorConfig", "OvertalkConfig", "PrivacyConfig", "RateMonitorConfig", "ReportConfig", "StoreConfig", "TriggersConfig",
    "UiConfig", "VoskConfig", "WhisperConfig",
]

# The shipped settings: the checkout's top-level config/, installed as package data.
DEFAULTS_DIR = Path(str(resources.files("voiceassist.defaults")))
DEFAULT_PATH = DEFAULTS_DIR / "default.toml"


# Config keys the analysis depends on besides the recogniser and model it used (which name the
# entry). Changing one needs the audio again; the other keys only change what the rules make
# of the analysis.
ANALYSIS_KEYS = (
    "audio.caller_channel",
    "audio.vad_aggressiveness",
    "asr.language",
    "asr.endpoint_silence_ms",
    "asr.min_speech_ms",
    "asr.whisper",
    "asr.vosk",
    "monitor.loudness.window_s",
    "monitor.loudness.baseline_s",
    "monitor.loudness.baseline_lufs",
    "monitor.rate.window_s",
)


def value_of(cfg: Config, dotted: str) -> Any:
    """The value of a dotted key (a section as a dict)."""
    node: Any = cfg
    for part in dotted.split("."):
        node = getattr(node, part)
    return node.model_dump() if hasattr(node, "model_dump") else node


def analysis_changes(before: Config, after: Config) -> list[str]:
    """The keys, of those the analysis depends on (with the recogniser's choice), whose
    values differ: what a new config cannot change without the audio again."""
    return [k for k in (*ANALYSIS_KEYS, "asr.engine") if value_of(before, k) != value_of(after, k)]


# default.toml is 8 kB; a file this big is the wrong file (a recording, a log), not settings.
_MAX_TOML_BYTES = 16_000_000


def read_toml(path: Path) -> dict[str, Any]:
    try:
        if path.is_file() and (size := path.stat().st_size) > _MAX_TOML_BYTES:
            raise ConfigError(f"{path}: {size / 1e6:.0f} MB, too big for a settings file (at most {_MAX_TOML_BYTES // 1_000_000} MB)")
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
            raise ConfigError(f"{_cut(dotted)} = {shown(value)} in {source}: must be a table, [{_cut(dotted)}]")
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _layer(base[key], value, source, origin, dotted + ".")
        else:
            base[key] = value
            origin[dotted] = source


def _cut(text: str) -> str:
    """Cut short, so a megabyte of junk stays one line."""
    return text if len(text) <= 60 else f"{text[:50]}… ({len(text)} characters)"


def shown(value: Any) -> str:
    """A value as an error line quotes it."""
    return _cut(repr(value))


def _field_info(loc: tuple[Any, ...]) -> tuple[Any, FieldInfo | None]:
    """The section model holding the key at ``loc``, and the key's field (for a member of a
    table such as ``max_sps_by_language.ru``, a field made from the table's value type)."""
    model: Any = Config
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(model, type) and issubclass(model, BaseModel):
            field = model.model_fields.get(part)
            if field is None or last:
                return model, field
            model = field.annotation
        elif get_origin(model) is dict and last:
            return model, FieldInfo.from_annotation(get_args(model)[1])
        else:
            break
    return model, None


def _choices(ann: Any) -> tuple[Any, ...]:
    return get_args(ann) if get_origin(ann) is Literal else ()


def did_you_mean(given: Any, valid: Any, prefix: str = "") -> str:
    """" (did you mean X?)" for a near miss (a typo) of one of ``valid``, else ""."""
    if not isinstance(given, str):
        return ""
    match = difflib.get_close_matches(given, [str(v) for v in valid], n=1, cutoff=0.6)
    return f" (did you mean {prefix}{match[0]}?)" if match else ""


def _valid_values(field: FieldInfo, err: dict[str, Any]) -> str:
    """What the key takes, as the end of an error line: "must be ..."."""
    ann = field.annotation
    if get_origin(ann) in (Union, UnionType):  # optional keys: float | None
        ann = next(a for a in get_args(ann) if a is not type(None))
    given = err.get("input")
    if choices := _choices(ann):
        return "must be one of " + ", ".join(repr(a) for a in choices) + did_you_mean(given, choices)
    bounds = {type(m): m for m in field.metadata if isinstance(m, (annotated_types.Ge, annotated_types.Le))}
    if annotated_types.Ge in bounds and annotated_types.Le in bounds:
        between = f"between {bounds[annotated_types.Ge].ge} and {bounds[annotated_types.Le].le}"
        if err["type"] in ("greater_than_equal", "less_than_equal"):
            return f"must be {between}"
        kind = "a whole number" if ann is int else "a number"
        return f"must be {kind} {between}" + (" (true/false is not a number)" if isinstance(given, bool) else "")
    if get_origin(ann) is dict:
        keys = _choices(get_args(ann)[0])
        return "must be a table, e.g. { " + f"{keys[0] if keys else 'key'} = ... " + "}"
    if ann is bool:
        return "must be true or false"
    if ann is str:
        return 'must be a string, in quotes ("" for none)'
    return f"must be of type {getattr(ann, '__name__', ann)}"


def _source(key: str, origin: dict[str, str]) -> str:
    """Where the value at ``key`` was set: the key itself, a key inside it (a section), or a
    key holding it (a whole table given on the command line)."""
    if key in origin:
        return origin[key]
    inside = next((origin[k] for k in origin if k.startswith(key + ".")), None)
    holding = next((origin[k] for k in origin if key.startswith(k + ".")), None)
    return inside or holding or str(DEFAULT_PATH)


def _explain(err: dict[str, Any], origin: dict[str, str]) -> str:
    is_dict_key = "[key]" in err["loc"]  # pydantic's marker of a bad key in a table
    loc = tuple(p for p in err["loc"] if not str(p).startswith("["))
    key = _cut(".".join(str(p) for p in loc))
    source = _source(".".join(str(p) for p in loc), origin)
    model, field = _field_info(loc)
    if is_dict_key:
        table, keys = ".".join(str(p) for p in loc[:-1]), _choices(get_args(model)[0])
        return (f"{table} has key {shown(loc[-1])} in {source}{did_you_mean(loc[-1], keys)}: "
                f"its keys must be " + ", ".join(keys))
    if err["type"] == "extra_forbidden":
        section = ".".join(str(p) for p in loc[:-1])
        suggestion = did_you_mean(str(loc[-1]), model.model_fields, section + "." if section else "")
        sections = all(isinstance(f.annotation, type) and issubclass(f.annotation, BaseModel) for f in model.model_fields.values())
        what, where = "sections" if sections else "keys", f" in [{section}]" if section else ""
        unknown = f"section [{key}]" if isinstance(err.get("input"), dict) else f"key {key}"
        return f"unknown {unknown} in {source}{suggestion}; valid {what}{where}: " + ", ".join(model.model_fields)
    if field is None:
        return f"{key} = {shown(err.get('input'))} in {source}: {err['msg'][0].lower()}{err['msg'][1:]}"
    return f"{key} = {shown(err.get('input'))} in {source}: {_valid_values(field, err)}"


def _check_phrasebooks_dir(cfg: Config, origin: dict[str, str]) -> None:
    """A team's phrasebook folder exists and holds only phrasebooks named by language. Their
    contents are checked when a call loads them (or by ``voiceassist config check``)."""
    value = cfg.triggers.phrasebooks_dir
    if not value:
        return
    folder, source = Path(value).expanduser(), origin.get("triggers.phrasebooks_dir", str(DEFAULT_PATH))
    names = ", ".join(f"{lang}.toml" for lang in LANGUAGES)
    head = f"triggers.phrasebooks_dir = {shown(value)} in {source}"
    if not folder.is_dir():
        raise ConfigError(f"{head}: no such folder; must be a folder holding some of {names} (\"\" for the packaged ones)")
    found = sorted(folder.glob("*.toml"))
    for path in found:
        if path.stem not in LANGUAGES:
            raise ConfigError(f"{path}: not a phrasebook name ({head}); a phrasebook is named after its language: {names}")
    if not found:
        raise ConfigError(f"{head}: the folder holds no phrasebook; expected some of {names}")


def load_config_with_origin(
    path: str | Path | None = None, overrides: dict[str, Any] | None = None
) -> tuple[Config, dict[str, str]]:
    """``load_config``, and where each key that is not a default came from: dotted key (a
    table's member too: ``monitor.rate.max_sps_by_language.ru``) to the team file's path as
    given, or ``"command line"``. Keys not in it come from ``default.toml``."""
    data = read_toml(DEFAULT_PATH)
    origin: dict[str, str] = {}
    if path is not None:
        _layer(data, read_toml(Path(path)), str(path), origin)
    for dotted, value in (overrides or {}).items():
        *parents, leaf = dotted.split(".")
        node = data
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = value
        origin[dotted] = "command line"
    try:
        cfg = Config.model_validate(data)
    except ValidationError as e:
        errors = e.errors()
        more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
        raise ConfigError(_explain(errors[0], origin) + more) from None
    _check_phrasebooks_dir(cfg, origin)
    return cfg, origin


def load_config(path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> Config:
    """The effective config: ``default.toml``, then ``path`` (if any), then ``overrides``.

    ``overrides`` maps dotted keys to values (from command-line flags such as ``--language``).
    """
    return load_config_with_origin(path, overrides)[0]
