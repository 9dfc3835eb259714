"""Runs a call: from its audio (``run_call``), from an earlier analysis of it
(``replay_analysis``) or from its transcript events (``run_events``), through the rules to the
sinks.

Everything here is timed by audio: an event's ``t`` is the call-audio time at which it became
known, so the same recording gives the same events on any machine.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Callable, Iterable, Protocol

from voiceassist import events
from voiceassist.analysis.monitor import Measurement, VoiceMonitor
from voiceassist.asr.base import Engine
from voiceassist.asr.runners import AheadRunner, Runner, ThreadedRunner
from voiceassist.config import Config
from voiceassist.errors import InputError
from voiceassist.events import Event, read_events
from voiceassist.rules.call import CallRules
from voiceassist.sinks.base import Sink
from voiceassist.sinks.fanout import Fanout
from voiceassist.sources.base import DeviceChange, Source
from voiceassist.languages import starting
from voiceassist.transcripts import Heard, LanguageFound, Transcript

__all__ = ["Recorder", "run_call", "replay_analysis", "run_events"]


class Recorder(Protocol):
    """Keeps a call's analysis as it is made (``voiceassist.cache``)."""

    def measured(self, m: Measurement) -> None: ...

    def heard(self, tr: Transcript) -> None: ...

    def found(self, language: LanguageFound) -> None: ...


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
    agent: str | None = None,
) -> float:
    """Analyse one call from ``source`` and return its duration in seconds.

    Each frame goes through its speaker's voice monitor and the rules (cheap, always in this
    thread, so prompts keep pace with the audio) and to speech recognition. ``live`` runs
    recognition in background threads so audio is never held up by a decode (devices, paced
    replay); otherwise recognition reads the recording ahead of the loop in its own passes
    over it (``source.frames()`` is called again for each speaker) and the events are
    deterministic. ``levels`` adds
    sampled ``level`` events. With no ``engine`` only the voice monitor runs (no transcripts),
    in ``cfg.asr.language``. ``call_start`` (local time) resolves promised call-back times
    ("tomorrow at three"). ``recorder`` keeps the analysis (measurements and transcripts).
    ``reload`` is polled before each frame for a new config to apply (``voiceassist.reload``).
    A device lost or back mid-call is an event like any other. The call is ended in order
    (recognisers flushed, ``call.ended`` written) also when the source stops early, e.g. on
    Ctrl-C in ``live``.
    """
    emit = Fanout(sinks)
    info = source.info
    language = starting(engine.language if engine is not None else cfg.asr.language)
    emit(
        events.call_started(
            language=language,
            engine=engine.name if engine is not None else "none",
            model=engine.model if engine is not None else "",
            sample_rate_in=info.sample_rate_in,
            channels=info.channels,
            started_at=_iso(call_start),
            agent=agent,
        )
    )
    source.on_device_change = lambda change: emit(_device_event(change))
    rules = CallRules(emit, language, cfg, levels=levels, call_start=call_start)
    measured, transcribed, found = rules.measured, rules.heard, rules.found
    if recorder is not None:
        measured = _both(recorder.measured, rules.measured)
        transcribed = _both(recorder.heard, rules.heard)
        found = _both(recorder.found, rules.found)

    def heard(item: Heard) -> None:
        if isinstance(item, LanguageFound):
            found(item)
            return
        monitors[item.speaker].hear(item)
        transcribed(item)

    monitors = {
        s: VoiceMonitor(s, cfg.monitor, cfg.audio.vad_aggressiveness, cfg.asr.endpoint_silence_ms)
        for s in info.speakers
    }
    recognizers = {speaker: engine.recognizer(speaker) for speaker in info.speakers} if engine is not None else {}
    asr: Runner
    if live and recognizers:
        asr = ThreadedRunner(recognizers, block=not info.realtime, parallel=engine.parallel)
    else:
        asr = AheadRunner(recognizers, source.frames, parallel=engine is not None and engine.parallel)
    duration = 0.0
    try:
        for frame in source.frames():
            if reload is not None and (new := reload()) is not None:
                rules.reload(new)
            duration = max(duration, frame.end)
            measured(monitors[frame.speaker].push(frame))
            for item in asr.accept(frame):
                heard(item)
            if on_progress is not None:
                on_progress(duration)
    finally:
        for item in asr.finish():
            heard(item)
        for monitor in monitors.values():
            if (last := monitor.finish()) is not None:
                measured(last)
        rules.finish(duration, emit.summary)
    emit.raise_failure()
    return duration


