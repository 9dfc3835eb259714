"""Live input from sound devices through PortAudio (sounddevice).

Two devices (the caller's line and the agent's headset), or one stereo device carrying both
sides. The PortAudio callback only copies each block into a queue; conversion and framing run
in the reading thread. Frame times count the samples received, so they are audio time.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from dataclasses import dataclass
from types import ModuleType
from typing import Iterator

import numpy as np

from voiceassist.errors import AudioInputError
from voiceassist.frames import HOP_SAMPLES, SAMPLE_RATE, Frame, Speaker
from voiceassist.sources.base import SourceInfo
from voiceassist.sources.convert import Framer, StreamConverter

__all__ = ["DeviceSource", "list_input_devices", "default_devices"]

log = logging.getLogger(__name__)

_BLOCK_S = 0.02
# Frames of a side that is ahead wait for the other side, so the two come out in time order;
# but once the other device has delivered nothing for this long (wall time), it is taken as
# stalled and the waiting frames go out, so a dead line does not freeze the live one.
_STALL_S = 0.5


def _sd() -> ModuleType:
    """sounddevice, imported when a device is first needed: it loads the PortAudio library,
    which a machine that only analyses files may not have."""
    try:
        import sounddevice
    except OSError as e:  # sounddevice raises OSError when libportaudio is missing
        raise AudioInputError(f"cannot use sound devices: {e} (install PortAudio: apt install libportaudio2)") from None
    return sounddevice


def list_input_devices() -> list[dict]:
    """Input devices as PortAudio sees them: index, name, channels, samplerate, is_default."""
    sd = _sd()
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
    - the same device for both: a stereo device carrying both sides, split like a stereo WAV;
      ``caller_channel`` (0 or 1) is the caller. This is said explicitly rather than guessed
      from the channel count, because PortAudio's counts do not tell: ALSA plugin devices
      report 128 input channels, PulseAudio/PipeWire's ``default`` 32 or more, and many USB
      headsets 2 for one microphone.
    - only one of them: that side only (one mono device given as the caller is the caller only,
      as a mono WAV is).
    - neither: the default input device, as the agent's headset (``default_devices``).

    Each device is opened at ``samplerate`` if given, else at 16 kHz if it accepts that, else at
    its default rate; soxr converts on the way in. The call ends after ``max_seconds`` of audio (tests, timed sessions), on ``stop()`` from
    another thread (or Ctrl-C in the reading one), or when every device has stopped.
    """

    def __init__(
        self,
        caller_device: str | int | None = None,
        agent_device: str | int | None = None,
        caller_channel: int = 0,
        max_seconds: float | None = None,
        samplerate: int | None = None,
    ):
        if caller_channel not in (0, 1):
            raise AudioInputError(f"--caller-channel {caller_channel}: a stereo device's caller channel is 0 or 1")
        self._inputs = self._plan(caller_device, agent_device, caller_channel, samplerate)
        self._max_frames = None if max_seconds is None else int(np.ceil(max_seconds * SAMPLE_RATE / HOP_SAMPLES))
        self._queue: queue.Queue = queue.Queue()
        self._streams: list = []
        self._stop = threading.Event()
        self.status_flags = 0  # PortAudio overflow reports seen by the callbacks, logged at close
        speakers = {s for i in self._inputs for s in i.speakers}
        self.info = SourceInfo(
            name=" + ".join(f"{i.device['name']} ({'/'.join(i.speakers)})" for i in self._inputs),
            sample_rate_in=self._inputs[0].rate,
            channels=len(speakers),
            speakers=tuple(s for s in ("caller", "agent") if s in speakers),
            duration_s=None,
            realtime=True,
        )

    @staticmethod
    def _plan(caller_device, agent_device, caller_channel, samplerate) -> list[_Input]:
        sd = _sd()

        def rate_of(device: dict, channels: int) -> int:
            if samplerate is not None:
                return samplerate
            try:
                sd.check_input_settings(
                    device=device["index"], channels=channels, samplerate=SAMPLE_RATE, dtype="int16"
                )
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
                raise AudioInputError(
                    f"input device '{caller['name']}' has one channel; it cannot carry both caller and agent"
                )
            channels = [caller_channel, 1 - caller_channel]
            return [_Input(caller, ("caller", "agent"), channels, rate_of(caller, 2))]
        inputs = []
        if caller is not None:
            inputs.append(_Input(caller, ("caller",), [0], rate_of(caller, 1)))
        if agent is not None:
            inputs.append(_Input(agent, ("agent",), [0], rate_of(agent, 1)))
        return inputs

    def _start(self) -> None:
        sd = _sd()
        for n, inp in enumerate(self._inputs):
            # Runs on PortAudio's thread: copy the block into the queue and nothing else
            # (no conversion, logging or locks), so the audio thread never misses a deadline.
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
            except sd.PortAudioError as e:
                self.close()
                raise AudioInputError(f"cannot open input device {inp.device['index']} '{inp.device['name']}': {e}") from None
            self._streams.append(stream)
        # started together, after all are open, so the sides' sample counts share a start
        for stream in self._streams:
            stream.start()

    def stop(self) -> None:
        """Ends ``frames()`` after the block in hand; safe to call from any thread."""
        self._stop.set()

    def frames(self) -> Iterator[Frame]:
        self._start()
        converters = [StreamConverter(i.rate, len(i.channels)) for i in self._inputs]
        framers = {s: Framer(s) for i in self._inputs for s in i.speakers}
        pending: dict[Speaker, deque[Frame]] = {s: deque() for s in framers}
        yielded = {s: 0 for s in framers}
        limit = self._max_frames
        heard = {s: time.monotonic() for s in framers}  # when each side last delivered
        try:
            while not self._stop.is_set() and (limit is None or min(yielded.values()) < limit):
                try:
                    n, block = self._queue.get(timeout=0.2)
                except queue.Empty:
                    if not any(stream.active for stream in self._streams):
                        log.warning("input devices stopped delivering audio; ending the call")
                        break
                    continue
                inp = self._inputs[n]
                resampled = converters[n].push(block[:, inp.channels])
                now = time.monotonic()
                for i, speaker in enumerate(inp.speakers):
                    pending[speaker].extend(framers[speaker].push(resampled[:, i]))
                    heard[speaker] = now
                stalled = {s for s, at in heard.items() if now - at > _STALL_S}
                for frame in _merge(pending, stalled):
                    if limit is None or yielded[frame.speaker] < limit:
                        yielded[frame.speaker] += 1
                        yield frame
            # what one side holds while waiting for the other still belongs to the call
            for frame in _merge(pending, set(pending)):
                if limit is None or yielded[frame.speaker] < limit:
                    yielded[frame.speaker] += 1
                    yield frame
        finally:
            self._close_streams()

    def _close_streams(self) -> None:
        for stream in self._streams:
            stream.close()
        self._streams = []

    def close(self) -> None:
        self._stop.set()
        self._close_streams()
        if self.status_flags:
            log.warning("input devices reported %d overflow(s): some audio was dropped", self.status_flags)
            self.status_flags = 0

    def __enter__(self) -> "DeviceSource":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _merge(pending: dict[Speaker, deque[Frame]], stalled: set[Speaker]) -> Iterator[Frame]:
    """Frames in time order across speakers: the earliest goes out while every side that is not
    ``stalled`` has a frame waiting (at equal times, the caller's first)."""
    while True:
        ready = [q for q in pending.values() if q]
        if not ready or any(not q and s not in stalled for s, q in pending.items()):
            return
        yield min(ready, key=lambda q: (q[0].t, q[0].speaker != "caller")).popleft()
