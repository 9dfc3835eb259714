"""How a call's recognisers are run: ahead of the call loop on a recording (offline analysis,
deterministic), or behind it in background threads (live calls, where the audio never waits
for a decode).

Both take every frame of the call (``accept``) and return the transcripts ready with it, and
at the end flush the recognisers (``finish``).
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import threading
from concurrent.futures import Future
from typing import Callable, Iterable, Protocol

from voiceassist.asr.base import Recognizer
from voiceassist.frames import HOP_MS, Frame, Speaker
from voiceassist.transcripts import Heard, Transcript

__all__ = ["Runner", "AheadRunner", "ThreadedRunner"]

log = logging.getLogger(__name__)


class Runner(Protocol):
    def accept(self, frame: Frame) -> list[Transcript]: ...

    def finish(self) -> list[Transcript]: ...


# A live runner more than this far behind the audio skips interim re-decodes (finals only).
_MAX_BACKLOG_S = 1.0
# ... and this far behind, recognition skips the audio waiting for it (or, reading a file as
# fast as possible, the audio loop waits). Above a long Whisper final decode (a 30 s
# utterance at RTF 0.25 is ~8 s), so a normal call never skips.
_MAX_LAG_S = 20.0
# Offline, a speaker's recognition reads this far ahead of the call loop at most.
_AHEAD_S = 60.0


class AheadRunner:
    """Offline recognition: each speaker's recogniser in a thread of its own, reading that
    speaker's frames from a pass of its own over the recording (``passes()`` starts one), ahead
    of the call loop. The loop takes what each frame gave when it reaches that frame, so the
    events are exactly those of decoding frame by frame in the loop, on any machine, while the
    speakers decode side by side (an engine that is not ``parallel`` has one thread for all,
    taking the frames in the recording's order).
    Each thread runs at most ``_AHEAD_S`` of audio ahead (above a long turn of the other
    speaker, so one's decodes go on while the other's do). Its recognisers are told so
    (``ahead``): a recogniser may then return a future for a decode, which the loop waits for
    when it reaches the frame that asked for it (Whisper decodes a speaker's next utterances
    beside the one running, so both cores stay busy when one speaker talks much more)."""

    def __init__(self, recognizers: dict[Speaker, Recognizer], passes: Callable[[], Iterable[Frame]], parallel: bool):
        for recognizer in recognizers.values():
            recognizer.ahead = True
        groups = [{s: r} for s, r in recognizers.items()] if parallel else [recognizers] if recognizers else []
        lanes = [_Ahead(group, passes) for group in groups]
        self._lanes = {s: lane for lane in lanes for s in lane.recognizers}
        self._now = 0.0  # the end of the last frame the loop reached

    def accept(self, frame: Frame) -> list[Transcript]:
        self._now = max(self._now, frame.end)
        lane = self._lanes.get(frame.speaker)  # none when only the monitor runs
        if lane is None:
            return []
        item = lane.take()
        if item is None or item[0] != (frame.speaker, frame.t):
            raise RuntimeError(f"recognition of the {frame.speaker} lost step with the recording at {frame.t:.2f} s")
        return _resolved(item[1])

    def finish(self) -> list[Transcript]:
        """The recognisers' last words. A loop that stopped early (Ctrl-C) stops the readers
        where they are, and gets the words of their last utterance that ended by its end."""
        out: list[Heard] = []
        for lane in dict.fromkeys(self._lanes.values()):
            for item in lane.end():
                item = dataclasses.replace(item, t=min(item.t, self._now))
                if isinstance(item, Transcript) and item.end > self._now:
                    words = [w for w in item.words if w.end <= self._now]
                    if not words:
                        continue
                    item = dataclasses.replace(item, words=tuple(words), text=" ".join(w.w for w in words), end=words[-1].end)
                out.append(item)
        return out


class _Ahead(threading.Thread):
    def __init__(self, recognizers: dict[Speaker, Recognizer], passes: Callable[[], Iterable[Frame]]):
        super().__init__(name="asr-" + "+".join(recognizers), daemon=True)
        self.recognizers, self._passes = recognizers, passes
        self._results: queue.Queue = queue.Queue(maxsize=round(_AHEAD_S * len(recognizers) * 1000 / HOP_MS))
        self._stopping = threading.Event()
        self._last: list[Transcript] = []
        self._error: BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            for frame in self._passes():
                if self._stopping.is_set():
                    break
                if (recognizer := self.recognizers.get(frame.speaker)) is not None:
                    self._put(((frame.speaker, frame.t), recognizer.accept(frame)))
            self._last = _resolved([tr for r in self.recognizers.values() for tr in r.finish()])
        except BaseException as e:  # re-raised in the call loop
            self._error = e
        self._put(None)

    def _put(self, item) -> None:
        while not self._stopping.is_set():
            try:
                return self._results.put(item, timeout=0.5)
            except queue.Full:
                continue

    def take(self) -> tuple[tuple[Speaker, float], list[Transcript]] | None:
        item = self._results.get()
        if item is None:
            self._raise()
        return item

    def end(self) -> list[Transcript]:
        self._stopping.set()
        while True:  # make room for a reader waiting to put; what it read is not decoded
            try:
                item = self._results.get_nowait()
            except queue.Empty:
                break
            for x in item[1] if item else []:
                if isinstance(x, Future):
                    x.cancel()
        self.join()
        self._raise()
        return self._last

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error


def _resolved(items: list) -> list[Heard]:
    """A recogniser's output with each future replaced by what it gave."""
    return [h for x in items for h in (x.result() if isinstance(x, Future) else [x])]


@dataclasses.dataclass
class _Lane:
    """Speakers whose recognition takes turns in one thread, and the frames waiting for it."""

    speakers: tuple[Speaker, ...]
    frames: queue.Queue
    thread: threading.Thread | None = None


class ThreadedRunner:
    """Recognition in background threads, for live calls: the audio loop never waits for a
    decode (a Whisper decode takes 1-2 s).

    ``parallel`` (an engine whose recognisers may decode at once: Vosk, Whisper on two cores)
    gives each speaker a thread of their own, so two speakers use two cores. Otherwise both
    speakers share one thread and their decodes take turns on the CPU instead of competing
    for it. Transcripts are stamped with the audio
    time at which the loop receives them.

    The frames waiting for recognition are bounded to ``_MAX_LAG_S`` of audio, so a shift-long
    call cannot pile up memory. When they are full: with ``block`` (a file read as fast as
    possible) the audio loop waits for recognition; without it (audio arriving at the pace of
    speech: a device, a paced replay, which must never wait) recognition skips ahead: the
    waiting frames are dropped, once per gap, with a warning. The voice monitor and its prompts
    still see every frame; only transcripts of the skipped audio are lost.
    """

    def __init__(self, recognizers: dict[Speaker, Recognizer], block: bool = False, parallel: bool = False):
        self._recognizers = recognizers
        self._block = block
        groups = [(s,) for s in recognizers] if parallel else [tuple(recognizers)]
        self._lanes = [_Lane(g, queue.Queue(maxsize=self.max_frames(len(g)))) for g in groups]
        self._lane = {s: lane for lane in self._lanes for s in lane.speakers}
        self._results: queue.Queue[Transcript] = queue.Queue()  # drained by the audio loop at every frame
        self._error: BaseException | None = None
        self._now = 0.0  # the end of the last frame accepted: the audio time the loop has reached
        self.peak = 0  # most frames ever waiting (benchmarks)
        self.dropped = 0  # frames skipped by recognition
        for lane in self._lanes:
            lane.thread = threading.Thread(target=self._run, args=(lane,), name="asr-" + "+".join(lane.speakers), daemon=True)
            lane.thread.start()

    @staticmethod
    def max_frames(speakers: int) -> int:
        return round(_MAX_LAG_S * speakers * 1000 / HOP_MS)

    def waiting(self) -> int:
        """Frames waiting for recognition, all speakers."""
        return sum(lane.frames.qsize() for lane in self._lanes)

    def _run(self, lane: _Lane) -> None:
        backlog = round(_MAX_BACKLOG_S * len(lane.speakers) * 1000 / HOP_MS)  # in frames
        try:
            while (frame := lane.frames.get()) is not None:
                recognizer = self._recognizers[frame.speaker]
                recognizer.interim_enabled = lane.frames.qsize() < backlog
                for tr in recognizer.accept(frame):
                    self._results.put(tr)
            for speaker in lane.speakers:
                for tr in self._recognizers[speaker].finish():
                    self._results.put(tr)
        except BaseException as e:  # re-raised in the audio loop
            self._error = e

    def _ready(self) -> list[Transcript]:
        if self._error is not None:
            raise self._error
        out = []
        while not self._results.empty():
            tr = self._results.get_nowait()
            out.append(dataclasses.replace(tr, t=max(tr.t, self._now)))
        return out

    @staticmethod
    def _wait_put(lane: _Lane, item: Frame | None) -> None:
        while lane.thread.is_alive():  # a worker that died would never make room
            try:
                return lane.frames.put(item, timeout=0.5)
            except queue.Full:
                continue

    def _put(self, frame: Frame) -> None:
        lane = self._lane[frame.speaker]
        if self._block:
            return self._wait_put(lane, frame)
        try:
            lane.frames.put_nowait(frame)
        except queue.Full:
            skipped = 0
            try:
                while True:
                    lane.frames.get_nowait()
                    skipped += 1
            except queue.Empty:
                pass
            self.dropped += skipped
            log.warning(
                "speech recognition fell %.0f s behind the audio at %.1f s; skipped %.1f s of audio to catch up",
                _MAX_LAG_S, frame.t, skipped * HOP_MS / 1000 / len(lane.speakers),
            )
            lane.frames.put_nowait(frame)

    def accept(self, frame: Frame) -> list[Transcript]:
        self._now = max(self._now, frame.end)
        self._put(frame)
        self.peak = max(self.peak, self.waiting())
        return self._ready()

    def finish(self) -> list[Transcript]:
        for lane in self._lanes:
            self._wait_put(lane, None)
        for lane in self._lanes:
            lane.thread.join()
        return self._ready()
