"""Runs a call: frames from a source, through each speaker's recogniser, out as events to sinks.

Everything here is timed by audio: an event's ``t`` is the call-audio time at which it became
known, so the same recording gives the same events on any machine.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import queue
import threading
from pathlib import Path
from typing import Callable, Iterable, Iterator, Protocol

from voiceassist import events
from voiceassist.analysis.monitor import Measurement, VoiceMonitor
from voiceassist.asr.base import Engine, Recognizer, Transcript
from voiceassist.config import Config
from voiceassist.errors import VoiceAssistError
from voiceassist.events import Event
from voiceassist.sinks.base import Sink
from voiceassist.frames import HOP_MS, Frame, Speaker
from voiceassist.rules.monitor import MonitorRules
from voiceassist.rules.phrasebook import load_phrasebook
from voiceassist.rules.triggers import TriggerEngine
from voiceassist.sources.base import Source

__all__ = ["CallRules", "run_call", "replay_analysis", "read_events", "run_events"]

log = logging.getLogger(__name__)


class _Fanout:
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


# A live runner more than this far behind the audio skips interim re-decodes (finals only).
_MAX_BACKLOG_S = 1.0
# ... and this far behind, recognition skips the audio waiting for it (or, reading a file as
# fast as possible, the audio loop waits). Above a long Whisper final decode (a 30 s
# utterance at RTF 0.25 is ~8 s), so a normal call never skips.
_MAX_LAG_S = 20.0


class _Inline:
    """Recognition in the calling thread: deterministic, for offline analysis."""

    def __init__(self, recognizers: dict[Speaker, Recognizer]):
        self._recognizers = recognizers

    def accept(self, frame: Frame) -> list[Transcript]:
        recognizer = self._recognizers.get(frame.speaker)  # none when only the monitor runs
        return recognizer.accept(frame) if recognizer is not None else []

    def finish(self, now: float) -> list[Transcript]:
        return [tr for r in self._recognizers.values() for tr in r.finish()]


@dataclasses.dataclass
class _Lane:
    """Speakers whose recognition takes turns in one thread, and the frames waiting for it."""

    speakers: tuple[Speaker, ...]
    frames: queue.Queue
    thread: threading.Thread | None = None


class _Worker:
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
                if hasattr(recognizer, "interim_enabled"):
                    recognizer.interim_enabled = lane.frames.qsize() < backlog
                for tr in recognizer.accept(frame):
                    self._results.put(tr)
            for speaker in lane.speakers:
                for tr in self._recognizers[speaker].finish():
                    self._results.put(tr)
        except BaseException as e:  # re-raised in the audio loop
            self._error = e

    def _ready(self, now: float) -> list[Transcript]:
        if self._error is not None:
            raise self._error
        out = []
        while not self._results.empty():
            tr = self._results.get_nowait()
            out.append(dataclasses.replace(tr, t=max(tr.t, now)))
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
        self._put(frame)
        self.peak = max(self.peak, self.waiting())
        return self._ready(frame.end)

    def finish(self, now: float) -> list[Transcript]:
        for lane in self._lanes:
            self._wait_put(lane, None)
        for lane in self._lanes:
            lane.thread.join()
        return self._ready(now)


# `level` events are sampled: at most one per speaker per this many seconds (the contract).
_LEVEL_EVERY_S = 0.5


class CallRules:
    """What the rules make of a call's analysis: prompts, promises, sampled ``level`` events
    and the closing ``call.ended``.

    It takes the analysis, not the audio: each speaker's ``Measurement`` per frame and the
    transcripts, in the order they became known. So a call analysed once (``voiceassist.cache``)
    replays to the same events under any rule settings without touching its audio again.
    """

    def __init__(self, emit: Callable[[Event], None], language: str, cfg: Config, *,
                 levels: bool = False, call_start: dt.datetime | None = None):
        book = load_phrasebook(language, cfg.triggers.phrasebooks_dir)
        self.language = language
        self._emit = emit
        self._levels = levels
        self._next_level: dict[Speaker, float] = {}
        self.monitor = MonitorRules(cfg.monitor, book)
        self.triggers = TriggerEngine(book, cfg.triggers, cfg.escalation, call_start)

    def reload(self, cfg: Config) -> None:
        """A new config mid-call (``voiceassist.reload``): the rules' thresholds and the
        phrasebook change from the next frame; what was heard and shown so far stays. The
        analysis itself (VAD, recogniser, measurement windows) keeps the call's settings."""
        book = load_phrasebook(self.language, cfg.triggers.phrasebooks_dir)
        self.monitor.configure(cfg.monitor, book)
        self.triggers.configure(book, cfg.triggers, cfg.escalation)

    def measured(self, m: Measurement) -> None:
        caller = m.speaker == "caller"
        if caller and m.speaking and None not in (m.loudness_lufs, m.baseline_lufs):
            self.triggers.caller_voice(m.loudness_lufs - m.baseline_lufs, m.t)
        if self._levels and m.t >= self._next_level.get(m.speaker, 0.0):
            self._emit(events.level(m, self.triggers.escalation.level(m.t) if caller else None))
            self._next_level[m.speaker] = m.t + _LEVEL_EVERY_S
        for event in self.monitor.on_measurement(m) + self.triggers.tick(m.t):
            self._emit(event)

    def heard(self, tr: Transcript) -> None:
        event = events.transcript(tr)
        self._emit(event)
        for derived in self.triggers.on_transcript(event):
            self._emit(derived)

    def finish(self, duration: float, counts: events.Summary) -> None:
        for event in self.monitor.finish(duration) + self.triggers.finish(duration):
            self._emit(event)
        self._emit(events.call_ended(duration=duration, summary=_summary(counts, self.triggers)))


