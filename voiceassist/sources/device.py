"""Live input from sound devices through PortAudio (sounddevice).

Two devices (the caller's line and the agent's headset), or one stereo device carrying both
sides. The PortAudio callback only copies each block into a queue; conversion and framing run
in the reading thread. Frame times count the samples received, so they are audio time.
"""

from __future__ import annotations

import atexit
import itertools
import logging
import queue
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import numpy as np

from voiceassist.errors import AudioInputError
from voiceassist.frames import HOP_SAMPLES, SAMPLE_RATE, SPEAKERS, Frame, Speaker
from voiceassist.sources.base import DeviceChange, SourceInfo
from voiceassist.sources.convert import Framer, StreamConverter
from voiceassist.sources.monitor import MonitorError, list_monitors
from voiceassist.sources.portaudio import list_input_devices, open_input, plan_inputs, portaudio

__all__ = ["DeviceSource"]

log = logging.getLogger(__name__)

_BLOCK_S = 0.02
# Frames of a side that is ahead wait for the other side, so the two come out in time order;
# but once the other device has delivered nothing for this long (wall time), it is taken as
# stalled and the waiting frames go out, so a dead line does not freeze the live one. One that
# has sent nothing yet is waited for as long as a device may take to start (_SILENT_S): its
# first frames are the call's first (measured: a parec monitor started 2 s late, under load).
_STALL_S = 0.5
# Blocks wait in a queue between PortAudio's thread and the reading one. If the reader falls
# this far behind, new blocks are dropped (and counted, see _offer) rather than PortAudio's
# thread waiting or memory growing without end; the reader hears each as silence (every block
# is numbered), so the call's time stays the devices' time and the two sides stay in step.
# 10 s: a stalled decode or a busy machine catches up well within it.
_QUEUE_S = 10.0
# A lost device is looked for again this often (wall time).
_RETRY_S = 1.0
# A device whose stream runs but has sent nothing for this long (wall time) is reported lost: its
# driver or sound server has stopped answering (a frozen PulseAudio). Longer than any device
# takes to start (a Bluetooth headset's link: 1-2 s).
_SILENT_S = 3.0
# A stream that PortAudio has not closed after this long is left open: closing waits on the
# device's driver or sound server, and one that has stopped answering never returns.
_CLOSE_WAIT_S = 2.0
# An output monitor (a parec process) and a PortAudio device do not start delivering at the same
# moment (measured: parec 0.5 s before PortAudio's ALSA `pulse` device on PipeWire; on PulseAudio
# either, by up to 0.44 s). In such a call the input that starts this much later than the other
# begins with silence for the difference, so both sides' times are the same wall time. PortAudio
# streams alone start together and stay aligned by sample count (ALSA file devices, which deliver
# as fast as they are read, have no wall time to align to).
_ALIGN_S = 0.1


@dataclass
class _Gap:
    """An input whose device is lost: since when (monotonic), at which call time, how many
    samples of silence stand in for it so far, and when to look for it next."""

    since: float
    t: float
    next_try: float
    filled: int = 0


