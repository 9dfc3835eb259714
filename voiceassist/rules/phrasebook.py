"""Phrasebooks: per language, what each prompt says and the lines it suggests.

``config/phrasebooks/<lang>.toml`` ships for en, tr, ru, ar and hr. Each ``[prompts.<kind>]``
has the ``text`` shown, the ``suggestions`` (lines the agent can say) and a ``reason``
template whose ``{fields}`` are filled with what was measured or heard.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from voiceassist.config import _read_toml
from voiceassist.errors import ConfigError

__all__ = ["Phrasebook", "PromptText", "load_phrasebook", "PHRASEBOOK_DIR", "REASON_FIELDS"]

PHRASEBOOK_DIR = Path(__file__).parents[1] / "config" / "phrasebooks"

# The fields each kind's reason template may use, with sample values to check it formats.
REASON_FIELDS: dict[str, dict[str, float]] = {
    "lower_voice": {"db": 8.1, "s": 3.2},
    "slow_down": {"sps": 6.4, "max": 5.5},
    "let_them_finish": {"n": 3, "window": 60.0},
    "acknowledge": {"s": 31.0},
}


class PromptText(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)
    text: str = Field(min_length=1)
    suggestions: list[str] = []
    reason: str = Field(min_length=1)


class Phrasebook(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=False)
    language: Literal["en", "tr", "ru", "ar", "hr"]
    prompts: dict[Literal["lower_voice", "slow_down", "let_them_finish", "acknowledge"], PromptText]


def load_phrasebook(language: str, folder: Path = PHRASEBOOK_DIR) -> Phrasebook:
    path = folder / f"{language}.toml"
    if not path.is_file():
        have = ", ".join(sorted(p.stem for p in folder.glob("*.toml")))
        raise ConfigError(f"no phrasebook for language '{language}' in {folder}; available: {have}")
    try:
        book = Phrasebook.model_validate(_read_toml(path))
    except ValidationError as e:
        err = e.errors()[0]
        key = ".".join(str(p) for p in err["loc"])
        raise ConfigError(f"{key} in {path}: {err['msg']}") from None
    for kind, fields in REASON_FIELDS.items():
        if kind not in book.prompts:
            raise ConfigError(f"prompts.{kind} missing in {path}")
        try:
            book.prompts[kind].reason.format(**fields)
        except (KeyError, IndexError, ValueError) as e:
            raise ConfigError(
                f"prompts.{kind}.reason in {path}: bad template ({e}); it may use {{{'}, {'.join(fields)}}}"
            ) from None
    return book
