"""The board's state from published events: rows, who needs help first, alerts, counts,
trend, topics, promises due, ended calls."""

from __future__ import annotations

import datetime as dt

from voiceassist.config import load_config
from voiceassist.floor.state import STALE_S, FloorState

NOW = dt.datetime(2026, 12, 2, 15, 0).timestamp()


def ev(call: str, agent: str, t: float, type: str, **fields) -> dict:
    return {"t": t, "type": type, "agent": agent, "call": call, "team": "red", **fields}


def started(call: str, agent: str) -> dict:
    return ev(call, agent, 0.0, "call.started", language="en", engine="whisper", model="", sample_rate_in=8000,
              channels=2, started_at="2026-12-02T14:55:00")


def level(call: str, agent: str, t: float, agitation: float) -> dict:
    return ev(call, agent, t, "level", speaker="caller", loudness_lufs=-20.0, baseline_lufs=-24.0, rate_sps=4.0,
              speaking=True, agitation=agitation)


def shown(call: str, agent: str, t: float, kind: str, id: str, reason: str = "…") -> dict:
    return ev(call, agent, t, "prompt.shown", id=id, kind=kind, text=kind.replace("_", " "), suggestions=[],
              reason=reason, language="en")


def state_of(*events) -> FloorState:
    state = FloorState(load_config())
    for e in events:
        state.handle(e, NOW - 1)
    return state


def test_a_row_per_live_call_with_the_fields_of_the_api():
    state = state_of(started("c1", "ann"), level("c1", "ann", 12.0, 0.2), shown("c1", "ann", 13.0, "lower_voice", "lv1"))
    [row] = state.snapshot(NOW)["calls"]
    assert {k: row[k] for k in ("agent", "call", "team", "language", "started_at", "duration", "agitation", "alert")} == {
        "agent": "ann", "call": "c1", "team": "red", "language": "en", "started_at": "2026-12-02T14:55:00",
        "duration": 13.0, "agitation": 0.2, "alert": None}
    assert row["prompt"] == {"id": "lv1", "kind": "lower_voice", "text": "lower voice", "urgent": True, "since": 13.0}
    assert row["counts"] == {"lower_voice": 1, "slow_down": 0, "let_them_finish": 0, "no_blame": 0}


def test_the_urgent_prompt_wins_and_a_cleared_one_goes():
    state = state_of(started("c1", "ann"), shown("c1", "ann", 1.0, "lower_voice", "a"), shown("c1", "ann", 2.0, "empathy", "b"))
    assert state.snapshot(NOW)["calls"][0]["prompt"]["id"] == "a"
    state.handle(ev("c1", "ann", 3.0, "prompt.cleared", id="a", kind="lower_voice"), NOW)
    assert state.snapshot(NOW)["calls"][0]["prompt"] == {"id": "b", "kind": "empathy", "text": "empathy", "urgent": False,
                                                         "since": 2.0}


def test_who_needs_help_comes_first_and_is_alerted():
    state = state_of(
        started("calm", "ann"), level("calm", "ann", 200.0, 0.1),
        started("hot", "bob"), level("hot", "bob", 10.0, 0.3), level("hot", "bob", 40.0, 0.75),
        started("boss", "cat"), shown("boss", "cat", 5.0, "offer_supervisor", "s1", reason='asked for a manager: "your manager"'),
        started("pause", "dan"), shown("pause", "dan", 5.0, "pause_callback", "p1"),
        started("warm", "eve"), level("warm", "eve", 30.0, 0.5),
    )
    rows = state.snapshot(NOW)["calls"]
    assert [r["call"] for r in rows] == ["hot", "boss", "pause", "warm", "calm"]
    assert [r["alert"] for r in rows] == ["agitation 0.75", "asked for a manager", "pause_callback showing", None, None]
    assert rows[0]["trend"] == "rising"


def test_agitation_trend_over_the_last_half_minute():
    state = state_of(started("c", "ann"), *[level("c", "ann", t, 0.8 - t / 100) for t in range(0, 61, 5)])
    assert state.snapshot(NOW)["calls"][0]["trend"] == "falling"
    state = state_of(started("c", "ann"), *[level("c", "ann", t, 0.4) for t in range(0, 61, 5)])
    assert state.snapshot(NOW)["calls"][0]["trend"] == "steady"


