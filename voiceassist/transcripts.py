"""What a recogniser hears: words with their times, in transcripts of one speaker.

A neutral module: speech recognition makes these, the voice monitor counts their words, the
event contract writes them, and the analysis cache keeps them.
"""

from __future__ import annotations

from dataclasses import dataclass

from voiceassist.frames import Speaker

__all__ = ["Word", "Transcript", "LanguageFound", "Heard"]


@dataclass(frozen=True, slots=True)
class Word:
    w: str
    start: float
    end: float
    conf: float


@dataclass(frozen=True, slots=True)
class Transcript:
    """Text heard from one speaker between ``start`` and ``end`` (seconds of call audio).

    ``final`` is False for a partial (the text may still change) and True once the utterance
    is complete. ``t`` is the audio time at which the text became available: the end of the
    frame whose ``accept`` returned it.
    """

    speaker: Speaker
    text: str
    start: float
    end: float
    words: tuple[Word, ...]
    final: bool
    t: float


@dataclass(frozen=True, slots=True)
class LanguageFound:
    """The call's language, found from the caller's speech (``asr.language = "auto"``), with
    Whisper's probability for it among the phrasebooks' languages; ``t`` as a transcript's."""

    language: str
    probability: float
    t: float


# What a recogniser gives: transcripts, and once per call in "auto" its language.
Heard = Transcript | LanguageFound
