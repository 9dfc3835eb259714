"""The contract every speech recogniser honours.

An ``Engine`` holds a loaded model; it makes one independent ``Recognizer`` per speaker.
A recogniser is streaming: ``accept(frame)`` takes the speaker's next 20 ms hop and returns
whatever transcripts became available with it (zero or more partials and finals);
``finish()`` flushes the last words at the end of the call.
"""

from __future__ import annotations

from typing import Protocol

from voiceassist.frames import Frame, Speaker
from voiceassist.transcripts import Transcript

__all__ = ["Recognizer", "Engine"]


class Recognizer(Protocol):
    # Partials are wanted: a live runner that has fallen behind clears it, and then only
    # finals are decoded. A recogniser whose partials cost nothing extra (Vosk) may ignore it.
    interim_enabled: bool
    # Set by a runner that reads ahead of the call (offline): ``accept`` and ``finish`` may then
    # return a ``concurrent.futures.Future`` of a list in place of transcripts, which the
    # runner resolves in order. A recogniser may ignore it (Vosk).
    ahead: bool

    def accept(self, frame: Frame) -> list[Transcript]: ...

    def finish(self) -> list[Transcript]: ...


class Engine(Protocol):
    name: str  # "vosk" or "whisper"
    model: str  # the installed model's name, as `voiceassist models list` shows it
    language: str
    # Its recognisers may decode at once, from a thread each (Vosk; Whisper on two cores or
    # more); False when one decode already uses every core it is given.
    parallel: bool

    def recognizer(self, speaker: Speaker) -> Recognizer: ...