def test_the_topic_is_found_in_what_the_caller_says():
    state = state_of(started("c", "ann"), ev("c", "ann", 9.0, "transcript.final", speaker="caller",
                                             text="My order is two weeks late and nobody tells me anything.",
                                             start=5.0, end=9.0, words=[]))
    assert state.snapshot(NOW)["calls"][0]["topic"] == "late_delivery"
    detail = state.detail("c")
    assert detail["transcript"][0]["text"].startswith("My order is two weeks late")


def test_an_ended_call_leaves_with_its_summary():
    state = state_of(started("c", "ann"), ev("c", "ann", 80.0, "call.ended", duration=80.0,
                                             summary={"prompts": {"empathy": 1}, "topics": ["late_delivery"]}))
    snap = state.snapshot(NOW)
    assert snap["calls"] == []
    assert snap["ended"][0]["agent"] == "ann" and snap["ended"][0]["summary"]["topics"] == ["late_delivery"]
    assert state.detail("c") is None


def test_a_silent_call_leaves_the_board():
    state = state_of(started("c", "ann"))
    assert state.snapshot(NOW - 1 + STALE_S - 1)["calls"]
    assert state.snapshot(NOW - 1 + STALE_S + 1)["calls"] == []


def test_promises_due_within_the_hour_or_overdue_across_the_floor():
    def promise(call, agent, said_at, due):
        return ev(call, agent, said_at, "callback.promised", text=f"call back {due}", due=due, due_said="x", said_at=said_at)

    state = state_of(
        started("c1", "ann"), promise("c1", "ann", 10.0, "2026-12-02T15:30:00"),  # due soon
        started("c2", "bob"), promise("c2", "bob", 11.0, "2026-12-02T14:00:00"),  # overdue
        promise("c2", "bob", 12.0, "2026-12-03T15:00:00"),  # tomorrow: not yet
        promise("c2", "bob", 13.0, None),  # no time agreed
    )
    promises = state.snapshot(NOW)["promises"]
    assert [(p["agent"], p["due"], p["overdue"]) for p in promises] == [
        ("bob", "2026-12-02T14:00:00", True), ("ann", "2026-12-02T15:30:00", False)]


def test_a_promise_of_a_call_no_longer_live_is_listed_without_making_it_live():
    state = state_of(ev("gone", "bob", 50.0, "callback.promised", text="call back at three", due="2026-12-02T15:10:00",
                        due_said="today 15:10", said_at=50.0))
    snap = state.snapshot(NOW)
    assert snap["calls"] == [] and [p["call"] for p in snap["promises"]] == ["gone"]


def test_an_agitation_alert_holds_until_the_caller_is_clearly_calmer():
    state = state_of(started("c", "ann"))
    alerts = []
    for t, agitation in enumerate([0.5, 0.65, 0.58, 0.61, 0.55, 0.45, 0.55]):
        state.handle(level("c", "ann", float(t), agitation), NOW - 1)
        alerts.append(state.snapshot(NOW)["calls"][0]["alert"])
    assert alerts == [None, "agitation 0.65", "agitation 0.58", "agitation 0.61", "agitation 0.55", None, None]


def test_a_corrected_prompt_replaces_its_words_and_is_not_counted_again():
    state = state_of(started("c1", "ann"), shown("c1", "ann", 1.0, "use_name", "use_name-1", 'the caller said "aaron"'))
    state.handle(ev("c1", "ann", 2.0, "prompt.updated", id="use_name-1", kind="use_name", text="use their name",
                    suggestions=["Ms Johnson"], reason='the caller said "sarah johnson"', language="en"), NOW)
    call = state.calls[next(iter(state.calls))]
    assert call.showing["use_name-1"]["suggestions"] == ["Ms Johnson"]
    assert [p["reason"] for p in call.prompts] == ['the caller said "sarah johnson"']
