"""The view state folds events into what the agent sees; the panel lays Arabic out right to left."""

from __future__ import annotations

import datetime as dt

from bidi import get_display
from rich.console import Console

from voiceassist import events
from voiceassist.config import load_config
from voiceassist.sinks.terminal import render
from voiceassist.sinks.view import URGENCY, ViewState


def caller(t: float, text: str, final: bool) -> dict:
    return {"t": t, "type": "transcript.final" if final else "transcript.partial", "speaker": "caller",
            "text": text, "start": t - 1, "end": t, "words": []}


def shown(t: float, kind: str, n: int = 1, suggestions=("a", "b", "c", "d")) -> dict:
    return events.prompt_shown(t, id=f"{kind}-{n}", kind=kind, text=kind, suggestions=list(suggestions),
                               reason="r", language="en")


def test_partials_are_replaced_by_finals_and_the_transcript_rolls():
    state = ViewState(load_config())
    state.handle(caller(1, "my par", False))
    state.handle(caller(2, "my parcel is", False))
    assert state.snapshot()["transcript"] == [{"text": "my parcel is", "final": False}]
    state.handle(caller(3, "my parcel is late", True))
    for i in range(5):
        state.handle(caller(4 + i, f"line {i}", True))
    lines = state.snapshot()["transcript"]
    assert len(lines) == 4 and lines[-1] == {"text": "line 4", "final": True} and all(x["final"] for x in lines)


def test_the_most_urgent_prompt_wins_and_actions_are_recorded():
    log = []
    state = ViewState(load_config(), record=log.append)
    state.handle(shown(10, "empathy"))
    state.handle(shown(11, "lower_voice"))
    state.handle(shown(12, "use_name"))
    snap = state.snapshot()
    assert snap["prompt"]["kind"] == "lower_voice" and snap["prompt"]["urgency"] == "urgent"
    assert snap["prompt"]["suggestions"] == ["a", "b", "c"]  # at most three lines
    assert snap["waiting"] == 2
    assert state.act("used", 1)["line"] == "b"
    assert state.snapshot()["prompt"]["used"] == [1]
    state.act("dismissed")
    assert state.snapshot()["prompt"]["kind"] == "use_name"  # then the newest advice
    assert [(e["type"], e["kind"], e["action"], e["t"]) for e in log] == [
        ("prompt.action", "lower_voice", "used", 12.0), ("prompt.action", "lower_voice", "dismissed", 12.0)]
    assert all(events.problem(e) is None for e in log)
    assert state.act("used", 7) is None  # no such line: nothing recorded
    state.handle(events.prompt_cleared(13, id="use_name-1", kind="use_name"))
    state.handle(events.prompt_cleared(13, id="empathy-1", kind="empathy"))
    assert state.snapshot()["prompt"] is None and state.act("dismissed") is None and len(log) == 2


def test_meters_from_levels_and_agitation_field_when_present():
    state = ViewState(load_config())
    state.handle({"t": 5, "type": "level", "speaker": "agent", "loudness_lufs": -30.0, "baseline_lufs": -38.0,
                  "rate_sps": 4.0, "baseline_sps": 3.0, "wpm": None, "speaking": True})
    state.handle({"t": 5, "type": "level", "speaker": "caller", "loudness_lufs": -20.0, "baseline_lufs": -24.5,
                  "rate_sps": None, "baseline_sps": None, "wpm": None, "speaking": True})
    snap = state.snapshot()
    # the same limit as the monitor: min(5.5, max(4.5, 3.0 * 1.4))
    assert snap["agent"] == {"over_db": 8.0, "limit_db": 6.0, "rate_sps": 4.0, "target_sps": 4.5, "speaking": True}
    assert snap["caller"] == {"agitation": 4.5, "from": "loudness"}
    state.handle({"t": 6, "type": "level", "speaker": "caller", "loudness_lufs": -20.0, "baseline_lufs": -24.5,
                  "rate_sps": None, "baseline_sps": None, "wpm": None, "speaking": True, "agitation": 0.7})
    assert state.snapshot()["caller"] == {"agitation": 0.7, "from": "agitation"}


def test_every_prompt_kind_has_an_urgency():
    from voiceassist.rules.phrasebook import load_phrasebook

    assert set(load_phrasebook("en").prompts) <= set(URGENCY)


def test_arabic_on_the_panel_is_reordered_and_right_aligned():
    state = ViewState(load_config())
    state.handle({**events.call_started(language="ar", engine="x", model="", sample_rate_in=8000, channels=2)})
    text = "الطلب لم يصل بعد"
    state.handle(caller(3, text, True))
    console = Console(width=60, record=True, color_system=None)
    console.print(render(state.snapshot(), 60))
    lines = console.export_text().splitlines()
    line = next(x for x in lines if get_display(text) in x)
    assert text not in line  # logical order would read backwards on a terminal
    assert line.rstrip(" │").endswith(get_display(text))  # right-aligned


