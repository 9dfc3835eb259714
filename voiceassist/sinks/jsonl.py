"""Events as JSON lines, written and flushed one line at a time so nothing recorded is lost."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from voiceassist.errors import OutputError
from voiceassist.events import Event, dumps

__all__ = ["JsonlSink"]


class JsonlSink:
    """Writes each event as one line to ``path`` (``"-"`` for stdout) and flushes it. A write
    that fails partway (a full disk) is cut back, so the file still ends with whole lines."""

    def __init__(self, path: str | Path):
        self._path = str(path)
        self._fd: int | None = None
        self._size = 0  # bytes of whole lines in the file
        if self._path != "-":
            try:
                self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
            except OSError as e:
                raise OutputError(f"{path}: cannot write events: {e.strerror}") from None

    def handle(self, event: Event) -> None:
        line = dumps(event) + "\n"
        try:
            if self._fd is None:
                sys.stdout.write(line)
                sys.stdout.flush()
            else:
                self._write(line.encode("utf-8"))
        except BrokenPipeError:
            raise  # stdout closed by its reader: not an error of the file
        except OSError as e:  # a full disk, a vanished network share
            raise OutputError(f"{self._path}: cannot write events: {e.strerror}") from None

    def _write(self, data: bytes) -> None:
        try:
            written = 0
            while written < len(data):
                written += os.write(self._fd, data[written:])
        except OSError:
            try:
                os.ftruncate(self._fd, self._size)  # back to the last whole line
            except OSError:
                pass
            raise
        self._size += len(data)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
