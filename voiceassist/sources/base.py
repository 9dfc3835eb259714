"""The contract every audio source honours: yield Frames in call-time order.

A source converts its input at the edge (see ``convert``) and yields ``Frame``s of both
speakers interleaved by time: at each hop, the caller's frame then the agent's (a mono
recording has the caller only). ``stop()``, from any thread or a signal handler, ends the
frames after the one in hand. A live source tells ``on_device_change`` when an input device
is lost or back. Sources are context managers; ``close()`` releases files and devices.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Iterator, Protocol

from voiceassist.frames import Frame, Speaker

__all__ = ["SourceInfo", "DeviceChange", "Source", "Clock", "SystemClock"]


@dataclass(frozen=True)
class SourceInfo:
    name: str  # file path or device names, for messages
    sample_rate_in: int
    channels: int
    speakers: tuple[Speaker, ...]
    duration_s: float | None  # None for a live device
    # Frames arrive at the pace of speech (a device, a paced replay): nothing may make the
    # audio wait. False: a file read as fast as it can be processed.
    realtime: bool = False


@dataclass(frozen=True)
class DeviceChange:
    """An input device of a live call stopped (``lost_s`` is None: its ``speakers`` are heard
    as silence until it is back), or came back after ``lost_s`` seconds of the call; ``t`` is
    the call's audio time."""

    t: float
    device: str  # its name
    speakers: tuple[Speaker, ...]
    lost_s: float | None = None


class Source(Protocol):
    info: SourceInfo
    # Told of a device lost or back, in the thread reading ``frames()``, between frames.
    on_device_change: Callable[[DeviceChange], None] | None

    def frames(self) -> Iterator[Frame]: ...

    def stop(self) -> None: ...

    def close(self) -> None: ...

    def __enter__(self) -> "Source": ...

    def __exit__(self, *exc) -> None: ...


class Clock(Protocol):
    """Injectable time, so paced replay can be tested without sleeping."""

    def now(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)
