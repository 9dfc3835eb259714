"""Paces any source to real time, as if the call were live (demos, latency measurements)."""

from __future__ import annotations

import dataclasses
import threading
from typing import Iterator

from voiceassist.frames import Frame
from voiceassist.sources.base import Clock, Source, SystemClock

__all__ = ["ReplaySource"]


class ReplaySource:
    """Yields each frame no earlier than the moment it would have been fully heard live:
    ``start + frame.end / speed`` on ``clock``. The clock is injectable so tests never sleep."""

    def __init__(self, source: Source, clock: Clock | None = None, speed: float = 1.0):
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._source = source
        self._clock = clock or SystemClock()
        self._speed = speed
        self.info = dataclasses.replace(source.info, realtime=True)
        self.started_at: float | None = None  # clock time of call time 0
        self._stop = threading.Event()
        self.on_device_change = None  # a recording has no device to lose

    def frames(self) -> Iterator[Frame]:
        self.started_at = self._clock.now()
        for frame in self._source.frames():
            self._clock.sleep(self.started_at + frame.end / self._speed - self._clock.now())
            if self._stop.is_set():
                return
            yield frame

    def stop(self) -> None:
        """Ends ``frames()`` before the next frame; safe to call from any thread or a signal handler."""
        self._stop.set()

    def close(self) -> None:
        self._source.close()

    def __enter__(self) -> "ReplaySource":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