class DeviceSource:
    """Frames from one or two input devices.

    - ``caller_device`` and ``agent_device`` different: each device's first channel is one side.
    - the same device for both: a stereo device carrying both sides, split like a stereo WAV;
      ``caller_channel`` (0 or 1) is the caller. Said, not guessed from the channel count,
      which does not tell: ALSA plugin devices report 128 input channels, PulseAudio/PipeWire's
      ``default`` 32 or more, and many USB headsets 2 for one microphone.
    - only one of them: that side only (one mono device given as the caller is the caller only,
      as a mono WAV is).
    - neither: the default input device, as the agent's headset (``default_devices``).

    Each device is opened at ``samplerate`` if given, else at 16 kHz if it accepts that, else at
    its default rate; soxr converts on the way in. The call ends after ``max_seconds`` of audio
    (tests, timed sessions), or on ``stop()`` from another thread (or Ctrl-C in the reading one).

    A device that PortAudio stops delivering from mid-call (unplugged, its sound server gone)
    does not end the call: ``on_device_change`` is told, its side is heard as silence for the
    wall time it is gone (so call time stays wall time and the other side runs on), it is looked
    for every ``_RETRY_S`` and when back the same call goes on (told again). A device whose
    stream still runs but sends nothing for ``_SILENT_S`` (a frozen sound server) is reported
    the same way, with no silence for it: such a stream sends the audio of the gap when it
    wakes. After ``device_wait_s`` without either, ``frames()`` ends with an ``AudioInputError``.
    """

    def __init__(
        self,
        caller_device: str | int | None = None,
        agent_device: str | int | None = None,
        caller_channel: int = 0,
        max_seconds: float | None = None,
        samplerate: int | None = None,
        device_wait_s: float = 300.0,
    ):
        if caller_channel not in (0, 1):
            raise AudioInputError(f"--caller-channel {caller_channel}: a stereo device's caller channel is 0 or 1")
        self._inputs = plan_inputs(caller_device, agent_device, caller_channel, samplerate)
        self._max_frames = None if max_seconds is None else int(np.ceil(max_seconds * SAMPLE_RATE / HOP_SAMPLES))
        self._queue: queue.Queue = queue.Queue(maxsize=int(_QUEUE_S / _BLOCK_S) * len(self._inputs))
        self._streams: list = [None] * len(self._inputs)  # per input; None while its device is lost
        self._generation = 0  # PortAudio restarts so far (each re-reads the device list)
        self._left_open = False  # a stream that would not close was left open (_drop_stream)
        self._wait_s = device_wait_s
        self._stop = threading.Event()
        self.on_device_change: Callable[[DeviceChange], None] | None = None
        self.status_flags = 0  # PortAudio overflow reports seen by the callbacks, logged at close
        self.dropped_blocks = 0  # blocks the reader was too far behind to take, logged at close
        speakers = {s for i in self._inputs for s in i.speakers}
        self.info = SourceInfo(
            name=" + ".join(f"{i.device['name']} ({'/'.join(i.speakers)})" for i in self._inputs),
            sample_rate_in=self._inputs[0].rate,
            channels=len(speakers),
            speakers=tuple(s for s in SPEAKERS if s in speakers),
            duration_s=None,
            realtime=True,
        )

    def _open(self, n: int) -> Any:
        """Input ``n``'s stream, open but not started (raises ``PortAudioError``, ``MonitorError``)."""
        inp = self._inputs[n]

        blocks = itertools.count()  # this stream's blocks, the dropped ones included

        # Runs on PortAudio's thread: hand the block over, with when it came, and nothing else
        # (no conversion, logging or waiting), so the audio thread never misses a deadline.
        def callback(indata, frames, time_info, status):
            if status:
                self.status_flags += 1
            self.dropped_blocks += _offer(self._queue, (n, next(blocks), indata.copy(), time.monotonic()))

        stream = open_input(inp, int(inp.rate * _BLOCK_S), callback)
        self._streams[n] = stream
        return stream

    def _start(self) -> None:
        sd = portaudio()
        try:
            for n, inp in enumerate(self._inputs):
                self._open(n)
            # started together, after all are open, so the sides' sample counts share a start
            for stream, inp in zip(self._streams, self._inputs):
                stream.start()
        except (sd.PortAudioError, MonitorError) as e:
            self.close()
            what = "output monitor" if "monitor_of" in inp.device else f"input device {inp.device['index']}"
            raise AudioInputError(f"cannot open {what} '{inp.device['name']}': {e}") from None

    def _restore(self, n: int) -> bool:
        """One try to get lost input ``n`` back. PortAudio lists devices once, when it starts, so
        when no stream runs it is restarted (``Pa_Terminate``/``Pa_Initialize``, as sounddevice
        #125 advises; it would stop running streams too) and the device looked up by name again
        (its index may change). While the other side's device runs, only the index known from
        before is tried. An output monitor is recorded again once its sound server lists it."""
        sd = portaudio()
        inp = self._inputs[n]
        try:
            if "monitor_of" in inp.device:
                if not any(m["name"] == inp.device["name"] for m in list_monitors()):
                    return False
            else:
                # (not after a stream was left open: Pa_Terminate would wait for it to close)
                others = [s for s, i in zip(self._streams, self._inputs) if "monitor_of" not in i.device]
                if all(stream is None for stream in others) and not self._left_open:
                    sd._terminate()
                    sd._initialize()
                    self._generation += 1
                if inp.generation != self._generation:
                    found = [d for d in list_input_devices() if d["name"] == inp.device["name"]]
                    if not found:
                        return False
                    inp.device, inp.generation = found[0], self._generation
            self._open(n).start()
        except (sd.PortAudioError, MonitorError) as e:
            log.info("input device '%s' not back yet: %s", inp.device["name"], e)
            self._drop_stream(n)
            return False
        return True

    def _drop_stream(self, n: int) -> None:
        stream, self._streams[n] = self._streams[n], None
        if stream is None:
            return
        closing = threading.Thread(target=stream.close, name="close-input", daemon=True)
        closing.start()
        closing.join(_CLOSE_WAIT_S)
        if closing.is_alive():
            self._left_open = True
            log.warning("input device '%s' did not close within %g s (its driver or sound server is not "
                        "answering); left open", self._inputs[n].device["name"], _CLOSE_WAIT_S)
            # PortAudio's exit handler would close it again, and wait as long
            atexit.unregister(portaudio()._exit_handler)

    def stop(self) -> None:
        """Ends ``frames()`` after the block in hand; safe to call from any thread."""
        self._stop.set()

    def _tell(self, change: DeviceChange) -> None:
        if self.on_device_change is not None:
            self.on_device_change(change)

    def frames(self) -> Iterator[Frame]:
        self._start()
        converters = [StreamConverter(i.rate, len(i.channels)) for i in self._inputs]
        framers = {s: Framer(s) for i in self._inputs for s in i.speakers}
        pending: dict[Speaker, deque[Frame]] = {s: deque() for s in framers}
        yielded = {s: 0 for s in framers}
        limit = self._max_frames
        heard = {s: time.monotonic() for s in framers}  # when each side last delivered (or the call began)
        began: set[Speaker] = set()  # the sides that have delivered
        received = [0] * len(self._inputs)  # samples per input, silence for its gaps included
        expected = [0] * len(self._inputs)  # the number of each input's next block (see _open)
        first_at: dict[int, float] = {}  # when each input's first block came (monotonic, in the callback)
        monitored = any("monitor_of" in i.device for i in self._inputs)  # see _ALIGN_S
        lost: dict[int, _Gap] = {}
        silent: dict[int, float] = {}  # inputs whose running stream sends nothing: since when (monotonic)
        failure: AudioInputError | None = None

        def take(n: int, block: np.ndarray, now: float) -> None:
            inp = self._inputs[n]
            if n in silent:
                self._restored(n, round(now - silent.pop(n), 2), t_reached())
            received[n] += len(block)
            resampled = converters[n].push(block[:, inp.channels])
            for i, speaker in enumerate(inp.speakers):
                pending[speaker].extend(framers[speaker].push(resampled[:, i]))
                heard[speaker] = now
                began.add(speaker)

        def t_reached() -> float:
            return max(yielded.values()) * HOP_SAMPLES / SAMPLE_RATE

        try:
            while not self._stop.is_set() and (limit is None or min(yielded.values()) < limit):
                try:
                    n, k, block, came = self._queue.get(timeout=0.2)
                except queue.Empty:
                    n = None
                now = time.monotonic()
                if n is not None and n not in first_at and monitored:
                    first_at[n] = came
                    if (late := came - min(first_at.values())) >= _ALIGN_S:
                        take(n, np.zeros((int(late * self._inputs[n].rate), block.shape[1]), np.int16), now)
                if n is not None and n not in lost:  # a lost stream's last blocks: its gap is filled
                    if k > expected[n]:  # blocks dropped (the reader was behind) are heard as silence
                        take(n, np.zeros(((k - expected[n]) * len(block), block.shape[1]), np.int16), now)
                    expected[n] = k + 1  # (a reopened stream counts from 0 again)
                    take(n, block, now)
                if self._queue.empty():  # every block delivered so far is in hand
                    failure = self._watch(lost, silent, now, heard, received, take, t_reached)
                    if failure is not None:
                        break
                # (only with every delivered block in hand: after the reader itself was held up,
                # the other side's blocks may still be waiting in the queue)
                stalled = ({s for s, at in heard.items() if now - at > (_STALL_S if s in began else _SILENT_S)}
                           if self._queue.empty() else set())
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
        if failure is not None:
            raise failure

    def _watch(
        self,
        lost: dict[int, _Gap],
        silent: dict[int, float],
        now: float,
        heard: dict[Speaker, float],
        received: list[int],
        take: Callable[[int, np.ndarray, float], None],
        t_reached: Callable[[], float],
    ) -> AudioInputError | None:
        """Finds inputs whose stream PortAudio ended (a device unplugged, its sound server
        gone, a host error), fills their gap with silence as wall time passes, tries to get
        them back every ``_RETRY_S``; finds running streams that have sent nothing for
        ``_SILENT_S``; returns the error that ends the call once one has been gone
        ``device_wait_s``."""
        for n, stream in enumerate(self._streams):
            if n in lost or stream is None:
                continue
            inp = self._inputs[n]
            since = min(heard[s] for s in inp.speakers)
            was_silent = n in silent
            if not stream.active:
                silent.pop(n, None)  # now lost: its gap, from its last block on, is filled as for any lost device
                lost[n] = _Gap(since=since, t=received[n] / inp.rate, next_try=now + _RETRY_S)
                self._drop_stream(n)
                log.warning("input device '%s' lost; waiting for it (up to %g s, audio.device_wait_s)",
                            inp.device["name"], self._wait_s)
            elif not was_silent and now - since >= _SILENT_S:
                silent[n] = since
                log.warning("input device '%s' has sent no audio for %.0f s; waiting for it (up to %g s, "
                            "audio.device_wait_s)", inp.device["name"], now - since, self._wait_s)
            else:
                continue
            if not was_silent:  # a silent device that then stops has been reported
                # stamped with the audio time the call has reached (not what the device had
                # sent, some of it still on its way to the pipeline): the log stays in time order
                self._tell(DeviceChange(t_reached(), inp.device["name"], inp.speakers))
        for n, since in silent.items():
            if now - since >= self._wait_s:
                name = self._inputs[n].device["name"]
                return AudioInputError(
                    f"input device '{name}' sent no audio for {self._wait_s:g} s (audio.device_wait_s) from "
                    f"{received[n] / self._inputs[n].rate:.1f} s of the call; the call has ended"
                )
        for n, gap in list(lost.items()):
            inp = self._inputs[n]
            # The lost side is heard as silence for the wall time it is gone, so the call's
            # clock stays the wall clock and both sides stay in step.
            due = int((now - gap.since) * inp.rate) - gap.filled
            if due > 0:
                take(n, np.zeros((due, max(inp.channels) + 1), np.int16), now)
                gap.filled += due
            if now - gap.since >= self._wait_s:
                return AudioInputError(
                    f"input device '{inp.device['name']}' was lost at {gap.t:.1f} s of the call and did not come "
                    f"back within {self._wait_s:g} s (audio.device_wait_s); the call has ended"
                )
            if now >= gap.next_try:
                if self._restore(n):
                    del lost[n]
                    heard.update(dict.fromkeys(inp.speakers, time.monotonic()))  # silent from its reopening on
                    self._restored(n, gap.filled / inp.rate, t_reached())
                else:
                    gap.next_try = time.monotonic() + _RETRY_S
        return None

    def _restored(self, n: int, lost_s: float, t: float) -> None:
        inp = self._inputs[n]
        log.warning("input device '%s' is back after %.1f s; the call goes on", inp.device["name"], lost_s)
        self._tell(DeviceChange(t, inp.device["name"], inp.speakers, lost_s))

    def _close_streams(self) -> None:
        for n in range(len(self._streams)):
            self._drop_stream(n)

    def close(self) -> None:
        self._stop.set()
        self._close_streams()
        if self.status_flags:
            log.warning("input devices reported %d overflow(s): some audio was dropped", self.status_flags)
            self.status_flags = 0
        if self.dropped_blocks:
            log.warning("%d audio block(s) of %g s were dropped (heard as silence): the analysis fell more "
                        "than %g s behind",
                        self.dropped_blocks, _BLOCK_S, _QUEUE_S)
            self.dropped_blocks = 0

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


def _offer(q: queue.Queue, item: Any) -> int:
    """Puts ``item`` without ever waiting (PortAudio's thread calls this); when ``q`` is full
    the item is dropped. Returns how many were dropped (0 or 1).

    The newest is dropped, not the oldest: either way the reader is a whole queue behind and
    loses as much audio, but so the audio thread does one non-blocking put and nothing else,
    and what is queued stays contiguous (a device faster than real time, as the tests' ALSA
    file devices, keeps its first seconds)."""
    try:
        q.put_nowait(item)
        return 0
    except queue.Full:
        return 1
