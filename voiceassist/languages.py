"""The languages voiceassist ships phrasebooks for: en, tr, ru, ar, hr."""

from typing import Literal, get_args

__all__ = ["Language", "LANGUAGES"]

Language = Literal["en", "tr", "ru", "ar", "hr"]
LANGUAGES: tuple[Language, ...] = get_args(Language)
