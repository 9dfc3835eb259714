"""The report's timeline: who spoke when, both speakers' loudness and speech rate, and the
prompts, as an inline SVG (matplotlib, no GUI; nothing for the page to fetch).

Elements carry ids the page and the tests can find: ``turns-<speaker>``,
``loudness-<speaker>``, ``baseline-<speaker>``, ``rate-<speaker>``, ``rate-baseline-<speaker>``
and ``prompt-<n>`` (with a ``<title>`` tooltip: kind, time, reason).
"""

from __future__ import annotations

import io
import math
import xml.etree.ElementTree as ET

from matplotlib import rcParams
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from voiceassist.events import clock
from voiceassist.frames import SPEAKERS
from voiceassist.report.call import Call

__all__ = ["timeline_svg", "COLORS"]

COLORS = {"caller": "#1f77b4", "agent": "#d62728"}
_MONITOR_COLOR, _WORDS_COLOR = "#e6550d", "#6a51a3"
_SVG = "http://www.w3.org/2000/svg"

# Text stays text (the page's own font, searchable, a smaller file) and the output is the same
# bytes for the same call (fixed id salt, no date).
rcParams["svg.fonttype"] = "none"
rcParams["svg.hashsalt"] = "voiceassist"


def _series(call: Call, speaker: str, key: str, speaking_only: bool) -> tuple[list[float], list[float]]:
    """Times and values of one level field; gaps (NaN) where it is unmeasured or, for the
    speaker's own measurements, where they are silent, so the line follows their turns."""
    ts, vs = [], []
    for e in call.levels[speaker]:
        v = e.get(key)
        ts.append(e["t"])
        vs.append(math.nan if v is None or (speaking_only and not e["speaking"]) else float(v))
    return ts, vs


def timeline_svg(call: Call) -> str:
    """The timeline as an ``<svg>`` element (text, ready to inline in HTML)."""
    has_levels = any(call.levels.values())
    fig = Figure(figsize=(10, 5.6 if has_levels else 1.6), dpi=72, layout="constrained")
    ratios = [1, 3, 3] if has_levels else [1]
    axes = fig.subplots(len(ratios), 1, sharex=True, gridspec_kw={"height_ratios": ratios}, squeeze=False)[:, 0]
    turns = axes[0]
    for row, speaker in enumerate(SPEAKERS):
        spans = [(u.start, max(u.end - u.start, 0.05)) for u in call.utterances if u.speaker == speaker]
        bars = turns.broken_barh(spans, (row - 0.35, 0.7), color=COLORS[speaker])
        bars.set_gid(f"turns-{speaker}")
    turns.set_yticks([0, 1], list(SPEAKERS))
    turns.set_ylim(1.6, -0.6)
    if has_levels:
        loud, rate = axes[1], axes[2]
        for speaker in SPEAKERS:
            color = COLORS[speaker]
            loud.plot(*_series(call, speaker, "loudness_lufs", True), color=color, lw=1.4, label=speaker, gid=f"loudness-{speaker}")
            loud.plot(*_series(call, speaker, "baseline_lufs", False), color=color, lw=1, ls="--", label=f"{speaker} baseline", gid=f"baseline-{speaker}")
            rate.plot(*_series(call, speaker, "rate_sps", True), color=color, lw=1.4, gid=f"rate-{speaker}")
            rate.plot(*_series(call, speaker, "baseline_sps", False), color=color, lw=1, ls="--", gid=f"rate-baseline-{speaker}")
        loud.set_ylabel("loudness (LUFS)")
        rate.set_ylabel("speech rate (syll./s)")
        loud.legend(loc="lower left", bbox_to_anchor=(0, 1), fontsize=8, ncols=4, frameon=False, borderaxespad=0)
    for ax in axes:
        ax.grid(axis="x", color="#ddd", lw=0.5)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    axes[-1].set_xlim(0, max(call.duration, 1.0))
    axes[-1].xaxis.set_major_formatter(FuncFormatter(lambda t, _: clock(t)[:-2]))
    axes[-1].set_xlabel("call time (mm:ss)")
    for p in call.prompts:
        color = _MONITOR_COLOR if p.monitor else _WORDS_COLOR
        for ax in axes:
            ax.axvline(p.t, color=color, lw=1, alpha=0.7, gid=f"prompt-{p.number}" if ax is turns else None)
        turns.annotate(
            str(p.number), (p.t, 0), xycoords=("data", "axes fraction"), xytext=(0, -2), textcoords="offset points",
            ha="center", va="top", fontsize=8, color="white", annotation_clip=False,
            bbox={"boxstyle": "round,pad=0.2", "fc": color, "ec": "none"},
        ).set_gid(f"prompt-label-{p.number}")
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    return _with_tooltips(buf.getvalue(), call)


def _with_tooltips(svg: str, call: Call) -> str:
    """Adds a ``<title>`` (the browser's tooltip) to each prompt's line and label. The reason
    is text from the events file: ElementTree escapes it."""
    ET.register_namespace("", _SVG)
    ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    root = ET.fromstring(svg)
    tips = {f"prompt-{p.number}": f"{p.number}. {p.kind} at {clock(p.t)}: {p.text} ({p.reason})" for p in call.prompts}
    tips |= {f"prompt-label-{p.number}": tips[f"prompt-{p.number}"] for p in call.prompts}
    for g in root.iter(f"{{{_SVG}}}g"):
        if (tip := tips.get(g.get("id", ""))) is not None:
            title = ET.Element(f"{{{_SVG}}}title")
            title.text = tip
            g.insert(0, title)
    root.set("role", "img")
    root.set("aria-label", "call timeline")
    # Scales with the page: the width and height attributes would fix it to 720 px.
    root.set("style", "width:100%;height:auto")
    return ET.tostring(root, encoding="unicode")
