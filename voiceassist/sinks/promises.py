"""The durable promises file: every call-back promise, kept until the agent marks it done.

One JSON object per line, only ever appended (a crash or a kill can cut the last line short,
never lose an earlier one): a promise record ``{"id", "call", "started_at", "text", "due",
"due_said", "said_at", "done": false}`` when a promise is heard, and ``{"id", "done": true,
"done_at"}`` when the agent marks it done. Each line is flushed and fsync'd as it is written.

A promise's id is made from when its call started, when in the call it was said and what was
said, so analysing the same call again (its WAV or its events) does not add it twice, and a
promise marked done stays done.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any

import platformdirs

from voiceassist.config import StoreConfig
from voiceassist.errors import InputError, OutputError, UsageError, VoiceAssistError
from voiceassist.events import Event

__all__ = ["PromisesSink", "promises_path", "open_promises", "mark_done", "overdue"]

log = logging.getLogger(__name__)


def promises_path(store: StoreConfig) -> Path:
    """``store.promises_file``, or ``promises.jsonl`` in the platform's data folder
    (``$XDG_DATA_HOME/voiceassist``, ``~/.local/share/voiceassist`` on Linux)."""
    if store.promises_file:
        return Path(store.promises_file).expanduser()
    return Path(platformdirs.user_data_dir("voiceassist", appauthor=False)) / "promises.jsonl"


def _records(path: Path) -> list[dict[str, Any]]:
    """Every whole record in the file; a line that is not one (the last line cut short by a
    kill) is skipped with a warning."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as e:
        raise InputError(f"{path}: cannot read the promises file: {e.strerror}") from None
    out = []
    for number, line in enumerate(data.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict) or not isinstance(record.get("id"), str):
                raise ValueError("not a promise record")
        except ValueError:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            log.warning("%s:%d: not a whole promise record (cut short by a crash?); skipped", path, number)
            continue
        out.append(record)
    return out


def open_promises(path: Path) -> list[dict[str, Any]]:
    """The promises not yet marked done, in the order they were made."""
    records = _records(path)
    done = {r["id"] for r in records if r.get("done") is True}
    seen: set[str] = set()
    out = []
    for r in records:
        if r.get("done") is False and r["id"] not in done and r["id"] not in seen:
            seen.add(r["id"])
            out.append(r)
    return out


def overdue(promise: dict[str, Any], now: dt.datetime) -> bool:
    """Its due time (or day, when only a day was said) has passed."""
    due = promise.get("due")
    if not isinstance(due, str):
        return False
    try:
        if len(due) == 10:  # a date alone: due by the end of that day
            return dt.date.fromisoformat(due) < now.date()
        return dt.datetime.fromisoformat(due) < now
    except ValueError:
        return False


def _append(path: Path, record: dict[str, Any]) -> None:
    line = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            line = b"\n" + line  # a line cut short by a kill: start afresh rather than glue onto it
        os.write(fd, line)
        os.fsync(fd)  # it must survive a crash or power loss, not only this process
    finally:
        os.close(fd)


def mark_done(path: Path, promise_id: str) -> dict[str, Any]:
    """Appends a ``done`` record for an open promise and returns the promise."""
    still = open_promises(path)
    promise = next((p for p in still if p["id"] == promise_id), None)
    if promise is None:
        ids = ", ".join(p["id"] for p in still) or "none"
        raise UsageError(f"promise {promise_id!r} is not an open promise in {path}; open promises: {ids}")
    try:
        _append(path, {"id": promise_id, "done": True, "done_at": dt.datetime.now().isoformat(timespec="seconds")})
    except OSError as e:
        raise OutputError(f"{path}: cannot write the promises file: {e.strerror}") from None
    return promise


class PromisesSink:
    """Appends each ``callback.promised`` of the call to the promises file. A file that cannot
    be written is one warning and the call goes on: its events still hold the promise."""

    def __init__(self, path: Path, call: str):
        self._path: Path | None = path
        self._call = call
        self._started_at: str | None = None
        self._known: set[str] | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("ab"):
                pass  # fails now, at the start of the call, rather than at its first promise
        except OSError as e:
            self._fail(e.strerror)

    def _fail(self, why: str | None) -> None:
        log.warning("%s: cannot write the promises file (%s); this call's promises are only in its events",
                    self._path, why)
        self._path = None

    def handle(self, event: Event) -> None:
        if self._path is None:
            return
        if event["type"] == "call.started":
            self._started_at = event.get("started_at")
        elif event["type"] == "callback.promised":
            key = f"{self._started_at or self._call}|{event['said_at']}|{event['text']}"
            record = {
                "id": hashlib.sha1(key.encode()).hexdigest()[:8], "call": self._call, "started_at": self._started_at,
                "text": event["text"], "due": event.get("due"), "due_said": event.get("due_said"),
                "said_at": event["said_at"], "done": False,
            }
            try:
                if self._known is None:
                    self._known = {r["id"] for r in _records(self._path)}
                if record["id"] not in self._known:  # the same call analysed again
                    _append(self._path, record)
                    self._known.add(record["id"])
            except OSError as e:
                self._fail(e.strerror)
            except VoiceAssistError as e:  # the file could not be read back
                self._fail(str(e))

    def close(self) -> None:
        pass
