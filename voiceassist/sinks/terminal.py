"""The agent's panel in the terminal (rich): the prompt, the line to say, voice meters.

A sink: ``handle`` only folds the event into a ``ViewState``; a thread of its own redraws the
screen when the state has moved, at most ``refresh_per_second`` times, so a slow terminal
drops its own frames and never holds up audio or events. Another thread reads keys.
"""

from __future__ import annotations

import logging
import os
import select
import sys
import termios
import textwrap
import threading
import tty
from collections import deque
from typing import Any, Callable

from bidi import get_display
from rich.console import Console, Group
from rich.live import Live
from rich.panel import Panel
from rich.rule import Rule
from rich.text import Text

from voiceassist.events import Event, clock
from voiceassist.sinks.view import ViewState

__all__ = ["TerminalView", "render"]

log = logging.getLogger(__name__)

_DRAWN_KEPT = 10_000  # redraws remembered for benchmarks (17 min at 10 a second)
_LOG_KEPT = 1_000  # log records held back while the panel is up (a shift of warnings is bounded)
_URGENCY_STYLE = {"urgent": "bold white on red", "advice": "bold black on yellow", "info": "bold white on blue"}
KEYS_HELP = "d dismiss · 1-3 line used · q quit"


def _para(text: str, width: int, rtl: bool, style: str = "") -> Text:
    """A paragraph for the terminal. Terminals lay text out left to right, so right-to-left
    text is wrapped in logical order first and each line then reordered for display (Unicode
    bidi algorithm, python-bidi), and right-aligned."""
    if not rtl:
        return Text(text, style=style)
    lines = textwrap.wrap(text, max(10, width)) or [""]
    return Text("\n".join(get_display(line) for line in lines), style=style, justify="right")


def _bar(value: float | None, lo: float, hi: float, limit: float, width: int = 16) -> Text:
    if value is None:
        return Text("·" * width, style="dim")
    filled = round(max(0.0, min(1.0, (value - lo) / (hi - lo))) * width)
    return Text("█" * filled, style="red" if value >= limit else "green") + Text("░" * (width - filled), style="dim")


def _num(value: float | None, fmt: str) -> str:
    return "  --" if value is None else format(value, fmt)


_TRANSCRIPT_ROWS = 6  # the newest words only: the panel must fit a small terminal


def _shares(talk: dict[str, int], width: int = 20) -> Text:
    """The call so far as one bar: the agent's talk, the caller's, the silence; then the numbers."""
    bar = Text()
    for key, char, style in (("agent", "█", "cyan"), ("caller", "▒", "magenta"), ("silence", "░", "dim")):
        bar += Text(char * round(width * talk[key] / 100), style=style)
    return bar + Text(f" you {talk['agent']}% · caller {talk['caller']}% · silence {talk['silence']}%")


def _transcript(lines: list[dict[str, Any]], width: int, rtl: bool) -> list[Text]:
    """The caller's newest words, at most ``_TRANSCRIPT_ROWS`` rows, the partial dimmed."""
    rows: list[Text] = []
    for line in reversed(lines):
        style = "" if line["final"] else "dim italic"
        wrapped = textwrap.wrap(line["text"], width) or [""]
        for part in reversed(wrapped):
            if len(rows) == _TRANSCRIPT_ROWS:
                return [Text("…", style="dim"), *reversed(rows[:-1])]
            rows.append(Text(get_display(part), style=style, justify="right") if rtl else Text(part, style=style))
    return list(reversed(rows)) or [Text("…", style="dim")]


def render(snap: dict[str, Any], width: int = 80, log_line: str | None = None) -> Panel:
    """The panel for one snapshot of the view (``ViewState.snapshot()``), with ``log_line``
    (the newest line logged while it is up) at its foot."""
    rtl = snap["rtl"]
    inner = max(20, width - 4)
    parts: list[Any] = []
    if snap.get("notice"):
        parts.append(Text(f" {snap['notice']} ", style="bold white on red"))
    p = snap["prompt"]
    if p is None:
        parts.append(Text("no prompt — you're doing fine" if not snap["ended"] else "call ended", style="dim"))
    else:
        head = _para(f" {p['text'].upper()} ", inner, rtl, _URGENCY_STYLE[p["urgency"]])
        parts.append(head)
        for i, line in enumerate(p["suggestions"]):
            used = i in p["used"]
            mark = "✓" if used else str(i + 1)
            body = _para(f"“{line}”", inner - 4, rtl, "dim strike" if used else "bold")
            parts.append(Text(f" {mark}  ", style="cyan") + body if not rtl else body + Text(f"  {mark} ", style="cyan"))
        parts.append(_para(f"why: {p['reason']}", inner, rtl, "dim"))
        if snap["waiting"]:
            parts.append(Text(f"(+{snap['waiting']} more)", style="dim"))
    a, c = snap["agent"], snap["caller"]
    parts.append(Rule("you", style="dim"))
    parts.append(
        Text(f"loud {_num(a['over_db'], '+5.1f')} dB ", style="bold")
        + _bar(a["over_db"], -6.0, 12.0, a["limit_db"])
        + Text(f" limit +{a['limit_db']:.0f}", style="dim")
    )
    parts.append(
        Text(f"rate {_num(a['rate_sps'], '5.1f')} /s  ", style="bold")
        + _bar(a["rate_sps"], 2.0, 8.0, a["target_sps"])
        + Text(f" target {a['target_sps']:.1f}", style="dim")
    )
    agitation = c["agitation"]
    if c["from"] == "loudness":
        label = f"caller agitation {_num(agitation, '+5.1f')} dB"
        bar = _bar(agitation, -6.0, 12.0, 3.0)
    else:
        label = f"caller agitation {agitation}"
        bar = _bar(agitation, 0.0, 1.0, 0.5) if isinstance(agitation, (int, float)) else Text("")
    parts.append(Text(label + " ", style="bold") + bar)
    if (talk := snap.get("talk")) is not None:
        parts.append(Text("talk ", style="bold") + _shares(talk))
    parts.append(Rule("caller", style="dim"))
    parts.extend(_transcript(snap["transcript"], inner, rtl))
    if snap["promises"] or snap["earlier_promises"]:
        parts.append(Rule("call-backs", style="dim"))
        for promise in snap["promises"]:
            due = promise["due"] or "no time agreed"
            parts.append(Text(f"⏰ {due} ", style="magenta") + _para(promise["text"], inner - 20, rtl, "dim"))
        for promise in snap["earlier_promises"]:  # from earlier calls, with the ID to mark it done by
            due = Text(f"⏰ {promise['due'] or 'no time agreed'} ", style="magenta")
            if promise["overdue"]:
                due += Text("OVERDUE ", style="bold red")
            parts.append(Text("earlier ", style="dim") + due + Text(f"{promise['id']} ")
                         + _para(promise["text"], inner - 40, rtl, "dim"))
        if snap["earlier_more"]:
            parts.append(Text(f"+{snap['earlier_more']} more open: voiceassist promises", style="dim"))
    if log_line:
        parts.append(Rule(style="dim"))
        parts.append(Text(textwrap.shorten(log_line, inner * 2, placeholder=" …"), style="yellow"))
    title = f"voiceassist · {clock(snap['t'])}" + (" · ended" if snap["ended"] else "")
    return Panel(Group(*parts), title=title, title_align="left", subtitle=KEYS_HELP, subtitle_align="left", width=width)