def replay_analysis(
    started: Event,
    analysis: Iterable[Measurement | Heard],
    sinks: Iterable[Sink],
    cfg: Config,
    *,
    levels: bool = False,
    call_start: dt.datetime | None = None,
    agent: str | None = None,
) -> float:
    """The events of a call analysed earlier: ``started`` is its ``call.started`` (without
    ``t``/``type``/``started_at``), ``analysis`` its measurements and transcripts in the order
    ``run_call`` made them. The rules run afresh under ``cfg``; no audio, no recogniser."""
    emit = Fanout(sinks)
    emit(events.call_started(**started, started_at=_iso(call_start), agent=agent))
    rules = CallRules(emit, started["language"], cfg, levels=levels, call_start=call_start)
    duration = 0.0
    for item in analysis:
        if isinstance(item, Measurement):
            duration = max(duration, item.t)
            rules.measured(item)
        elif isinstance(item, LanguageFound):
            rules.found(item)
        else:
            rules.heard(item)
    rules.finish(duration, emit.summary)
    emit.raise_failure()
    return duration


_INPUT_TYPES = ("call.started", "transcript.partial", "transcript.final", "level", "language.detected")


def run_events(path: str | Path, sinks: Iterable[Sink], cfg: Config, call_start: dt.datetime | None = None,
               speed: float | None = None, agent: str | None = None) -> float:
    """Re-run a call from its recorded transcript (and level) events; recognition is skipped.

    Derived events (prompts from what was said, promises, the end summary) are computed
    afresh, so a file from an earlier run or another recogniser gives the events this version
    would have shown. The voice monitor's prompts need the audio and are not re-derived; the
    caller's ``level`` events, when present, feed their agitation. ``call_start`` overrides the
    ``started_at`` of the file's ``call.started``; ``agent`` names the agent in it. ``speed``: each event waits for its audio
    time, ``speed`` times faster than real time, as the call happened (for the floor).
    """
    emit = Fanout(sinks)
    began = time.monotonic()
    duration = 0.0
    rules: CallRules | None = None
    empty = True
    for event in read_events(path):
        empty = False
        if event["type"] not in _INPUT_TYPES:
            continue
        if rules is None:
            started = event if event["type"] == "call.started" else {}
            rules = CallRules(emit, started.get("language", starting(cfg.asr.language)), cfg,
                              call_start=call_start or _started_at(path, started))
        duration = max(duration, float(event["t"]), float(event.get("end", 0.0)))
        if speed is not None:
            time.sleep(max(0.0, began + float(event["t"]) / speed - time.monotonic()))
        rules.tick(event["t"])
        if event["type"].startswith("transcript."):
            rules.transcribed(event)
        elif event["type"] == "language.detected":
            rules.found(LanguageFound(event["language"], event["probability"], event["t"]))
        else:
            emit({**event, "agent": agent} if agent and event["type"] == "call.started" else event)
            if event["type"] == "level" and event["speaker"] == "caller":
                rules.caller_level(event)
    if empty:
        raise InputError(f"{path}: no events in the file; expected JSON lines of events (call.started, transcript.final, ...)")
    if rules is None:
        rules = CallRules(emit, starting(cfg.asr.language), cfg, call_start=call_start)
    rules.finish(duration, emit.summary)
    emit.raise_failure()
    return duration


def _device_event(change: DeviceChange) -> Event:
    if change.lost_s is None:
        return events.device_lost(change.t, device=change.device, speakers=list(change.speakers))
    return events.device_restored(change.t, device=change.device, speakers=list(change.speakers), lost_s=change.lost_s)


def _both(first: Callable, second: Callable) -> Callable:
    def call(item) -> None:
        first(item)
        second(item)

    return call


def _iso(when: dt.datetime | None) -> str | None:
    return when.replace(microsecond=0).isoformat() if when else None


def _started_at(path: Path | str, started: Event) -> dt.datetime | None:
    """When a recorded call started: its ``call.started`` says, else unknown."""
    try:
        return dt.datetime.fromisoformat(started["started_at"]) if started.get("started_at") else None
    except (TypeError, ValueError):
        raise InputError(f"{path}: call.started has started_at {started['started_at']!r}; expected ISO 8601 local time") from None
