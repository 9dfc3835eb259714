"""Every key of every section, generated from the config models (a new key is covered without
touching this file): a valid value other than the default loads and is recorded as the team
file's; invalid values (out of range, wrong type, a list, a typo in the key's name) are one-line
errors naming the key, the file, the value given and what is valid."""

from __future__ import annotations

import shutil
import tomllib
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin

import annotated_types
import pytest
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from voiceassist.config import Config, load_config, load_config_with_origin
from voiceassist.config.tools import SECRETS, as_toml, settings, toml_value
from voiceassist.errors import ConfigError
from voiceassist.rules.phrasebook import PHRASEBOOK_DIR


def leaves(model: type[BaseModel] = Config, prefix: str = ""):
    for name, field in model.model_fields.items():
        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
            yield from leaves(field.annotation, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", field


LEAVES = dict(leaves())


def base_type(field: FieldInfo) -> Any:
    ann = field.annotation
    if get_origin(ann) in (Union, UnionType):
        ann = next(a for a in get_args(ann) if a is not type(None))
    return ann


def bounds(field: FieldInfo) -> tuple[Any, Any] | None:
    lo = next((m.ge for m in field.metadata if isinstance(m, annotated_types.Ge)), None)
    hi = next((m.le for m in field.metadata if isinstance(m, annotated_types.Le)), None)
    return (lo, hi) if lo is not None and hi is not None else None


def effective(cfg: Config, dotted: str) -> Any:
    value: Any = cfg
    for part in dotted.split("."):
        value = getattr(value, part)
    return value


def default(dotted: str) -> Any:
    return effective(load_config(), dotted)


def team_file(tmp_path, dotted: str, value: Any, name: str = "team.toml"):
    section, key = dotted.rsplit(".", 1)
    path = tmp_path / name
    path.write_text(f"[{section}]\n{key} = {toml_value(value)}\n", encoding="utf-8")
    return path


def other_value(dotted: str, field: FieldInfo, tmp_path) -> Any:
    """A valid value that is not the default."""
    ann, old = base_type(field), default(dotted)
    if dotted == "triggers.phrasebooks_dir":  # checked at load: a real folder of phrasebooks
        (tmp_path / "books").mkdir()
        shutil.copy(PHRASEBOOK_DIR / "tr.toml", tmp_path / "books" / "tr.toml")
        return str(tmp_path / "books")
    if get_origin(ann) is Literal:
        return next(c for c in get_args(ann) if c != old)
    if get_origin(ann) is dict:
        language = next(c for c in get_args(get_args(ann)[0]) if c not in old)
        lo, hi = bounds(FieldInfo.from_annotation(get_args(ann)[1]))
        return {language: (lo + hi) / 2}
    if ann is bool:
        return not old
    if ann is str:
        return "team-choice"
    lo, hi = bounds(field)
    middle = (lo + hi) // 2 if ann is int else (lo + hi) / 2
    return next(v for v in (middle, lo, hi) if v != old)


@pytest.mark.parametrize("dotted", LEAVES)
def test_every_key_takes_a_valid_value_from_a_team_file(tmp_path, dotted):
    value = other_value(dotted, LEAVES[dotted], tmp_path)
    path = team_file(tmp_path, dotted, value)
    cfg, origin = load_config_with_origin(path)
    got = effective(cfg, dotted)
    if isinstance(value, dict):  # a table is layered member by member over the default's
        assert got == {**default(dotted), **value}
        assert all(origin[f"{dotted}.{k}"] == str(path) for k in value)
    else:
        assert got == value != default(dotted)
        assert origin == {dotted: str(path)}
    # and config show says where it came from
    row = next(r for r in settings(cfg, origin) if r.dotted.startswith(dotted) and r.source == str(path))
    assert row.value == (value[row.key] if isinstance(value, dict) else "(set)" if dotted in SECRETS else value)


def invalid_cases() -> list[tuple[str, Any, str]]:
    """(key, value given, what the error must say is valid) for every key."""
    cases = []
    for dotted, field in LEAVES.items():
        ann = base_type(field)
        cases.append((dotted, [1, 2], "must be"))  # a list where a value belongs
        if get_origin(ann) is Literal:
            choices = ", ".join(repr(c) for c in get_args(ann))
            cases += [(dotted, "nope", f"must be one of {choices}"), (dotted, 1, f"must be one of {choices}")]
        elif get_origin(ann) is dict:
            keys = get_args(get_args(ann)[0])
            lo, hi = bounds(FieldInfo.from_annotation(get_args(ann)[1]))
            cases += [(dotted, {"xx": lo}, "its keys must be " + ", ".join(keys)),
                      (dotted, {keys[0]: hi + 1}, f"must be between {lo} and {hi}"),
                      (dotted, {keys[0]: "fast"}, f"must be a number between {lo} and {hi}")]
        elif ann is bool:
            cases += [(dotted, "yes", "must be true or false"), (dotted, 1, "must be true or false")]
        elif ann is str:
            cases += [(dotted, 5, 'must be a string, in quotes ("" for none)'), (dotted, {"a": "b"}, "must be a string")]
        else:
            lo, hi = bounds(field)
            kind = "a whole number" if ann is int else "a number"
            cases += [
                (dotted, hi + 1, f"must be between {lo} and {hi}"),
                (dotted, lo - 1, f"must be between {lo} and {hi}"),
                (dotted, str(lo), f"must be {kind} between {lo} and {hi}"),
                (dotted, True, f"must be {kind} between {lo} and {hi} (true/false is not a number)"),
                (dotted, {"a": 1}, f"must be {kind} between {lo} and {hi}"),
            ]
            if ann is int:
                cases.append((dotted, lo + 0.5, f"must be a whole number between {lo} and {hi}"))
    return cases


@pytest.mark.parametrize("dotted, value, valid", invalid_cases(), ids=lambda x: repr(x)[:40])
def test_every_key_refuses_invalid_values_naming_key_file_value_and_what_is_valid(tmp_path, dotted, value, valid):
    path = team_file(tmp_path, dotted, value)
    with pytest.raises(ConfigError) as e:
        load_config(path)
    message = str(e.value)
    assert "\n" not in message
    if isinstance(value, dict) and "xx" in value:
        assert message == f"{dotted} has key 'xx' in {path}: {valid}"
    elif isinstance(value, dict) and isinstance(default(dotted), dict):
        member, given = next(iter(value.items()))
        assert message == f"{dotted}.{member} = {given!r} in {path}: {valid}"
    else:
        assert message.startswith(f"{dotted} = {value!r} in {path}: {valid}"), message


@pytest.mark.parametrize("dotted", LEAVES)
def test_a_misspelt_key_is_unknown_with_the_key_suggested(tmp_path, dotted):
    section, key = dotted.rsplit(".", 1)
    typo = key[0] + key[2:]  # the second letter left out
    path = tmp_path / "team.toml"
    path.write_text(f"[{section}]\n{typo} = 1\n")
    with pytest.raises(ConfigError) as e:
        load_config(path)
    assert str(e.value).startswith(f"unknown key {section}.{typo} in {path} (did you mean {dotted}?); valid keys in [{section}]: ")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("[monitr]\nx = 1\n", "unknown section [monitr] in {f} (did you mean monitor?); valid sections: audio, asr, monitor, triggers, escalation, ui, cache, privacy, report, store, floor"),
        ("[monitor.loudnes]\nraise_db = 6.0\n", "unknown section [monitor.loudnes] in {f} (did you mean monitor.loudness?); valid sections in [monitor]: loudness, rate, overtalk, acknowledge, dead_air, check_in"),
        ("[asr]\nengine = 'whsiper'\n", "asr.engine = 'whsiper' in {f}: must be one of 'auto', 'vosk', 'whisper' (did you mean whisper?)"),
        ("[monitor.loudness]\nraise_db = 30.0\nhold_s = -1.0\n", "monitor.loudness.raise_db = 30.0 in {f}: must be between 1.0 and 20.0 (and 1 more problem)"),
        ("[monitor]\nrate = [1]\n", "monitor.rate = [1] in {f}: must be a table, [monitor.rate]"),
    ],
)
def test_sections_typos_and_several_problems(tmp_path, text, expected):
    path = tmp_path / "team.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as e:
        load_config(path)
    assert str(e.value) == expected.format(f=path)


