"""The contract every sink honours: ``handle(event)`` for each event, ``close()`` at the end."""

from __future__ import annotations

from typing import Protocol

from voiceassist.events import Event

__all__ = ["Sink"]


class Sink(Protocol):
    def handle(self, event: Event) -> None: ...

    def close(self) -> None: ...
