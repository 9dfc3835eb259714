"""Runs a call: frames from a source, through each speaker's recogniser, out as events to sinks.

Everything here is timed by audio: an event's ``t`` is the call-audio time at which it became
known, so the same recording gives the same events on any machine.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Callable, Iterable, Iterator

from voiceassist import events
from voiceassist.asr.base import Engine
from voiceassist.errors import VoiceAssistError
from voiceassist.events import Event
from voiceassist.sinks.base import Sink
from voiceassist.sources.base import Source

__all__ = ["run_call", "read_events", "run_events"]

log = logging.getLogger(__name__)


class _Fanout:
    """Sends each event to every sink and keeps what ``call.ended`` summarises."""

    def __init__(self, sinks: Iterable[Sink]):
        self._sinks = list(sinks)
        self.emitted: list[Event] = []

    def __call__(self, event: Event) -> None:
        self.emitted.append(event)
        for sink in self._sinks:
            sink.handle(event)


def run_call(
    source: Source,
    engine: Engine,
    sinks: Iterable[Sink],
    on_progress: Callable[[float], None] | None = None,
) -> float:
    """Analyse one call from ``source`` and return its duration in seconds.

    The call is ended in order (recognisers flushed, ``call.ended`` written) also when the
    source stops early, e.g. on Ctrl-C in ``live``.
    """
    emit = _Fanout(sinks)
    info = source.info
    emit(
        events.call_started(
            language=engine.language,
            engine=engine.name,
            model=engine.model,
            sample_rate_in=info.sample_rate_in,
            channels=info.channels,
        )
    )
    recognizers = {speaker: engine.recognizer(speaker) for speaker in info.speakers}
    duration = 0.0
    try:
        for frame in source.frames():
            duration = max(duration, frame.end)
            for tr in recognizers[frame.speaker].accept(frame):
                emit(events.transcript(tr))
            if on_progress is not None:
                on_progress(duration)
    finally:
        for recognizer in recognizers.values():
            for tr in recognizer.finish():
                emit(events.transcript(tr))
        emit(events.call_ended(duration=duration, summary=events.transcripts_summary(emit.emitted)))
    return duration


def read_events(path: str | Path) -> Iterator[Event]:
    """Events from a JSON-lines file in the contract format, checked line by line."""
    path = Path(path)
    try:
        f = path.open(encoding="utf-8")
    except OSError as e:
        raise VoiceAssistError(f"{path}: cannot read events: {e.strerror}") from None
    with f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                event = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError) as e:
                raise VoiceAssistError(f"{path}:{number}: not a JSON event line: {e}") from None
            wrong = events.problem(event)
            if wrong:
                raise VoiceAssistError(f"{path}:{number}: {wrong}")
            yield event


_INPUT_TYPES = ("call.started", "transcript.partial", "transcript.final", "level")


def run_events(path: str | Path, sinks: Iterable[Sink]) -> float:
    """Re-run a call from its recorded transcript (and level) events; recognition is skipped.

    Derived events (prompts, promises, the end summary) are computed afresh, so a file from an
    earlier run or another recogniser gives the events this version would have shown.
    """
    emit = _Fanout(sinks)
    duration = 0.0
    for event in read_events(path):
        if event["type"] not in _INPUT_TYPES:
            continue
        duration = max(duration, float(event["t"]), float(event.get("end", 0.0)))
        emit(event)
    emit(events.call_ended(duration=duration, summary=events.transcripts_summary(emit.emitted)))
    return duration
