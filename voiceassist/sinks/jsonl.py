"""Events as JSON lines, written and flushed one line at a time so nothing recorded is lost."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from voiceassist.errors import VoiceAssistError
from voiceassist.events import Event, dumps

__all__ = ["JsonlSink"]


class JsonlSink:
    """Writes each event as one line to ``path`` (``"-"`` for stdout) and flushes it."""

    def __init__(self, path: str | Path):
        self._path = str(path)
        if self._path == "-":
            self._file: TextIO = sys.stdout
        else:
            try:
                self._file = open(path, "w", encoding="utf-8")
            except OSError as e:
                raise VoiceAssistError(f"{path}: cannot write events: {e.strerror}") from None

    def handle(self, event: Event) -> None:
        try:
            self._file.write(dumps(event) + "\n")
            self._file.flush()
        except BrokenPipeError:
            raise  # stdout closed by its reader: not an error of the file
        except OSError as e:  # a full disk, a vanished network share
            raise VoiceAssistError(f"{self._path}: cannot write events: {e.strerror}") from None

    def close(self) -> None:
        if self._file is not sys.stdout:
            try:
                self._file.close()
            except OSError:
                pass  # the write that failed has already said why; close() only retried it
