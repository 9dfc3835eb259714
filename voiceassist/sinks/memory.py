"""Keeps events in memory: for tests, benchmarks and tools that look at a whole call."""

from __future__ import annotations

import time

from voiceassist.events import Event

__all__ = ["ListSink"]


class ListSink:
    """Every event, in order, with the monotonic clock time it arrived (for latency)."""

    def __init__(self):
        self.events: list[Event] = []
        self.arrived: list[float] = []

    def handle(self, event: Event) -> None:
        self.events.append(event)
        self.arrived.append(time.monotonic())

    def close(self) -> None:
        pass
