"""The languages voiceassist ships phrasebooks for: en, tr, ru, ar, hr."""

from typing import Literal, get_args

__all__ = ["Language", "LANGUAGES", "AUTO", "UNTIL_FOUND", "starting"]

Language = Literal["en", "tr", "ru", "ar", "hr"]
LANGUAGES: tuple[Language, ...] = get_args(Language)

# asr.language = "auto": the call's language is found from the caller's first words (Whisper);
# until then the rules use this one.
AUTO = "auto"
UNTIL_FOUND: Language = "en"


def starting(language: str) -> str:
    """The language a call starts in: the one given, or ``UNTIL_FOUND`` for "auto"."""
    return UNTIL_FOUND if language == AUTO else language