class Recorder(Protocol):
    """Keeps a call's analysis as it is made (``voiceassist.cache``)."""

    def measured(self, m: Measurement) -> None: ...

    def heard(self, tr: Transcript) -> None: ...


def run_call(
    source: Source,
    engine: Engine | None,
    sinks: Iterable[Sink],
    cfg: Config,
    *,
    levels: bool = False,
    live: bool = False,
    on_progress: Callable[[float], None] | None = None,
    call_start: dt.datetime | None = None,
    recorder: Recorder | None = None,
    reload: Callable[[], Config | None] | None = None,
) -> float:
    """Analyse one call from ``source`` and return its duration in seconds.

    Each frame goes through its speaker's voice monitor and the rules (cheap, always in this
    thread, so prompts keep pace with the audio) and to speech recognition. ``live`` runs
    recognition in a background thread so audio is never held up by a decode (devices, paced
    replay); otherwise it runs inline and the events are deterministic. ``levels`` adds
    sampled ``level`` events. With no ``engine`` only the voice monitor runs (no transcripts),
    in ``cfg.asr.language``. ``call_start`` (local time) resolves promised call-back times
    ("tomorrow at three"). ``recorder`` keeps the analysis (measurements and transcripts).
    ``reload`` is polled before each frame for a new config to apply (``voiceassist.reload``).
    The call is ended in order (recognisers flushed, ``call.ended`` written) also when the
    source stops early, e.g. on Ctrl-C in ``live``.
    """
    emit = _Fanout(sinks)
    info = source.info
    language = engine.language if engine is not None else cfg.asr.language
    emit(
        events.call_started(
            language=language,
            engine=engine.name if engine is not None else "none",
            model=engine.model if engine is not None else "",
            sample_rate_in=info.sample_rate_in,
            channels=info.channels,
            started_at=_iso(call_start),
        )
    )
    rules = CallRules(emit, language, cfg, levels=levels, call_start=call_start)
    measured, heard = rules.measured, rules.heard
    if recorder is not None:
        measured = _both(recorder.measured, rules.measured)
        heard = _both(recorder.heard, rules.heard)
    monitors = {
        s: VoiceMonitor(s, cfg.monitor, cfg.audio.vad_aggressiveness, cfg.asr.endpoint_silence_ms)
        for s in info.speakers
    }
    recognizers = {speaker: engine.recognizer(speaker) for speaker in info.speakers} if engine is not None else {}
    if live and recognizers:
        asr = _Worker(recognizers, block=not info.realtime, parallel=engine.parallel)
    else:
        asr = _Inline(recognizers)
    duration = 0.0
    try:
        for frame in source.frames():
            if reload is not None and (new := reload()) is not None:
                rules.reload(new)
            duration = max(duration, frame.end)
            measured(monitors[frame.speaker].push(frame))
            for tr in asr.accept(frame):
                monitors[tr.speaker].hear(tr)
                heard(tr)
            if on_progress is not None:
                on_progress(duration)
    finally:
        for tr in asr.finish(duration):
            heard(tr)
        rules.finish(duration, emit.summary)
    emit.raise_failure()
    return duration