def test_none_where_a_value_is_needed_names_the_command_line():
    with pytest.raises(ConfigError) as e:
        load_config(None, {"monitor.loudness.raise_db": None})
    assert str(e.value) == "monitor.loudness.raise_db = None in command line: must be a number between 1.0 and 20.0"


def test_a_file_too_big_to_be_settings_is_refused_before_reading(tmp_path):
    path = tmp_path / "call.toml"
    with path.open("wb") as f:
        f.truncate(20_000_000)  # sparse: 20 MB without writing them
    with pytest.raises(ConfigError, match=r"call\.toml: 20 MB, too big for a settings file \(at most 16 MB\)"):
        load_config(path)


# ----------------------------------------------------------------------------- layering


def test_two_layers_give_the_values_and_sources_config_show_prints(tmp_path):
    team = tmp_path / "team.toml"
    team.write_text("[asr]\nlanguage = 'ru'\nengine = 'vosk'\n[monitor.loudness]\nraise_db = 5.0\n"
                    "[monitor.rate]\nmax_sps_by_language = { tr = 6.0 }\n")
    cfg, origin = load_config_with_origin(team, {"asr.language": "tr"})
    assert (cfg.asr.language, cfg.asr.engine, cfg.monitor.loudness.raise_db) == ("tr", "vosk", 5.0)
    assert cfg.monitor.rate.max_sps_by_language == {"ru": 6.3, "tr": 6.0}
    sources = {r.dotted: r.source for r in settings(cfg, origin)}
    assert sources["asr.language"] == "command line"
    assert sources["asr.engine"] == sources["monitor.loudness.raise_db"] == str(team)
    assert sources["monitor.rate.max_sps_by_language.tr"] == str(team)
    assert sources["monitor.rate.max_sps_by_language.ru"] == "default"
    assert sources["monitor.loudness.hold_s"] == "default"
    assert set(sources) == {k for k in LEAVES if k != "monitor.rate.max_sps_by_language"} | {
        "monitor.rate.max_sps_by_language.ru", "monitor.rate.max_sps_by_language.tr"}

    text = as_toml(settings(cfg, origin))
    assert 'language = "tr"                         # command line\n' in text
    assert f"raise_db = 5.0                          # {team}\n" in text
    assert "# baseline_lufs =  (not set)            # default\n" in text
    # The output is TOML that loads back as the same config: it can be saved and edited.
    saved = tmp_path / "saved.toml"
    saved.write_text(text)
    assert tomllib.loads(text)["monitor"]["loudness"]["raise_db"] == 5.0
    assert load_config(saved) == cfg
