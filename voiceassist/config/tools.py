"""``voiceassist config show``: the effective config with where each value came from.

``show`` writes TOML with the source as a comment on each line, so the output can be saved as a team
file and edited (keeping only the keys that differ)::

    [monitor.loudness]
    raise_db = 5.0                          # team.toml
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from pydantic import BaseModel

from voiceassist.config import Config

__all__ = ["Setting", "settings", "as_toml", "as_json", "toml_value"]

DEFAULT = "default"


class Setting(NamedTuple):
    section: str  # "monitor.rate"; a table's members: "monitor.rate.max_sps_by_language"
    key: str
    value: Any  # None: optional and not set (TOML has no null)
    source: str  # "default", the team file's path as given, or "command line"

    @property
    def dotted(self) -> str:
        return f"{self.section}.{self.key}"


# Keys whose values `config show` does not print.
SECRETS = frozenset({"floor.token", "floor.password"})


def settings(cfg: Config, origin: dict[str, str]) -> list[Setting]:
    """Every key of ``cfg`` by section, in the order of the models (that of ``default.toml``),
    with its source from ``load_config_with_origin``; a section's plain keys before its
    subsections, as TOML needs."""
    out: list[Setting] = []

    def walk(model: BaseModel, section: str) -> None:
        tables = []
        for key in type(model).model_fields:
            value, dotted = getattr(model, key), f"{section}.{key}" if section else key
            if isinstance(value, (BaseModel, dict)):
                tables.append((value, dotted))
            else:
                shown = "(set)" if dotted in SECRETS and value else value  # never printed
                out.append(Setting(section, key, shown, origin.get(dotted, DEFAULT)))
        for value, dotted in tables:
            if isinstance(value, BaseModel):
                walk(value, dotted)
            else:  # a table such as max_sps_by_language: layered member by member
                whole = origin.get(dotted)
                out.extend(Setting(dotted, k, v, origin.get(f"{dotted}.{k}", whole or DEFAULT)) for k, v in value.items())
                if not value:  # an empty table still shows, so a saved copy has its header
                    out.append(Setting(dotted, "", None, whole or DEFAULT))

    walk(cfg, "")
    return out


def toml_value(value: Any) -> str:
    """A value as TOML writes it: strings as JSON writes them, which TOML reads as basic strings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)  # inf, -inf and nan are TOML too
    if isinstance(value, str):  # TOML has no surrogate escapes and wants DEL escaped
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML for {value!r}")


def as_toml(rows: list[Setting]) -> str:
    lines = ["# voiceassist's effective config; after each key, where its value came from:",
             "# default (config/default.toml), a team file (--config), or the command line."]
    section = None
    for row in rows:
        if row.section != section:
            section = row.section
            lines += ["", f"[{section}]"]
        if not row.key:
            continue
        if row.value is None:  # TOML has no null: an unset optional key is shown commented out
            line = f"# {row.key} =  (not set)"
        else:
            line = f"{row.key} = {toml_value(row.value)}"
        lines.append(f"{line:<39} # {row.source}")
    return "\n".join(lines) + "\n"


def as_json(rows: list[Setting]) -> str:
    return json.dumps([{"key": r.dotted, "value": r.value, "source": r.source} for r in rows if r.key], indent=1)