def replay_analysis(
    started: Event,
    analysis: Iterable[Measurement | Transcript],
    sinks: Iterable[Sink],
    cfg: Config,
    *,
    levels: bool = False,
    call_start: dt.datetime | None = None,
) -> float:
    """The events of a call analysed earlier: ``started`` is its ``call.started`` (without
    ``t``/``type``/``started_at``), ``analysis`` its measurements and transcripts in the order
    ``run_call`` made them. The rules run afresh under ``cfg``; no audio, no recogniser."""
    emit = _Fanout(sinks)
    emit(events.call_started(**started, started_at=_iso(call_start)))
    rules = CallRules(emit, started["language"], cfg, levels=levels, call_start=call_start)
    duration = 0.0
    for item in analysis:
        if isinstance(item, Measurement):
            duration = max(duration, item.t)
            rules.measured(item)
        else:
            rules.heard(item)
    rules.finish(duration, emit.summary)
    emit.raise_failure()
    return duration


def _both(first: Callable, second: Callable) -> Callable:
    def call(item) -> None:
        first(item)
        second(item)

    return call


def _iso(when: dt.datetime | None) -> str | None:
    return when.replace(microsecond=0).isoformat() if when else None


def _summary(counts: events.Summary, triggers: TriggerEngine) -> dict:
    """PLAYBOOK row 14: what to look at after the call."""
    promises = [{k: p[k] for k in ("text", "due", "due_said", "said_at")} for p in triggers.promises]
    return {**counts.result(), "topics": list(triggers.topics), "promises": promises}


def _triggers(language: str, cfg: Config, call_start: dt.datetime | None) -> TriggerEngine:
    return TriggerEngine(load_phrasebook(language, cfg.triggers.phrasebooks_dir), cfg.triggers, cfg.escalation, call_start)


def _started_at(path: Path | str, started: Event) -> dt.datetime | None:
    """When a recorded call started: its ``call.started`` says, else unknown."""
    try:
        return dt.datetime.fromisoformat(started["started_at"]) if started.get("started_at") else None
    except (TypeError, ValueError):
        raise VoiceAssistError(f"{path}: call.started has started_at {started['started_at']!r}; expected ISO 8601 local time") from None


def read_events(path: str | Path) -> Iterator[Event]:
    """Events from a JSON-lines file in the contract format, checked line by line."""
    path = Path(path)
    try:
        f = path.open("rb")  # bytes: json.loads decodes each line, so bad UTF-8 is named by line
    except OSError as e:
        raise VoiceAssistError(f"{path}: cannot read events: {e.strerror}") from None
    with f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                event = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError) as e:
                raise VoiceAssistError(f"{path}:{number}: not a JSON event line: {e}") from None
            wrong = events.problem(event)
            if wrong:
                raise VoiceAssistError(f"{path}:{number}: {wrong}")
            yield event


_INPUT_TYPES = ("call.started", "transcript.partial", "transcript.final", "level")


def run_events(path: str | Path, sinks: Iterable[Sink], cfg: Config, call_start: dt.datetime | None = None) -> float:
    """Re-run a call from its recorded transcript (and level) events; recognition is skipped.

    Derived events (prompts from what was said, promises, the end summary) are computed
    afresh, so a file from an earlier run or another recogniser gives the events this version
    would have shown. The voice monitor's prompts need the audio and are not re-derived; the
    caller's ``level`` events, when present, feed their agitation. ``call_start`` overrides the
    ``started_at`` of the file's ``call.started``.
    """
    emit = _Fanout(sinks)
    duration = 0.0
    triggers: TriggerEngine | None = None
    empty = True
    for event in read_events(path):
        empty = False
        if event["type"] not in _INPUT_TYPES:
            continue
        if triggers is None:
            started = event if event["type"] == "call.started" else {}
            triggers = _triggers(started.get("language", cfg.asr.language), cfg, call_start or _started_at(path, started))
        duration = max(duration, float(event["t"]), float(event.get("end", 0.0)))
        for derived in triggers.tick(event["t"]):
            emit(derived)
        emit(event)
        if event["type"].startswith("transcript."):
            for derived in triggers.on_transcript(event):
                emit(derived)
        elif event["type"] == "level" and event["speaker"] == "caller" and event["speaking"]:
            if event["loudness_lufs"] is not None and event["baseline_lufs"] is not None:
                triggers.caller_voice(event["loudness_lufs"] - event["baseline_lufs"], event["t"])
    if empty:
        raise VoiceAssistError(f"{path}: no events in the file; expected JSON lines of events (call.started, transcript.final, ...)")
    if triggers is None:
        triggers = _triggers(cfg.asr.language, cfg, call_start)
    for derived in triggers.finish(duration):
        emit(derived)
    emit(events.call_ended(duration=duration, summary=_summary(emit.summary, triggers)))
    emit.raise_failure()
    return duration
