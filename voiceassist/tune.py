"""What-if for supervisors: the prompts a config change would add, remove or move.

``voiceassist tune CALLS… --set monitor.loudness.raise_db=5`` replays each call's cached
analysis (``voiceassist.cache``: made by ``analyze``) through the rules twice, under the
current config and under the candidate, and compares the prompts shown. No audio is read and
no speech model is loaded, so a folder of calls takes seconds. Only keys the analysis does not
depend on can change here; for the others the calls must be analysed again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from voiceassist import cache
from voiceassist.config import Config, analysis_changes, value_of
from voiceassist.errors import ConfigError, InputError
from voiceassist.events import clock
from voiceassist.pipeline import replay_analysis
from voiceassist.sinks.memory import ListSink

__all__ = ["Shown", "CallDiff", "calls_in", "compare", "diff", "report"]

# A prompt of the same kind within this many seconds under both configs has moved, not
# appeared and disappeared.
MOVE_WITHIN_S = 10.0


@dataclass(frozen=True, order=True)
class Shown:
    t: float
    kind: str
    reason: str = field(compare=False)


@dataclass
class CallDiff:
    call: Path
    engine: str
    unchanged: list[Shown]
    appear: list[Shown]
    disappear: list[Shown]
    moved: list[tuple[Shown, Shown]]  # (current, candidate)


def calls_in(paths: Iterable[str | Path]) -> list[Path]:
    """The WAV recordings named, folders giving their ``*.wav`` files, in a stable order."""
    calls: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(p.glob("*.wav"))
            if not found:
                raise InputError(f"{p}: no *.wav recordings in this folder")
            calls += found
        elif not p.exists():
            raise InputError(f"{p}: no such file or folder; give WAV recordings analysed before, or their folder")
        elif p.suffix.lower() != ".wav":
            raise InputError(f"{p}: not a WAV recording; tune replays calls analysed with: voiceassist analyze CALL.wav")
        else:
            calls.append(p)
    return calls


def _check_same_analysis(current: Config, candidate: Config) -> None:
    changed = analysis_changes(current, candidate)
    if changed:
        raise ConfigError(
            f"{changed[0]} = {value_of(candidate, changed[0])!r} changes the analysis itself, not the prompts: "
            f"tune cannot try it on cached calls; analyse them again with it (voiceassist analyze CALL.wav --config …)"
        )


def _prompts(cached: cache.CachedCall, analysis: list, cfg: Config) -> list[Shown]:
    kept = ListSink()
    replay_analysis(cached.started, analysis, [kept], cfg)
    return [Shown(e["t"], e["kind"], e["reason"]) for e in kept.events if e["type"] == "prompt.shown"]


def diff(call: Path, engine: str, current: list[Shown], candidate: list[Shown]) -> CallDiff:
    """Pairs each kind's prompts: at the same time (unchanged), else the nearest within
    ``MOVE_WITHIN_S`` (moved); the rest appear or disappear."""
    result = CallDiff(call, engine, [], [], [], [])
    for kind in sorted({s.kind for s in current + candidate}):
        before = [s for s in current if s.kind == kind]
        after = [s for s in candidate if s.kind == kind]
        same = {round(s.t, 3) for s in before} & {round(s.t, 3) for s in after}
        result.unchanged += [s for s in before if round(s.t, 3) in same]
        before = [s for s in before if round(s.t, 3) not in same]
        after = [s for s in after if round(s.t, 3) not in same]
        pairs = sorted((abs(a.t - b.t), i, j) for i, a in enumerate(before) for j, b in enumerate(after)
                       if abs(a.t - b.t) <= MOVE_WITHIN_S)
        used_a: set[int] = set()
        used_b: set[int] = set()
        for _, i, j in pairs:
            if i not in used_a and j not in used_b:
                used_a.add(i)
                used_b.add(j)
                result.moved.append((before[i], after[j]))
        result.disappear += [s for i, s in enumerate(before) if i not in used_a]
        result.appear += [s for j, s in enumerate(after) if j not in used_b]
    for items in (result.unchanged, result.appear, result.disappear, result.moved):
        items.sort()
    return result


def compare(calls: list[Path], current: Config, candidate: Config,
            on_progress: Callable[[Path], None] | None = None) -> list[CallDiff]:
    """Each call's prompts under ``current`` and ``candidate``, compared. Every call must have
    been analysed (``analyze``) under the current analysis settings."""
    _check_same_analysis(current, candidate)
    entries = {}
    for call in calls:
        entries[call] = cache.newest(current, cache.audio_hash(call))
    missing = [str(c) for c, e in entries.items() if e is None]
    if missing:
        shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
        raise InputError(
            f"not analysed yet (no cached analysis under these settings in {cache.cache_dir(current)}): {shown}; "
            f"run first: voiceassist analyze CALL.wav"
        )
    results = []
    for call, entry in entries.items():
        cached = cache.load(entry)
        analysis = list(cached.analysis())  # made once, replayed twice
        results.append(diff(call, cached.started["engine"], _prompts(cached, analysis, current),
                            _prompts(cached, analysis, candidate)))
        if on_progress is not None:
            on_progress(call)
    return results


def report(results: list[CallDiff]) -> list[str]:
    """The comparison as lines of text: per call, then the totals per kind. Deterministic."""
    lines = []
    for r in results:
        changes = (
            [(s.t, f"  + {clock(s.t):>7} {s.kind}  ({s.reason})") for s in r.appear]
            + [(s.t, f"  - {clock(s.t):>7} {s.kind}  ({s.reason})") for s in r.disappear]
            + [(a.t, f"  ~ {clock(a.t):>7} {a.kind} → {clock(b.t)}") for a, b in r.moved]
        )
        lines.append(f"{r.call.name}: {len(r.appear)} appear, {len(r.disappear)} disappear, {len(r.moved)} move, "
                     f"{len(r.unchanged)} unchanged")
        lines += [text for _, text in sorted(changes)]
    kinds = sorted({s.kind for r in results for s in r.appear + r.disappear + r.unchanged + [a for a, _ in r.moved]})
    lines.append(f"total over {len(results)} call(s):")
    for kind in kinds:
        counts = [
            sum(1 for r in results for s in r.appear if s.kind == kind),
            sum(1 for r in results for s in r.disappear if s.kind == kind),
            sum(1 for r in results for a, _ in r.moved if a.kind == kind),
            sum(1 for r in results for s in r.unchanged if s.kind == kind),
        ]
        lines.append(f"  {kind:22} +{counts[0]:<4} -{counts[1]:<4} ~{counts[2]:<4} ={counts[3]}")
    return lines
