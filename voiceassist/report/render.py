"""Writes the post-call report (one call) and the team summary page (several calls).

Pages are single HTML files with everything inline (styles, the SVG timeline): they open
from a disk or an e-mail with no network. Templates are Jinja2 with autoescaping on:
transcripts, reasons and promises are text from a file and must never become markup.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from voiceassist.config import Config
from voiceassist.errors import InputError, OutputError, UsageError
from voiceassist.events import Event, clock
from voiceassist.report.call import Call, build_call, load_call
from voiceassist.report.plot import COLORS, timeline_svg

__all__ = ["collect", "check_output", "render_call", "render_team", "write_call", "write_reports", "FIXES"]

log = logging.getLogger(__name__)

# PLAYBOOK row 14, "what to fix afterwards": the agent's own habits a prompt points at, with
# the PLAYBOOK row behind each. The other kinds say what the caller brought (topics, anger).
FIXES = {
    "lower_voice": ("raised their voice", 2),
    "slow_down": ("spoke too fast", 2),
    "let_them_finish": ("talked over the caller", 1),
    "acknowledge": ("let the caller talk on with no acknowledgement", 4),
    "check_in": ("talked on without letting the caller in", 4),
    "dead_air": ("left the line silent", None),
    "no_blame": ("blamed others or made excuses", 7),
    "specific_apology": ("said a bare \u201csorry\u201d instead of a specific apology", 6),
    "ask_questions": ("asked no questions while the caller was upset", 8),
}
_USAGE = "give EVENTS.jsonl files written by voiceassist analyze --events, or a folder of them"

_env = Environment(
    loader=PackageLoader("voiceassist.report", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["clock"] = clock
_env.globals.update(FIXES=FIXES, COLORS=COLORS)


def collect(inputs: list[str | Path]) -> tuple[list[Path], bool]:
    """The events files named (folders give their ``*.jsonl``), and whether this is a team
    report (several files, or a folder)."""
    paths: list[Path] = []
    team = len(inputs) > 1
    for given in map(Path, inputs):
        if given.is_dir():
            found = sorted(given.glob("*.jsonl"))
            if not found:
                raise InputError(f"{given}: no .jsonl files in this folder; {_USAGE}")
            paths += found
            team = True
        elif given.is_file():
            paths.append(given)
        else:
            raise InputError(f"{given}: no such file; {_USAGE}")
    return paths, team


def check_output(out: Path, team: bool) -> None:
    """Refuses an output that cannot be written, before anything long runs."""
    if team:
        if out.suffix.lower() == ".html" or out.is_file():
            raise UsageError(f"{out}: several calls make a folder of reports (index.html and one page per call); give -o a folder")
        return  # the folder is made, and its files written, once every events file has loaded
    if out.is_dir():
        raise UsageError(f"{out}: is a folder; give the report a file name such as report.html")
    if not out.parent.is_dir():
        raise OutputError(f"{out}: folder {out.parent} does not exist; give a writable path such as report.html")
    existed = out.exists()
    try:  # a real write: permission bits say nothing to root, and nothing about /proc or a full disk
        with out.open("ab"):
            pass
    except OSError as e:
        raise OutputError(f"{out}: cannot write the report: {e.strerror}; give a writable path") from None
    if not existed:
        out.unlink()


def render_call(call: Call, team_page: str | None = None) -> str:
    return _env.get_template("call.html.j2").render(call=call, svg=Markup(timeline_svg(call)), team_page=team_page)


def render_team(calls: list[tuple[Call, str]]) -> str:
    """The team page; ``calls`` pairs each call with the file name of its report."""
    kinds: Counter = Counter()
    phrases: Counter = Counter()
    for call, _ in calls:
        kinds += call.prompt_counts
        phrases.update((p.kind, p.heard.lower()) for p in call.prompts if p.heard)
    columns = sorted(kinds, key=lambda k: (-kinds[k], k))
    return _env.get_template("team.html.j2").render(
        calls=calls, columns=columns, kinds=kinds.most_common(), phrases=phrases.most_common(15),
        **_scorecards([call for call, _ in calls]),
    )


def _scorecards(calls: list[Call]) -> dict:
    """The scorecards aggregated per agent (calls, mean score, passes per item) and per item
    (passed of the calls it applied to)."""
    items: dict[str, dict] = {}
    agents: dict[str, dict] = {}
    for call in calls:
        if call.scorecard is None:
            continue
        agent = agents.setdefault(call.agent or "(no name)", {"calls": 0, "percents": [], "items": {}})
        agent["calls"] += 1
        if call.scorecard.percent is not None:
            agent["percents"].append(call.scorecard.percent)
        for s in call.scorecard.scores:
            row = items.setdefault(s.item, {"label": s.label, "passed": 0, "scored": 0, "na": 0})
            cell = agent["items"].setdefault(s.item, {"passed": 0, "scored": 0})
            if s.result == "n/a":
                row["na"] += 1
                continue
            for counts in (row, cell):
                counts["scored"] += 1
                counts["passed"] += s.result == "pass"
    for agent in agents.values():
        agent["percent"] = sum(agent["percents"]) / len(agent["percents"]) if agent["percents"] else None
    return {"score_items": items, "score_agents": dict(sorted(agents.items()))}


def _write(path: Path, html: str) -> None:
    try:
        path.write_text(html, encoding="utf-8")
    except OSError as e:
        raise OutputError(f"{path}: cannot write the report: {e.strerror}; give a writable path") from None
    log.info("wrote %s (%d kB)", path, len(html.encode()) // 1024)


def write_call(events: list[Event], name: str, out: Path, redact: bool = True, cfg: Config | None = None) -> Path:
    """The report of a call just analysed (``analyze --report``); ``redact``: card numbers,
    phone numbers and e-mails replaced (``privacy.redact_reports``); ``cfg``: the team's
    scorecard form and phrasebooks."""
    _write(out, render_call(build_call(events, name, redact=redact, cfg=cfg)))
    return out


def write_reports(inputs: list[str | Path], out: Path, redact: bool = True, cfg: Config | None = None) -> list[Path]:
    """``voiceassist report``: one call's report at ``out``; for several calls, or a folder,
    ``out`` is a folder with ``index.html`` (the team page) and one ``<call>.html`` per call."""
    paths, team = collect(inputs)
    check_output(out, team)
    calls = [load_call(p, redact=redact, cfg=cfg) for p in paths]  # every file is checked before anything is written
    if not team:
        _write(out, render_call(calls[0]))
        return [out]
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"{out}: cannot make the report folder: {e.strerror}; give a writable folder") from None
    used = {"index"}
    written: list[tuple[Call, str]] = []
    for call in calls:
        name, n = call.name, 1
        while name in used:  # the same file name from two folders
            n += 1
            name = f"{call.name}-{n}"
        used.add(name)
        _write(out / f"{name}.html", render_call(call, team_page="index.html"))
        written.append((call, f"{name}.html"))
    _write(out / "index.html", render_team(written))
    return [out / "index.html", *(out / f for _, f in written)]
