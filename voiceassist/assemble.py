"""Assembles a run of ``analyze``, ``demo`` or ``live`` from the options the command line chose:
the config, the source, the recogniser, the sinks (event log, transcript, promises file, the
agent's view, the spoken cue, the report) and the analysis cache, then runs the call.

The command line only parses (``cli``); this module never reads its ``Namespace``. Status
lines (the view's address, a cached analysis, the report written) go to ``console``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import signal
from contextlib import ExitStack, nullcontext
from pathlib import Path
from typing import Any, Callable, Literal, Sequence

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from voiceassist.config import Config, load_config
from voiceassist.errors import UsageError, VoiceAssistError
from voiceassist.languages import AUTO, LANGUAGES, starting

__all__ = ["RunOptions", "Run", "Interrupted"]

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class RunOptions:
    """What to run and how, as the command line chose it."""

    command: Literal["analyze", "demo", "live"]
    input: Path | None = None  # analyze, demo: the recording, or a file of events
    config: str | None = None  # the team config, laid over the defaults
    overrides: dict[str, Any] = dataclasses.field(default_factory=dict)  # dotted keys from flags
    events: str | None = None  # the event log's path, "-" for stdout
    levels: bool = False  # `level` events in the log
    view: Literal["terminal", "web", "none"] = "none"
    speed: float = 1.0  # a recording played with a view, times real time
    call_start: dt.datetime | None = None  # local time; analyze: else the file's time less its duration
    report: Path | None = None  # the post-call report to write
    redact_report: bool = True
    caller_device: str | None = None  # live
    agent_device: str | None = None
    seconds: float | None = None  # live: end after this much audio
    floor: str | None = None  # the floor's broker (nats://…): the call's events are published there
    agent: str | None = None  # the agent's name on the floor (default: floor.agent, else the login name)


class Interrupted(KeyboardInterrupt):
    """A signal ended the call (in order, every event written): ``signum`` says which, so the
    command exits as that signal would have."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


class _Stop:
    """Ends a live or paced call in order: on SIGINT (Ctrl-C), SIGTERM, SIGHUP (the agent's
    terminal closed) or the panel's q key, the source is asked to stop and the call ends after
    the block in hand. Python's own way, an exception raised wherever the pipeline's thread is,
    can land inside a queue's bookkeeping and leave the recognition thread never woken (the
    call then hung before its call.ended); asking the source is safe anywhere. A second signal
    ends at once, with the exception, as before."""

    _SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

    def __init__(self, source) -> None:
        self._source = source
        self.signum: int | None = None  # the signal that ended the call, if one did
        self.quit = False  # q on the panel

    def __enter__(self) -> "_Stop":
        self._saved = {s: signal.signal(s, self._on_signal) for s in self._SIGNALS}
        return self

    def __exit__(self, *exc) -> None:
        for s, handler in self._saved.items():
            signal.signal(s, handler)

    def _on_signal(self, signum, frame) -> None:
        if self.signum is not None:
            raise Interrupted(signum)
        self.signum = signum
        self._source.stop()

    def __call__(self) -> None:
        self.quit = True
        self._source.stop()

    def raise_signal(self) -> None:
        """After the call: a signal that ended it ends the command as it would have."""
        if self.signum is not None:
            raise Interrupted(self.signum)


