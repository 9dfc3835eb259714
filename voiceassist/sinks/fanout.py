"""One event to every sink of a call, with what ``call.ended`` sums up counted on the way."""

from __future__ import annotations

import logging
from typing import Iterable

from voiceassist import events
from voiceassist.errors import VoiceAssistError
from voiceassist.events import Event
from voiceassist.sinks.base import Sink

__all__ = ["Fanout"]

log = logging.getLogger(__name__)


class Fanout:
    """Sends each event to every sink and counts what ``call.ended`` summarises.

    A sink that fails is dropped and the call goes on for the others (sinks never stop the
    analysis: a broken screen must not cost the JSONL record of the call). Its error is raised
    by ``raise_failure`` once the call has ended: a user's (a full disk) as their one line, a
    bug as a bug. A closed stdout (``| head``) ends the run at once: nobody is listening.
    """

    def __init__(self, sinks: Iterable[Sink]):
        self._sinks = list(sinks)
        self.summary = events.Summary()  # counts, not the events: a shift-long call stays small
        self._failure: Exception | None = None

    def __call__(self, event: Event) -> None:
        self.summary.add(event)
        for sink in list(self._sinks):
            try:
                sink.handle(event)
            except BrokenPipeError:
                raise
            except Exception as e:
                self._sinks.remove(sink)
                self._failure = self._failure or e
                if not isinstance(e, VoiceAssistError):  # a user's error is reported once, at the end
                    log.warning("%s failed (%r) and is dropped; the call goes on", type(sink).__name__, e)

    def raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure
