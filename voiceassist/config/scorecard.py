"""A team's QA scorecard form: which items a call is scored on, and each one's parameters.

``config/scorecard.toml`` ships the default form; a team's own is named by ``report.scorecard``
in its config. A form is a ``[scorecard]`` table with a ``title`` and one table per item it
scores; an item left out is not scored. A bad form is a ``ConfigError`` naming the file, the
key and what is valid, as the config's are.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import annotated_types
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from voiceassist.config import DEFAULTS_DIR, did_you_mean, read_toml, shown
from voiceassist.errors import ConfigError

__all__ = ["Form", "ITEMS", "FORM_PATH", "load_form"]

FORM_PATH = DEFAULTS_DIR / "scorecard.toml"


class _Item(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)
    label: str = Field("", max_length=80)


class Greeting(_Item):
    within_s: float = Field(15.0, ge=1.0, le=120.0)


class NameUsed(_Item):
    pass


class SpecificApology(_Item):
    min_words: int = Field(6, ge=2, le=30)
    required: bool = True


class NoBlame(_Item):
    own_within_s: float = Field(60.0, ge=0.0, le=600.0)


class Solution(_Item):
    pass


class CallbackTime(_Item):
    required: bool = False


class Closing(_Item):
    last_s: float = Field(30.0, ge=5.0, le=300.0)


class Form(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)
    title: str = "QA scorecard"
    greeting: Greeting | None = None
    name_used: NameUsed | None = None
    specific_apology: SpecificApology | None = None
    no_blame: NoBlame | None = None
    solution: Solution | None = None
    callback_time: CallbackTime | None = None
    closing: Closing | None = None

    def items(self) -> list[tuple[str, _Item]]:
        """The items this form scores, in the form's order."""
        return [(name, item) for name in ITEMS if (item := getattr(self, name)) is not None]


ITEMS = tuple(name for name in Form.model_fields if name != "title")


def load_form(path: str | Path | None = None) -> Form:
    """The form at ``path`` (a team's), else the packaged default."""
    path = Path(path).expanduser() if path else FORM_PATH
    data = read_toml(path)
    if "scorecard" not in data or not isinstance(data["scorecard"], dict):
        raise ConfigError(f"{path}: no [scorecard] table; a scorecard form is [scorecard] with items {', '.join(ITEMS)}")
    if extra := [k for k in data if k != "scorecard"]:
        raise ConfigError(f"unknown table [{extra[0]}] in {path}; a scorecard form has only [scorecard] and its items")
    try:
        return Form.model_validate(data["scorecard"])
    except ValidationError as e:
        raise ConfigError(_explain(e.errors()[0], path)) from None


def _explain(err: dict[str, Any], path: Path) -> str:
    loc = [str(p) for p in err["loc"] if not str(p).startswith(("function-", "["))]
    key = "scorecard." + ".".join(loc)
    if len(loc) == 1 and loc[0] in ITEMS and err["type"] in ("model_type", "model_attributes_type"):
        return f"{key} = {shown(err.get('input'))} in {path}: must be a table, [{key}]"
    model: Any = Form if len(loc) == 1 else Form.model_fields[loc[0]].annotation.__args__[0]
    if err["type"] == "extra_forbidden":
        names = ITEMS if len(loc) == 1 else tuple(model.model_fields)
        what = "items" if len(loc) == 1 else f"keys of [scorecard.{loc[0]}]"
        return f"unknown {'item' if len(loc) == 1 else 'key'} {key} in {path}{did_you_mean(loc[-1], names)}; valid {what}: {', '.join(names)}"
    field = model.model_fields[loc[-1]]
    bounds = {type(m): m for m in field.metadata if isinstance(m, (annotated_types.Ge, annotated_types.Le))}
    if annotated_types.Ge in bounds and annotated_types.Le in bounds:
        valid = f"must be a {'whole ' if field.annotation is int else ''}number between {bounds[annotated_types.Ge].ge} and {bounds[annotated_types.Le].le}"
    elif field.annotation is bool:
        valid = "must be true or false"
    else:
        valid = "must be a string, in quotes" + (" (at most 80 characters)" if loc[-1] == "label" else "")
    return f"{key} = {shown(err.get('input'))} in {path}: {valid}"
