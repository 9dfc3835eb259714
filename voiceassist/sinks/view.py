"""What the agent sees, folded from events: shared by the terminal panel and the web page.

``ViewState.handle(event)`` is cheap (a few dict updates under a lock) so a view's sink never
holds up the pipeline; a view's own thread reads ``snapshot()`` when it redraws, so a slow
terminal or browser skips intermediate states instead of queueing them.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any, Callable, Sequence

from voiceassist import events
from voiceassist.config import Config
from voiceassist.events import Event
from voiceassist.languages import starting
from voiceassist.rules.monitor import rate_limit_sps
from voiceassist.sinks.promises import overdue

__all__ = ["URGENCY", "ViewState", "RTL_LANGUAGES", "Serialized", "WithoutLevels"]

# How loudly a prompt asks for attention. "urgent": the agent's delivery is hurting the call
# right now (shouting, talking over the caller, the caller asking for a manager): shown in red,
# and it wins the screen over any other active prompt. "advice": what to say next (yellow).
# "info": bookkeeping the agent can act on after the moment passes (dim).
URGENCY: dict[str, str] = {
    "lower_voice": "urgent",
    "let_them_finish": "urgent",
    "offer_supervisor": "urgent",
    "slow_down": "advice",
    "dont_take_personally": "advice",
    "acknowledge": "advice",
    "empathy": "advice",
    "specific_apology": "advice",
    "use_name": "advice",
    "no_blame": "advice",
    "ask_questions": "advice",
    "offer_solution": "advice",
    "commit_action": "advice",
    "pause_callback": "advice",
    "goodwill": "advice",
    "callback_reminder": "info",
    "dead_air": "advice",
    "check_in": "advice",
}
_RANK = {"urgent": 2, "advice": 1, "info": 0}

RTL_LANGUAGES = ("ar",)
_TRANSCRIPT_LINES = 4  # the caller's last few utterances: a glance, not a transcript
_EARLIER_SHOWN = 3  # earlier calls' open promises on screen; the rest are counted


class ViewState:
    """The agent's view of the call so far. Thread-safe: the pipeline calls ``handle``, a view's
    renderer calls ``snapshot``, key presses or clicks call ``act``."""

    def __init__(self, cfg: Config, record: Callable[[Event], None] | None = None, earlier: Sequence[dict] = ()):
        """``earlier``: the open promises of earlier calls (records of the promises file), shown
        through the call, overdue ones first, until the agent marks them done."""
        self._lock = threading.Lock()
        self._record = record  # where the agent's actions go (the event log), if anywhere
        self._rate = cfg.monitor.rate
        self._raise_db = cfg.monitor.loudness.raise_db
        self.version = 0  # bumped on every change: renderers redraw only when it moves
        self.language = starting(cfg.asr.language)
        self.t = 0.0
        self.ended = False
        self._prompts: dict[str, dict[str, Any]] = {}  # active, by id, in order shown
        self._lines: list[dict[str, Any]] = []  # caller's finals, then at most one partial
        self._agent: dict[str, Any] = {}
        self._caller: dict[str, Any] = {}
        self._talk: dict[str, float] | None = None  # talk shares of the call so far, from the newest level
        self._promises: list[dict[str, Any]] = []
        self._lost: list[str] = []  # input devices gone mid-call (device.lost), in order
        self._earlier = list(earlier)

    def configure(self, cfg: Config) -> None:
        """The voice monitor's thresholds, which the meters mark, after a reload mid-call."""
        with self._lock:
            self._rate = cfg.monitor.rate
            self._raise_db = cfg.monitor.loudness.raise_db
            self.version += 1

    # -- the sink side ---------------------------------------------------------------------
    def handle(self, event: Event) -> None:
        with self._lock:
            self._fold(event)
            self.t = max(self.t, float(event["t"]))
            self.version += 1

    def close(self) -> None:
        pass

    def _fold(self, e: Event) -> None:
        kind = e["type"]
        if kind in ("call.started", "language.detected"):
            self.language = e["language"]
        elif kind in ("transcript.partial", "transcript.final") and e["speaker"] == "caller":
            if self._lines and not self._lines[-1]["final"]:
                self._lines.pop()  # a partial is replaced by what comes next for the utterance
            if e["text"].strip():
                self._lines.append({"text": e["text"], "final": kind == "transcript.final"})
            del self._lines[:-_TRANSCRIPT_LINES]
        elif kind == "level":
            (self._agent if e["speaker"] == "agent" else self._caller).update(e)
            self._talk = e.get("talk_share") or self._talk
        elif kind == "prompt.shown":
            self._prompts[e["id"]] = {
                "id": e["id"], "kind": e["kind"], "text": e["text"], "reason": e["reason"],
                "suggestions": list(e["suggestions"])[:3], "urgency": URGENCY.get(e["kind"], "advice"),
                "used": [],
            }
        elif kind == "prompt.updated" and e["id"] in self._prompts:  # the final heard it better
            self._prompts[e["id"]].update(text=e["text"], reason=e["reason"], suggestions=list(e["suggestions"])[:3], used=[])
        elif kind == "prompt.cleared":
            self._prompts.pop(e["id"], None)
        elif kind == "callback.promised":
            self._promises.append({"text": e["text"], "due": _due(e), "said_at": e["said_at"]})
        elif kind == "device.lost" and e["device"] not in self._lost:
            self._lost.append(e["device"])
        elif kind == "device.restored" and e["device"] in self._lost:
            self._lost.remove(e["device"])
        elif kind == "call.ended":
            self.ended = True
            self._prompts.clear()
            self._lost.clear()

    def _top(self) -> dict[str, Any] | None:
        """The prompt on screen: the most urgent, and of those the newest."""
        best = None
        for p in self._prompts.values():  # insertion order: later wins ties
            if best is None or _RANK[p["urgency"]] >= _RANK[best["urgency"]]:
                best = p
        return best

    # -- the agent's side ------------------------------------------------------------------
    def act(self, action: str, line: int | None = None) -> Event | None:
        """The agent dismissed the prompt on screen, or used its suggested ``line`` (0-based).
        Returns the ``prompt.action`` event (also sent to ``record``), or None if there was
        nothing to act on."""
        with self._lock:
            top = self._top()
            if top is None or (action == "used" and (line is None or not 0 <= line < len(top["suggestions"]))):
                return None
            if action == "dismissed":
                del self._prompts[top["id"]]
                event = events.prompt_action(self.t, id=top["id"], kind=top["kind"], action="dismissed")
            elif action == "used":
                if line not in top["used"]:
                    top["used"].append(line)
                event = events.prompt_action(
                    self.t, id=top["id"], kind=top["kind"], action="used", line=top["suggestions"][line]
                )
            else:
                raise ValueError(f"unknown action {action!r}")
            self.version += 1
        if self._record is not None:
            self._record(event)
        return event

    # -- the renderer's side ---------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """Everything a view draws, as plain JSON-able data."""
        with self._lock:
            top = self._top()
            return {
                "version": self.version,
                "t": self.t,
                "language": self.language,
                "rtl": self.language in RTL_LANGUAGES,
                "ended": self.ended,
                "prompt": None if top is None else {**top, "used": list(top["used"])},
                "waiting": max(0, len(self._prompts) - 1),
                "transcript": [dict(line) for line in self._lines],
                "agent": self._agent_meters(),
                "caller": self._caller_meter(),
                # who talked how much so far, in whole percent: agent, caller, silence
                "talk": None if self._talk is None else {k: round(100 * v) for k, v in self._talk.items()},
                "promises": [dict(p) for p in self._promises],
                **self._earlier_promises(),
                # the same words in both views: the agent must know the assistant is deaf on a side
                "notice": "; ".join(f"input device '{d}' lost — waiting for it" for d in self._lost) or None,
            }

    def _earlier_promises(self) -> dict[str, Any]:
        now = dt.datetime.now()
        late = [overdue(p, now) for p in self._earlier]
        order = sorted(range(len(self._earlier)), key=lambda i: not late[i])  # overdue first, else as made
        shown = []
        for i in order[:_EARLIER_SHOWN]:
            p = self._earlier[i]
            shown.append({"id": p["id"], "text": p["text"], "due": _due(p), "overdue": late[i]})
        return {"earlier_promises": shown, "earlier_more": len(self._earlier) - len(shown)}

    def _agent_meters(self) -> dict[str, Any]:
        a = self._agent
        loud, base = a.get("loudness_lufs"), a.get("baseline_lufs")
        rate, calm = a.get("rate_sps"), a.get("baseline_sps")
        # The voice monitor's own limit, so the meter turns red where "slow down" would fire
        # (without the caller-agitation mirror).
        target = rate_limit_sps(self._rate, self.language, calm)
        return {
            "over_db": None if loud is None or base is None else round(loud - base, 1),
            "limit_db": self._raise_db,
            "rate_sps": rate,
            "target_sps": round(target, 1),
            "speaking": bool(a.get("speaking", False)),
        }

    def _caller_meter(self) -> dict[str, Any]:
        c = self._caller
        if c.get("agitation") is not None:  # issue #5 adds a dedicated field: shown as it is
            return {"agitation": c["agitation"], "from": "agitation"}
        loud, base = c.get("loudness_lufs"), c.get("baseline_lufs")
        over = None if loud is None or base is None else round(loud - base, 1)
        return {"agitation": over, "from": "loudness"}


def _due(promise: dict[str, Any]) -> str | None:
    """A promise's time as said ("tomorrow 15:00" reads better than ISO); None: no time agreed."""
    said = promise.get("due_said")
    return None if said == "vague" else said or promise.get("due")


class Serialized:
    """A sink shared by the pipeline thread and a view's key or web thread (the event log, to
    which the agent's actions are added): one event at a time, lines never interleave."""

    def __init__(self, sink: Any):
        self._sink = sink
        self._lock = threading.Lock()

    def handle(self, event: Event) -> None:
        with self._lock:
            self._sink.handle(event)

    def close(self) -> None:
        with self._lock:
            self._sink.close()


class WithoutLevels:
    """Passes every event but ``level`` on: a view needs levels, the log has them only when
    asked for (``--levels``)."""

    def __init__(self, sink: Any):
        self._sink = sink

    def handle(self, event: Event) -> None:
        if event["type"] != "level":
            self._sink.handle(event)

    def close(self) -> None:
        self._sink.close()
