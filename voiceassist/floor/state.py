"""The board's state: every live call of the floor, built from the events the agents publish
(each carries ``agent``, ``call`` and ``team``), and the call-back promises due across it.

Pure: it never reads the clock. ``handle(event, at)`` takes the wall time the broker stored the
event; ``snapshot(now)`` the time to measure durations and due promises against. So a board
rebuilt from the stream after a restart holds what the one before it held.

Who needs help now, in order: a caller who asked for a manager, ``offer_supervisor`` or
``pause_callback`` showing, the caller's agitation at or over ``escalation.high``; then the
most agitated, then the longest call. Crossing into that is the call's ``alert``.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from typing import Any

from voiceassist.config import Config
from voiceassist.events import Event, heard_phrase
from voiceassist.rules.matching import tokens
from voiceassist.rules.phrasebook import TOPICS, load_phrasebook
from voiceassist.rules.triggers import TriggerEngine
from voiceassist.sinks.view import URGENCY

__all__ = ["FloorState", "COUNTED", "STALE_S"]

# The delivery prompts a supervisor coaches on: counted per call on the board.
COUNTED = ("lower_voice", "slow_down", "let_them_finish", "no_blame")
_ESCALATED = ("offer_supervisor", "pause_callback")
# What the call is about, as the call's summary lists its topics (a repeated contact is not one).
_TOPICS = tuple(t for t in TOPICS if t != "repeat_contact")
# Agitation now against this many seconds of call before: the trend's arrow.
_TREND_S = 30.0
_TREND_STEP = 0.1
# An agitated caller's alert holds until their agitation is this far under escalation.high, so
# a caller hovering at the line does not flash and sound the alert every half second.
_CALM_BY = 0.1
_TRANSCRIPT_LINES = 60  # what a click on a row shows: the call's recent words
_PROMPTS_KEPT = 30
_ENDED_KEPT = 10  # ended calls listed with their summary, newest first
_ENDED_SHOWN_S = 120.0
# A call with no event for this long (its agent's machine switched off mid-call, the agent's
# process killed) leaves the board: live calls send levels every half second.
STALE_S = 300.0
# The promises panel: due within the hour, or overdue by less than a day (the board cannot
# know which were kept; `voiceassist promises` on the agent's machine does).
_DUE_SOON = dt.timedelta(hours=1)
_OVERDUE_KEPT = dt.timedelta(days=1)


class _Call:
    def __init__(self, event: Event, at: float):
        self.agent, self.call, self.team = event["agent"], event["call"], event.get("team", "")
        self.language = event.get("language")
        self.started_at = event.get("started_at")
        self.first_seen = at
        self.seen = at
        self.t = 0.0
        self.agitation: float | None = None
        self.agitated = False
        self.agitation_history: deque[tuple[float, float]] = deque()
        self.showing: dict[str, Event] = {}
        self.counts = {k: 0 for k in COUNTED}
        self.escalated: set[str] = set()
        self.asked_manager = False
        self.topics: list[str] = []
        self.transcript: deque[dict[str, Any]] = deque(maxlen=_TRANSCRIPT_LINES)
        self.partial: dict[str, str] = {}
        self.prompts: deque[dict[str, Any]] = deque(maxlen=_PROMPTS_KEPT)
        self.summary: dict[str, Any] | None = None

    def prompt(self) -> dict[str, Any] | None:
        """The prompt the agent sees: the most urgent showing, and of those the newest."""
        best = None
        for p in self.showing.values():
            if best is None or URGENCY.get(p["kind"]) == "urgent" or URGENCY.get(best["kind"]) != "urgent":
                best = p
        return None if best is None else {"id": best["id"], "kind": best["kind"], "text": best["text"],
                                          "urgent": URGENCY.get(best["kind"]) == "urgent", "since": best["t"]}

    def trend(self) -> str:
        if self.agitation is None or not self.agitation_history:
            return "steady"
        before = next((a for t, a in reversed(self.agitation_history) if t <= self.t - _TREND_S),
                      self.agitation_history[0][1])
        change = self.agitation - before
        return "rising" if change >= _TREND_STEP else "falling" if change <= -_TREND_STEP else "steady"


class FloorState:
    def __init__(self, cfg: Config):
        self._cfg = cfg
        self._high = cfg.escalation.high
        self.calls: dict[str, _Call] = {}
        self.ended: deque[dict[str, Any]] = deque(maxlen=_ENDED_KEPT)
        self.promises: dict[tuple[str, float], dict[str, Any]] = {}
        self._topic_engines: dict[str, TriggerEngine | None] = {}
        self.version = 0  # moves with every change, so a page pushes only new states
        self.received = 0  # events taken since the board started

    def handle(self, event: Event, at: float) -> None:
        """One published event, ``at`` the wall time (epoch seconds) the broker stored it."""
        self.version += 1
        self.received += 1
        key, kind = event.get("call"), event.get("type")
        if not key or "agent" not in event:
            return
        if kind == "callback.promised":
            self.promises[(key, float(event.get("said_at", event["t"])))] = {
                "agent": event["agent"], "call": key, "team": event.get("team", ""), "text": event.get("text", ""),
                "due": event.get("due"), "due_said": event.get("due_said"), "said_at": event.get("said_at"),
            }
        call = self.calls.get(key)
        if call is None:
            if kind in ("call.ended", "callback.promised"):  # of a call no longer live (a board started late)
                return
            call = self.calls[key] = _Call(event, at)
        call.seen = max(call.seen, at)
        call.t = max(call.t, float(event.get("t", 0.0)))
        if kind == "call.started":
            call.language, call.started_at = event.get("language"), event.get("started_at")
        elif kind == "language.detected":
            call.language = event.get("language")
        elif kind == "level" and event.get("speaker") == "caller" and event.get("agitation") is not None:
            call.agitation = float(event["agitation"])
            if call.agitation >= self._high:
                call.agitated = True
            elif call.agitation < self._high - _CALM_BY:
                call.agitated = False
            call.agitation_history.append((call.t, call.agitation))
            while call.agitation_history and call.agitation_history[0][0] < call.t - 2 * _TREND_S:
                call.agitation_history.popleft()
        elif kind in ("transcript.partial", "transcript.final"):
            self._heard(call, event)
        elif kind == "prompt.shown":
            call.showing[event["id"]] = event
            call.prompts.append({k: event.get(k) for k in ("t", "id", "kind", "text", "reason")})
            if event["kind"] in call.counts:
                call.counts[event["kind"]] += 1
            if event["kind"] == "offer_supervisor" and heard_phrase(event.get("reason", "")):
                call.asked_manager = True  # shown on the caller's words, not on agitation
        elif kind == "prompt.updated":  # the same prompt in the final's words: not counted again
            if event["id"] in call.showing:
                call.showing[event["id"]] = event
            for p in call.prompts:
                if p["id"] == event["id"]:
                    p.update(text=event.get("text"), reason=event.get("reason"))
        elif kind == "prompt.cleared":
            call.showing.pop(event["id"], None)
        elif kind == "call.ended":
            del self.calls[key]
            self.ended.appendleft({**self._row(call, at), "ended_at": at, "summary": event.get("summary", {})})

    def _heard(self, call: _Call, event: Event) -> None:
        speaker = event.get("speaker", "")
        if event["type"] == "transcript.partial":
            call.partial[speaker] = event.get("text", "")
            return
        call.partial.pop(speaker, None)
        call.transcript.append({"t": event["t"], "speaker": speaker, "text": event.get("text", "")})
        if speaker == "caller" and (engine := self._topics(call.language)) is not None:
            found = engine.intents("caller", tokens(event.get("text", ""), engine.language), only=_TOPICS)
            call.topics += [t for t in found if t not in call.topics]

    def _topics(self, language: str | None) -> TriggerEngine | None:
        """The phrasebook's complaint topics, found in what the caller says (as the agent's own
        rules find them); None for a language without a phrasebook."""
        if language not in self._topic_engines:
            try:
                book = load_phrasebook(language or "en", self._cfg.triggers.phrasebooks_dir)
                self._topic_engines[language] = TriggerEngine(book, self._cfg.triggers, self._cfg.escalation)
            except Exception:  # noqa: BLE001 - an unknown language: no topics, the row still shows
                self._topic_engines[language] = None
        return self._topic_engines[language]

    # -- what the board shows --------------------------------------------------------------------

    def _alert(self, call: _Call) -> str | None:
        if call.asked_manager:
            return "asked for a manager"
        shown = [k for k in _ESCALATED if any(p["kind"] == k for p in call.showing.values())]
        if shown:
            return f"{shown[0]} showing"
        if call.agitated:
            return f"agitation {call.agitation:.2f}"
        return None

    def _row(self, call: _Call, now: float) -> dict[str, Any]:
        return {
            "agent": call.agent, "call": call.call, "team": call.team, "language": call.language,
            "started_at": call.started_at, "duration": round(call.t, 1),
            "agitation": None if call.agitation is None else round(call.agitation, 2), "trend": call.trend(),
            "prompt": call.prompt(), "alert": self._alert(call), "counts": dict(call.counts),
            "topic": call.topics[-1] if call.topics else None, "topics": list(call.topics),
            "last_event_s": round(max(0.0, now - call.seen), 1),
        }

    def snapshot(self, now: float) -> dict[str, Any]:
        """``{"calls": [...], "promises": [...], "ended": [...], "received": N}`` at wall time
        ``now``: live calls, who needs help now first; promises due within the hour or overdue,
        by due time; calls ended in the last two minutes; the events taken since the start."""
        for key in [k for k, c in self.calls.items() if now - c.seen > STALE_S]:
            del self.calls[key]
        rows = [self._row(c, now) for c in self.calls.values()]
        rows.sort(key=lambda r: (r["alert"] is None, -(r["agitation"] or 0.0), -r["duration"]))
        local = dt.datetime.fromtimestamp(now)
        promises = []
        for p in self.promises.values():
            try:
                due = dt.datetime.fromisoformat(p["due"]) if p["due"] else None
            except ValueError:
                due = None
            if due is not None and local - _OVERDUE_KEPT <= due <= local + _DUE_SOON:
                promises.append({**p, "overdue": due < local})
        promises.sort(key=lambda p: p["due"])
        ended = [e for e in self.ended if now - e["ended_at"] <= _ENDED_SHOWN_S]
        return {"calls": rows, "promises": promises, "ended": ended, "received": self.received}

    def detail(self, key: str) -> dict[str, Any] | None:
        """One live call's transcript and prompts, for the row a supervisor clicked."""
        call = self.calls.get(key)
        if call is None:
            return None
        return {"agent": call.agent, "call": call.call, "language": call.language, "transcript": list(call.transcript),
                "partial": dict(call.partial), "prompts": list(call.prompts), "prompt": call.prompt()}