class _PanelLog(logging.Handler):
    """Takes the log's records while the panel owns the terminal: a line written to the
    terminal then lands in the middle of the panel. The newest is shown at the panel's foot;
    all of them (the latest ``_LOG_KEPT``) are written out as usual when the panel closes."""

    def __init__(self) -> None:
        super().__init__()
        self.records: deque[logging.LogRecord] = deque(maxlen=_LOG_KEPT)
        self.count = 0  # records taken so far: the panel redraws when it moves

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.count += 1

    @property
    def newest(self) -> str | None:
        return self.records[-1].getMessage() if self.records else None


class TerminalView:
    """The panel as a sink. ``keys`` reads single key presses from the terminal (d: dismiss,
    1-3: a suggested line used, q: quit, which calls ``on_quit``)."""

    def __init__(
        self,
        state: ViewState,
        console: Console | None = None,
        *,
        keys: bool = True,
        on_quit: Callable[[], None] | None = None,
        refresh_per_second: float = 10.0,
    ):
        self.state = state
        self._console = console or Console(highlight=False)
        self._on_quit = on_quit
        self._period_s = 1.0 / refresh_per_second
        self._stop = threading.Event()
        # (state version, monotonic time) of the latest redraws, for benchmarks; bounded: up to
        # 10 redraws a second for a whole shift would be 300 000 of them.
        self.drawn: deque[tuple[int, float]] = deque(maxlen=_DRAWN_KEPT)
        self._live = Live(console=self._console, auto_refresh=False, screen=True, transient=False)
        self._live.start()
        # the terminal's log handlers step aside for the panel's own while it is up
        root = logging.getLogger()
        self._log = _PanelLog()
        self._log_handlers = [h for h in root.handlers if type(h) is logging.StreamHandler]
        for handler in self._log_handlers:
            root.removeHandler(handler)
        root.addHandler(self._log)
        self._painter = threading.Thread(target=self._paint, name="terminal-view", daemon=True)
        self._painter.start()
        self._keys: threading.Thread | None = None
        if keys and sys.stdin.isatty():
            self._keys = threading.Thread(target=self._read_keys, name="terminal-keys", daemon=True)
            self._keys.start()

    def handle(self, event: Event) -> None:
        self.state.handle(event)

    def _paint(self) -> None:
        import time

        drawn, logged = -1, 0
        while not self._stop.wait(self._period_s):
            if self.state.version == drawn and self._log.count == logged:
                continue
            logged = self._log.count
            snap = self.state.snapshot()
            self._live.update(render(snap, self._console.width, self._log.newest), refresh=True)
            drawn = snap["version"]
            self.drawn.append((drawn, time.monotonic()))

    def _read_keys(self) -> None:
        fd = sys.stdin.fileno()
        saved = termios.tcgetattr(fd)
        try:
            tty.setcbreak(fd)  # keys arrive one at a time and are not echoed over the panel
            while not self._stop.is_set():
                ready, _, _ = select.select([fd], [], [], 0.1)
                if ready:
                    self._key(os.read(fd, 16).decode(errors="ignore"))
        finally:
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)

    def _key(self, keys: str) -> None:
        for key in keys:
            if key in "dD":
                self.state.act("dismissed")
            elif key in "123":
                self.state.act("used", int(key) - 1)
            elif key in "qQ" and self._on_quit is not None:
                self._on_quit()

    def wait_for_quit(self) -> None:
        """After the call: keep the final panel up until the agent presses q (keys only)."""
        if self._keys is not None:
            done = threading.Event()
            self._on_quit = done.set
            done.wait()

    def close(self) -> None:
        self._stop.set()
        self._painter.join()
        if self._keys is not None:
            self._keys.join()
        self._live.update(render(self.state.snapshot(), self._console.width, self._log.newest), refresh=True)
        self._live.stop()
        root = logging.getLogger()
        root.removeHandler(self._log)
        for handler in self._log_handlers:
            root.addHandler(handler)
        for record in self._log.records:  # to the terminal, now that the panel has left it
            for handler in self._log_handlers or [logging.lastResort]:
                handler.handle(record)
        self._log.records.clear()
