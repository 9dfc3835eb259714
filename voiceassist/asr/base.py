"""The contract every speech recogniser honours.

An ``Engine`` holds a loaded model; it makes one independent ``Recognizer`` per speaker.
A recogniser is streaming: ``accept(frame)`` takes the speaker's next 20 ms hop and returns
whatever transcripts became available with it (zero or more partials and finals);
``finish()`` flushes the last words at the end of the call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from voiceassist.frames import Frame, Speaker

__all__ = ["Word", "Transcript", "Recognizer", "Engine"]


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


class Recognizer(Protocol):
    def accept(self, frame: Frame) -> list[Transcript]: ...

    def finish(self) -> list[Transcript]: ...


class Engine(Protocol):
    name: str  # "vosk" or "whisper"
    model: str  # the installed model's name, as `voiceassist models list` shows it
    language: str
    # Its recognisers each decode on one core, so live speakers get a thread each (Vosk);
    # False when one decode already uses every core it is given (Whisper's ``cpu_threads``).
    parallel: bool

    def recognizer(self, speaker: Speaker) -> Recognizer: ...
