"""Live input from sound devices through PortAudio (sounddevice).

Two devices (the caller's line and the agent's headset), or one stereo device carrying both
sides. The PortAudio callback only copies each block into a queue; conversion and framing run
in the reading thread. Frame times count the samples received, so they are audio time.
"""

from __future__ import annotations

import logging
import queue
from collections import deque
from dataclasses import dataclass
from typing import Iterator

import numpy as np
import sounddevice as sd

from voiceassist.errors import AudioInputError
from voiceassist.frames import HOP_SAMPLES, SAMPLE_RATE, Frame, Speaker
from voiceassist.sources.base import SourceInfo
from voiceassist.sources.convert import Framer, StreamConverter

__all__ = ["DeviceSource", "list_input_devices", "default_devices"]

log = logging.getLogger(__name__)

_BLOCK_S = 0.02
# If one device stalls, the other's frames are released once they are this far ahead, so a
# dead line does not freeze the other side.
_MAX_SKEW_S = 0.5


def list_input_devices() -> list[dict]:
    """Input devices as PortAudio sees them: index, name, channels, samplerate, is_default."""
    default_in = sd.default.device[0]
    return [
        {
            "index": d["index"],
            "name": d["name"],
            "channels": d["max_input_channels"],
            "samplerate": d["default_samplerate"],
            "is_default": d["index"] == default_in,
        }
        for d in sd.query_devices()
        if d["max_input_channels"] > 0
    ]


def _resolve(spec: str | int) -> dict:
    devices = list_input_devices()
    text = str(spec).strip()
    if text.isdigit():
        found = [d for d in devices if d["index"] == int(text)]
    else:
        found = [d for d in devices if d["name"] == text] or [d for d in devices if text.lower() in d["name"].lower()]
    if len(found) == 1:
        return found[0]
    available = ", ".join(f"{d['index']} '{d['name']}'" for d in devices) or "none"
    if found:
        names = ", ".join(f"{d['index']} '{d['name']}'" for d in found)
        raise AudioInputError(f"input device '{spec}' is ambiguous: {names}; give its index")
    raise AudioInputError(f"unknown input device '{spec}'; input devices: {available}")


def default_devices() -> dict[str, int]:
    """What ``live`` uses with no device flags: the default input, as the agent's headset.
    Maps a role to a device index."""
    default = next((d for d in list_input_devices() if d["is_default"]), None)
    return {} if default is None else {"agent": default["index"]}


@dataclass
class _Input:
    device: dict
    speakers: tuple[Speaker, ...]  # one per channel read
    channels: list[int]  # which device channels, in the order of speakers
    rate: int