class Run:
    """One call's run. The config is loaded (and the call's phrasebook checked) at once, so a
    broken one fails before a model loads or an event is written."""

    def __init__(self, opts: RunOptions, console: Console):
        from voiceassist.rules.phrasebook import load_phrasebook

        self.opts = opts
        self.cfg = load_config(opts.config, opts.overrides)
        # A call published to the floor plays at its own pace, as a live one would.
        self._floor = opts.floor or self.cfg.floor.url or None
        self._agent = opts.agent or self.cfg.floor.agent or None  # named in call.started, for the team page
        if (opts.view != "none" or self._floor) and not opts.speed > 0:
            raise UsageError(f"--speed {opts.speed}: must be a positive factor, e.g. 1 or 2.5")
        for language in LANGUAGES if self.cfg.asr.language == AUTO else (self.cfg.asr.language,):
            load_phrasebook(language, self.cfg.triggers.phrasebooks_dir)
        self._err = console
        self._levels = opts.levels or opts.report is not None  # the report plots `level` events

    # -- the commands --------------------------------------------------------------------

    def analyze(self) -> None:
        """``analyze`` and ``demo``: a recording, or a file of transcript events."""
        path = self.opts.input
        if path.suffix.lower() == ".jsonl":
            from voiceassist.pipeline import run_events

            if self.opts.view != "none":
                raise UsageError(f"{path}: --view plays a WAV recording; for events use --view none")
            with ExitStack() as stack:
                sinks = self._sinks(stack)
                kept = self._report_sink(sinks)
                floor = self._floor_sink(stack)
                run_events(path, sinks + [floor] if floor else sinks, self.cfg, call_start=self.opts.call_start,
                           speed=self.opts.speed if floor else None, agent=self._agent)
            self._write_report(kept, path.stem)
        else:
            self._analyze_wav(path)

    def live(self, earlier: Sequence[dict] = ()) -> None:
        """``live``: the call from input devices, until Ctrl-C, SIGTERM, ``q`` or ``seconds``.
        ``earlier``: the open promises of earlier calls, shown on the view."""
        from voiceassist.asr import load_engine, models_dir
        from voiceassist.reload import ConfigWatcher
        from voiceassist.sources.device import DeviceSource

        cfg = self.cfg
        engine = load_engine(cfg.asr, cfg.asr.language, models_dir(cfg.asr), cfg.audio.vad_aggressiveness)
        with ExitStack() as stack:
            source = stack.enter_context(
                DeviceSource(
                    self.opts.caller_device,
                    self.opts.agent_device,
                    caller_channel=cfg.audio.caller_channel,
                    max_seconds=self.opts.seconds,
                    device_wait_s=cfg.audio.device_wait_s,
                )
            )
            sinks = self._sinks(stack)
            self._err.print(f"[dim]listening on {source.info.name}; Ctrl-C ends the call[/dim]")
            watcher = ConfigWatcher(self.opts.config, self.opts.overrides, cfg,
                                    LANGUAGES if engine.language == AUTO else (engine.language,))
            stack.callback(watcher.close)
            try:
                self._run(source, engine, sinks, stack, live=True, call_start=dt.datetime.now(), reload=watcher.take,
                          earlier=earlier)
            except KeyboardInterrupt:
                pass  # how a live call is ended: it ended in order, every event written

    # -- a recording -----------------------------------------------------------------------

    def _analyze_wav(self, path: Path) -> None:
        from voiceassist.asr import choose_model, load_engine, models_dir
        from voiceassist.pipeline import replay_analysis
        from voiceassist.sources.wav import WavSource

        cfg = self.cfg
        with ExitStack() as stack:
            source = stack.enter_context(WavSource(path, caller_channel=cfg.audio.caller_channel))
            model = choose_model(cfg.asr, cfg.asr.language, models_dir(cfg.asr))
            sinks = self._sinks(stack)
            kept = self._report_sink(sinks)
            duration = source.info.duration_s or 0.0
            # A recording's file is written as the call ends: it started that long before.
            call_start = self.opts.call_start or dt.datetime.fromtimestamp(path.stat().st_mtime - duration)
            cached, recorder = self._from_cache(path, source, model)
            if cached is not None:
                replay_analysis(cached.started, cached.analysis(), sinks, cfg, levels=self._levels, call_start=call_start,
                                agent=self._agent)
            else:
                engine = load_engine(cfg.asr, cfg.asr.language, models_dir(cfg.asr), cfg.audio.vad_aggressiveness, model)
                self._analyze_audio(path, source, engine, sinks, stack, call_start, recorder)
        self._write_report(kept, path.stem)

    def _analyze_audio(self, path: Path, source, engine, sinks: list, stack: ExitStack, call_start: dt.datetime,
                       recorder) -> None:
        on_progress = None
        viewed = self.opts.view != "none" or self._floor is not None
        duration = source.info.duration_s or 0.0
        if viewed:  # the agent's view (and the floor) plays the call at its own pace, as if it were live
            from voiceassist.sources.replay import ReplaySource

            source = ReplaySource(source, speed=self.opts.speed)
        elif self._err.is_terminal and duration > 10:
            progress = stack.enter_context(
                Progress(
                    TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                    TimeRemainingColumn(), console=self._err, transient=True,
                )
            )
            task = progress.add_task(path.name, total=duration)
            on_progress = lambda t: progress.update(task, completed=t)  # noqa: E731
        self._run(source, engine, sinks, stack, live=viewed, on_progress=on_progress, call_start=call_start,
                  recorder=recorder)
        if recorder is not None:
            recorder.save()

    def _from_cache(self, path: Path, source, model):
        """The call's cached analysis if there is one, else a recorder that keeps this one: the
        cache serves the offline analysis only (deterministic; paced views need the audio)."""
        from voiceassist import cache

        cfg = self.cfg
        if not cfg.cache.enabled or self.opts.view != "none" or cfg.ui.cue or self._floor:
            return None, None
        digest = cache.audio_hash(path)
        entry = cache.lookup(cfg, digest, model.engine, model.name)
        if entry is not None:
            try:
                cached = cache.load(entry)
            except VoiceAssistError as e:  # a damaged entry costs only the time to analyse again
                log.warning("%s; analysing the audio again", e)
            else:
                self._err.print(f"[dim]analysis from the cache: {entry}[/dim]")
                return cached, None
        started = {"language": starting(cfg.asr.language), "engine": model.engine, "model": model.name,
                   "sample_rate_in": source.info.sample_rate_in, "channels": source.info.channels}
        return None, cache.CacheWriter(cfg, digest, started)

    # -- what the call's events go to ----------------------------------------------------

    def _sinks(self, stack: ExitStack) -> list:
        from voiceassist.redact import Redacting
        from voiceassist.sinks.jsonl import JsonlSink
        from voiceassist.sinks.promises import PromisesSink, promises_path
        from voiceassist.sinks.transcript import TranscriptPrinter

        opts, cfg = self.opts, self.cfg
        sinks: list = []
        if opts.events:
            jsonl = JsonlSink(opts.events)
            stack.callback(jsonl.close)
            sinks.append(jsonl)
        if opts.events != "-" and opts.view != "terminal":  # the panel owns the terminal
            sinks.append(TranscriptPrinter())
        if opts.command != "demo":  # the demo call's promise is nobody's to keep
            call = "live" if opts.command == "live" else str(opts.input.resolve())
            sinks.append(PromisesSink(promises_path(cfg.store), call))
        return [Redacting(s, starting(cfg.asr.language)) for s in sinks] if cfg.privacy.redact_events else sinks

    def _floor_sink(self, stack: ExitStack) -> Any:
        """With ``--floor``: the publisher of the call's events to the floor's broker."""
        if self._floor is None:
            return None
        import getpass
        import secrets

        from voiceassist.sinks.floor import FloorPublisher

        cfg = self.cfg
        agent = self.opts.agent or cfg.floor.agent or getpass.getuser()
        call = dt.datetime.now().strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(3)
        publisher = FloorPublisher(self._floor, cfg.floor, agent=agent, call=call, language=starting(cfg.asr.language),
                                   redact=cfg.privacy.redact_floor)
        stack.callback(publisher.close)
        self._err.print(f"[dim]the floor: call {call} of agent {agent}, team {cfg.floor.team}[/dim]")
        return publisher

    def _report_sink(self, sinks: list) -> Any:
        """With a report: checks the output can be written (before a long analysis) and keeps
        the call's events for it (the events file then re-renders the same report with
        ``voiceassist report``)."""
        if self.opts.report is None:
            return None
        from voiceassist.report import check_output
        from voiceassist.sinks.memory import ListSink

        check_output(self.opts.report, team=False)
        kept = ListSink()
        sinks.append(kept)
        return kept

    def _write_report(self, kept: Any, name: str) -> None:
        if kept is None:
            return
        from voiceassist.report import write_call

        redact = self.cfg.privacy.redact_reports and self.opts.redact_report
        out = write_call(kept.events, name, self.opts.report, redact=redact, cfg=self.cfg)
        self._err.print(f"[dim]report: {out}[/dim]")

    def _run(self, source, engine, sinks: list, stack: ExitStack, *, live: bool, on_progress=None,
             call_start: dt.datetime | None = None, recorder=None,
             reload: Callable[[], Config | None] | None = None, earlier: Sequence[dict] = ()) -> None:
        """run_call, with the agent's view and spoken cue ([ui] cue) when asked for: they get
        `level` events (the log only with --levels); the view records the agent's actions in
        the event log and shows ``earlier`` calls' open promises."""
        from voiceassist.pipeline import run_call
        from voiceassist.sinks.view import Serialized, ViewState, WithoutLevels

        cfg, kind = self.cfg, self.opts.view
        stop = _Stop(source)
        stopping = stop if live else nullcontext()  # a file read as fast as it goes ends by itself
        floor = self._floor_sink(stack)  # the board shows the caller's agitation: it gets `level` events
        if kind == "none" and not cfg.ui.cue:
            if floor is not None:
                sinks = [s if self._levels else WithoutLevels(s) for s in sinks] + [floor]
            with stopping:
                run_call(source, engine, sinks, cfg, levels=self._levels or floor is not None, live=live,
                         on_progress=on_progress, call_start=call_start, recorder=recorder, reload=reload, agent=self._agent)
            stop.raise_signal()
            return
        sinks = [Serialized(s if self._levels else WithoutLevels(s)) for s in sinks] + ([floor] if floor else [])
        if cfg.ui.cue:
            from voiceassist.sinks.speech import SpokenCue

            cue = SpokenCue(cfg.ui, phrasebooks_dir=cfg.triggers.phrasebooks_dir)
            stack.callback(cue.close)
            sinks.append(cue)
        record = sinks[0].handle if self.opts.events else None  # the event log, when there is one
        view = None
        if kind == "terminal":
            from voiceassist.sinks.terminal import TerminalView

            view = TerminalView(ViewState(cfg, record=record, earlier=earlier), on_quit=stop,
                                refresh_per_second=cfg.ui.refresh_per_second)
        elif kind == "web":
            from voiceassist.sinks.web import WebView

            view = WebView(ViewState(cfg, record=record, earlier=earlier), cfg.ui)
            self._err.print(f"the agent's view: [bold]{view.url}[/bold]")
        if view is not None:
            stack.callback(view.close)
            sinks.append(view)
            if reload is not None:
                take = reload

                def reload() -> Config | None:  # the view's meters follow the thresholds the rules use
                    if (new := take()) is not None:
                        view.state.configure(new)
                    return new
        with stopping:
            run_call(source, engine, sinks, cfg, levels=True, live=live, on_progress=on_progress, call_start=call_start,
                     recorder=recorder, reload=reload, agent=self._agent)
        stop.raise_signal()
        if view is not None and not stop.quit:
            view.wait_for_quit()  # the call is over; the view stays up until the agent closes it