def test_a_lost_device_shows_until_it_is_back():
    state = ViewState(load_config())
    assert state.snapshot()["notice"] is None
    state.handle(events.device_lost(12.0, device="USB headset", speakers=["agent"]))
    notice = state.snapshot()["notice"]
    assert notice == "input device 'USB headset' lost — waiting for it"
    console = Console(width=80, record=True, color_system=None)
    console.print(render(state.snapshot(), 80))
    assert notice in console.export_text()
    state.handle(events.device_restored(15.5, device="USB headset", speakers=["agent"], lost_s=3.5))
    assert state.snapshot()["notice"] is None and state.t == 15.5


def promise(id_: str, due: str | None, due_said: str, text: str) -> dict:
    """A record of the promises file (sinks/promises.py)."""
    return {"id": id_, "call": "/calls/a.wav", "started_at": None, "text": text, "due": due, "due_said": due_said,
            "said_at": 3.0, "done": False}


def test_earlier_calls_promises_show_overdue_first_and_the_rest_are_counted():
    later = (dt.datetime.now() + dt.timedelta(days=2)).replace(microsecond=0).isoformat()
    earlier = [
        promise("aaaa0001", later, "monday 15:00", "I'll call you on Monday"),
        promise("aaaa0002", "2020-03-03T15:00:00", "tomorrow 15:00", "I'll call you back tomorrow at three"),
        promise("aaaa0003", None, "vague", "I'll call you later"),
        promise("aaaa0004", "2020-03-03", "tomorrow", "I'll ring you tomorrow"),
    ]
    state = ViewState(load_config(), earlier=earlier)
    snap = state.snapshot()
    assert snap["promises"] == []  # this call's: none yet
    assert [(p["id"], p["due"], p["overdue"]) for p in snap["earlier_promises"]] == [
        ("aaaa0002", "tomorrow 15:00", True), ("aaaa0004", "tomorrow", True), ("aaaa0001", "monday 15:00", False),
    ]
    assert snap["earlier_more"] == 1
    console = Console(width=100, record=True, color_system=None)
    console.print(render(snap, 100))
    screen = console.export_text()
    assert "earlier ⏰ tomorrow 15:00 OVERDUE aaaa0002 I'll call you back tomorrow at three" in screen
    assert "aaaa0003" not in screen and "+1 more open: voiceassist promises" in screen
    # without earlier promises or this call's, no call-backs section at all
    console = Console(width=100, record=True, color_system=None)
    console.print(render(ViewState(load_config()).snapshot(), 100))
    assert "call-backs" not in console.export_text()


def test_a_corrected_prompt_replaces_its_words_in_place():
    state = ViewState(load_config())
    state.handle(shown(1, "empathy"))
    state.handle(shown(1.5, "use_name", suggestions=["Aaron"]))
    corrected = {**shown(2, "use_name", suggestions=["Ms Johnson"]), "type": "prompt.updated", "reason": "r2"}
    state.handle(corrected)
    snap = state.snapshot()
    assert snap["prompt"]["id"] == "use_name-1" and snap["prompt"]["suggestions"] == ["Ms Johnson"]
    assert snap["prompt"]["reason"] == "r2" and snap["waiting"] == 1
    state.handle({**corrected, "id": "use_name-9"})  # a prompt no longer up stays gone
    assert "use_name-9" not in [state.snapshot()["prompt"]["id"]]


def test_talk_shares_of_the_golden_call_show_in_the_snapshot_and_on_the_panel():
    """Real level events (the voice monitor on golden/monologue.wav): the newest one's shares."""
    from viewtools import ROOT

    from voiceassist.pipeline import run_call
    from voiceassist.sinks.memory import ListSink
    from voiceassist.sources.wav import WavSource

    sink = ListSink()
    with WavSource(ROOT / "tests" / "fixtures" / "golden" / "monologue.wav") as source:
        run_call(source, None, [sink], load_config(), levels=True)
    state = ViewState(load_config())
    assert state.snapshot()["talk"] is None  # nothing heard yet: no bar
    upto = [e for e in sink.events if e["t"] <= 40.0]
    for e in upto:
        state.handle(e)
    newest = [e for e in upto if e["type"] == "level"][-1]
    snap = state.snapshot()
    assert snap["talk"] == {k: round(100 * v) for k, v in newest["talk_share"].items()}
    assert 30 < snap["talk"]["agent"] < 70  # the calm opening, then the caller's monologue starts
    console = Console(width=70, record=True, color_system=None)
    console.print(render(snap, 70))
    assert f"you {snap['talk']['agent']}% · caller {snap['talk']['caller']}% · silence {snap['talk']['silence']}%" in console.export_text()