class DeviceSource:
    """Frames from one or two input devices.

    - ``caller_device`` and ``agent_device`` different: each device's first channel is one side.
    - the same device for both: a stereo device carrying both sides; ``caller_channel`` (0 or 1)
      is the caller. (Device channel counts can't tell this: many drivers report 2 or more
      channels for a mono microphone, so it is said explicitly.)
    - only one of them: that side only.
    - neither: the default input device as the agent's headset.

    ``max_seconds`` ends the call after that much audio (tests, timed sessions).
    """

    def __init__(
        self,
        caller_device: str | int | None = None,
        agent_device: str | int | None = None,
        caller_channel: int = 0,
        max_seconds: float | None = None,
    ):
        self._inputs = self._plan(caller_device, agent_device, caller_channel)
        self._max_frames = None if max_seconds is None else int(max_seconds * SAMPLE_RATE / HOP_SAMPLES)
        self._queue: queue.Queue = queue.Queue()
        self._streams: list[sd.InputStream] = []
        self.status_flags = 0  # PortAudio overflow/underflow reports seen by the callbacks
        speakers = {s for i in self._inputs for s in i.speakers}
        self.info = SourceInfo(
            name=" + ".join(f"{i.device['name']} ({'/'.join(i.speakers)})" for i in self._inputs),
            sample_rate_in=self._inputs[0].rate,
            channels=len(speakers),
            speakers=tuple(s for s in ("caller", "agent") if s in speakers),
            duration_s=None,
        )

    @staticmethod
    def _plan(caller_device, agent_device, caller_channel) -> list[_Input]:
        def rate_of(device: dict) -> int:
            try:
                sd.check_input_settings(device=device["index"], samplerate=SAMPLE_RATE, dtype="int16")
                return SAMPLE_RATE
            except sd.PortAudioError:  # the device does not do 16 kHz; soxr converts from its own rate
                return int(device["samplerate"])

        if caller_device is None and agent_device is None:
            default = default_devices()
            if not default:
                raise AudioInputError("no input device found; connect one, or list them with: voiceassist devices")
            agent_device = default["agent"]
        caller = None if caller_device is None else _resolve(caller_device)
        agent = None if agent_device is None else _resolve(agent_device)
        if caller is not None and agent is not None and caller["index"] == agent["index"]:
            if caller["channels"] < 2:
                raise AudioInputError(f"input device '{caller['name']}' has one channel; it cannot carry both sides")
            channels = [caller_channel, 1 - caller_channel]
            return [_Input(caller, ("caller", "agent"), channels, rate_of(caller))]
        inputs = []
        if caller is not None:
            inputs.append(_Input(caller, ("caller",), [0], rate_of(caller)))
        if agent is not None:
            inputs.append(_Input(agent, ("agent",), [0], rate_of(agent)))
        return inputs

    def _start(self) -> None:
        for n, inp in enumerate(self._inputs):
            def callback(indata, frames, time_info, status, n=n):
                if status:
                    self.status_flags += 1
                self._queue.put((n, indata.copy()))

            try:
                stream = sd.InputStream(
                    device=inp.device["index"],
                    channels=max(inp.channels) + 1,
                    samplerate=inp.rate,
                    dtype="int16",
                    blocksize=int(inp.rate * _BLOCK_S),
                    callback=callback,
                )
                stream.start()
            except sd.PortAudioError as e:
                self.close()
                raise AudioInputError(f"cannot open input device '{inp.device['name']}': {e}") from None
            self._streams.append(stream)

    def frames(self) -> Iterator[Frame]:
        self._start()
        converters = [StreamConverter(i.rate, len(i.channels)) for i in self._inputs]
        framers = {s: Framer(s) for i in self._inputs for s in i.speakers}
        pending: dict[Speaker, deque[Frame]] = {s: deque() for s in framers}
        yielded = {s: 0 for s in framers}
        while self._max_frames is None or min(yielded.values()) < self._max_frames:
            try:
                n, block = self._queue.get(timeout=0.2)
            except queue.Empty:
                continue
            inp = self._inputs[n]
            resampled = converters[n].push(block[:, inp.channels] / 32768.0)
            for i, speaker in enumerate(inp.speakers):
                pending[speaker].extend(framers[speaker].push(resampled[:, i]))
            for frame in _merge(pending):
                if self._max_frames is not None and yielded[frame.speaker] >= self._max_frames:
                    continue
                yielded[frame.speaker] += 1
                yield frame

    def close(self) -> None:
        for stream in self._streams:
            stream.close()
        self._streams = []
        if self.status_flags:
            log.warning("input devices reported %d overflow(s): some audio was dropped", self.status_flags)

    def __enter__(self) -> "DeviceSource":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _merge(pending: dict[Speaker, deque[Frame]]) -> Iterator[Frame]:
    """Frames in time order across speakers; a side that is ahead waits for the other, but not
    more than ``_MAX_SKEW_S``."""
    while True:
        ready = [q for q in pending.values() if q]
        if not ready:
            return
        if len(ready) < len(pending):
            newest = max(q[-1].t for q in ready)
            oldest = min(q[0].t for q in ready)
            if newest - oldest < _MAX_SKEW_S:
                return
        yield min(ready, key=lambda q: (q[0].t, q[0].speaker != "caller")).popleft()
