"""How a call's recognisers are run: in the calling thread (offline analysis, deterministic)
or in background threads (live calls, where the audio never waits for a decode).

Both take every frame of the call (``accept``) and return the transcripts ready with it, and
at the end flush the recognisers (``finish``).
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import threading
from typing import Protocol

from voiceassist.asr.base import Recognizer
from voiceassist.frames import HOP_MS, Frame, Speaker
from voiceassist.transcripts import Transcript

__all__ = ["Runner", "InlineRunner", "ThreadedRunner"]

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


class InlineRunner:
    """Recognition in the calling thread: deterministic, for offline analysis."""

    def __init__(self, recognizers: dict[Speaker, Recognizer]):
        self._recognizers = recognizers

    def accept(self, frame: Frame) -> list[Transcript]:
        recognizer = self._recognizers.get(frame.speaker)  # none when only the monitor runs
        return recognizer.accept(frame) if recognizer is not None else []

    def finish(self) -> list[Transcript]:
        return [tr for r in self._recognizers.values() for tr in r.finish()]


@dataclasses.dataclass
class _Lane:
    """Speakers whose recognition takes turns in one thread, and the frames waiting for it."""

    speakers: tuple[Speaker, ...]
    frames: queue.Queue
    thread: threading.Thread | None = None


class ThreadedRunner:
    """Recognition in background threads, for live calls: the audio loop never waits for a
    decode (a Whisper decode takes 1-2 s).

    ``parallel`` (an engine whose recognisers each decode on one core: Vosk) gives each speaker
    a thread of their own, so two speakers use two cores. Otherwise (Whisper, whose every
    decode already uses ``cpu_threads`` cores) both speakers share one thread and their decodes
    take turns on the CPU instead of competing for it. Transcripts are stamped with the audio
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
