"""Triggers through real audio and the real Whisper model: the bundled demo call and calls
assembled from real Asterisk English and Russian speech show the expected prompts, each within
2 s (of call audio) of the end of the words that triggered it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from voiceassist.data import demo_call_path
from voiceassist.events import heard_phrase

CALLS = Path(__file__).parents[1] / "fixtures" / "calls"
MAX_LATENCY_S = 2.0
# What the agent should be shown for each tag of the demo call's script.
# ("This is useless." is frustration, not an insult at the agent: the golden sets' labelling.)
SHOWN_FOR_TAG = {
    "name": "use_name",
    "blame": "no_blame",
    "question": "offer_solution",
    "manager": "offer_supervisor",
}


def analyze(wav: Path, out: Path, *args: str) -> list[dict]:
    result = subprocess.run(
        [sys.executable, "-m", "voiceassist", "analyze", str(wav), "--engine", "whisper", "--events", str(out), *args],
        capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def _word(w: str) -> str:
    return re.sub(r"[^\w']", "", w.lower())


def latencies(events: list[dict]) -> list[tuple[str, float]]:
    """For each prompt shown from what was said: its kind and how long after the end of the
    last heard word (in the transcript that triggered it, which has its time) it was shown.
    Prompts from the caller's agitation staying high quote older words: they are not counted."""
    out, last = [], None
    for e in events:
        if e["type"].startswith("transcript."):
            last = e
        elif e["type"] == "prompt.shown" and (heard := heard_phrase(e["reason"])) and last and e["t"] == last["t"]:
            final_word = _word(heard.split()[-1])
            ends = [w["end"] for w in last["words"] if _word(w["w"]) == final_word]
            assert ends, (e["reason"], last["text"])
            out.append((e["kind"], round(e["t"] - ends[-1], 2)))
    return out


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    script = json.loads((demo_call_path().parent / "script.json").read_text(encoding="utf-8"))
    return script, analyze(demo_call_path(), tmp_path_factory.mktemp("demo") / "events.jsonl", "--language", "en")


def test_the_demo_call_shows_each_scripted_prompt_during_its_turn(demo):
    script, events = demo
    shown = [(e["t"], e["kind"]) for e in events if e["type"] == "prompt.shown"]
    for tag, kind in SHOWN_FOR_TAG.items():
        turn = next(t for t in script["turns"] if tag in t["tags"])
        assert any(turn["start"] <= t <= turn["end"] + MAX_LATENCY_S for t, k in shown if k == kind), (tag, kind, shown)
    second_sorry = [t for t in script["turns"] if "bare_sorry" in t["tags"]][1]
    assert any(second_sorry["start"] <= t <= second_sorry["end"] + MAX_LATENCY_S
               for t, k in shown if k == "specific_apology"), shown
    assert {"empathy", "commit_action"} <= {k for _, k in shown}


# The demo call's answer key, by script turn (written from the script's words, not from a run):
# the word-triggered prompts that must show during that turn, and those that may (a reading a
# careful supervisor would accept). Anything else shown from what was said is a false prompt:
# "So what are you there for?" is no insult; the agent's statements are not questions.
MUST = {1: {"empathy"}, 3: {"commit_action"}, 4: {"no_blame"}, 6: {"specific_apology", "offer_solution"},
        7: {"use_name"}, 9: {"no_blame"}, 10: {"offer_supervisor"}}
MAY = {1: {"ask_questions"}, 3: {"empathy", "ask_questions"}, 5: {"empathy", "commit_action", "ask_questions"},
       10: {"empathy", "commit_action"}, 11: {"no_blame"}, 15: {"offer_supervisor"}}
WORD_KINDS = {"caller": {"empathy", "commit_action", "use_name", "offer_supervisor", "ask_questions", "dont_take_personally"},
              "agent": {"no_blame", "specific_apology", "offer_solution"}}


def turn_of(script: dict, kind: str, t: float) -> int | None:
    """The script turn a prompt of ``kind`` shown at ``t`` answers: the last turn of the speaker
    whose words trigger that kind, under way or just ended."""
    speaker = next(s for s, kinds in WORD_KINDS.items() if kind in kinds)
    turns = [x for x in script["turns"] if x["speaker"] == speaker and x["start"] <= t <= x["end"] + MAX_LATENCY_S]
    return turns[-1]["index"] if turns else None


def test_the_demo_call_shows_its_answer_key_and_no_false_prompt(demo):
    script, events = demo
    shown = {(turn_of(script, e["kind"], e["t"]), e["kind"]) for e in events if e["type"] == "prompt.shown"
             and e["kind"] in WORD_KINDS["caller"] | WORD_KINDS["agent"]}
    must = {(turn, kind) for turn, kinds in MUST.items() for kind in kinds}
    may = must | {(turn, kind) for turn, kinds in MAY.items() for kind in kinds}
    assert must <= shown, sorted(must - shown, key=str)
    assert shown <= may, sorted(shown - may, key=str)


def test_the_demo_callers_name_is_said_as_the_agent_would(demo):
    _, events = demo
    named = [e for e in events if e["type"] in ("prompt.shown", "prompt.updated") and e["kind"] == "use_name"]
    assert named[-1]["suggestions"] == ["Mr Miller"]  # "My name is John Miller": a man's first name


GOLDEN = Path(__file__).parents[1] / "fixtures" / "golden"


# Nobody in the golden calls (a customer setting up a phone system, real Asterisk speech) insults
# the agent, asks for a manager, gives a name, or hears a blame, a bare apology twice or a promise.
# (Their callers do complain — phones that do not ring, a light that stays off — so empathy and
# the like may show.)
FALSE_THERE = {"dont_take_personally", "offer_supervisor", "use_name", "no_blame", "specific_apology"}


@pytest.mark.parametrize("name", [
    "loud_agent", "fast_agent", "monologue",
    "overtalk",
    "calm",
])
def test_golden_calls_about_a_phone_system_show_no_false_prompt(tmp_path, name):
    events = analyze(GOLDEN / f"{name}.wav", tmp_path / "events.jsonl", "--language", "en")
    heard = [e["text"] for e in events if e["type"] == "transcript.final"]
    assert len(heard) >= 5  # the call was heard
    false = [(e["kind"], e["reason"]) for e in events if e["type"] == "prompt.shown" and e["kind"] in FALSE_THERE]
    assert false == [] and not [e for e in events if e["type"] == "callback.promised"], (false, heard)


def test_the_demo_calls_promise_is_dated(demo):
    script, events = demo
    promises = [e for e in events if e["type"] == "callback.promised"]
    turn = next(t for t in script["turns"] if "callback" in t["tags"])
    # (the recogniser's utterance may start a little before the script's turn)
    assert [p["due_said"] for p in promises if turn["start"] - 1 <= p["said_at"] <= turn["end"]] == ["tomorrow 15:00"]
    assert events[0]["started_at"] and promises[-1]["due"].endswith("T15:00:00")
    assert events[-1]["summary"]["promises"][-1]["due_said"] == "tomorrow 15:00"


def test_demo_prompts_come_within_two_seconds_of_the_words(demo):
    measured = latencies(demo[1])
    assert len(measured) >= 8
    assert max(latency for _, latency in measured) <= MAX_LATENCY_S, measured


@pytest.mark.parametrize(
    "language, caller, sorries",
    [
        ("en", ["vm-nobodyavail.wav"], ["im-sorry.wav", "sorry.wav"]),  # "I'm sorry." "We're sorry."
        ("ru", ["ru/vm-nobodyavail.wav"], ["ru/followme-sorry.wav", "ru/privacy-incorrect.wav"]),  # "Извините, …"
    ],
)
def test_real_speech_bare_apologies_ask_for_a_specific_one(tmp_path, language, caller, sorries):
    """A call of real Asterisk speech: the caller speaks, the agent answers with two bare
    apologies; after the second the agent is asked to make it specific, within 2 s."""
    rate, gap = 8000, np.zeros(8000, dtype=np.float32)
    caller_audio = np.concatenate([gap] + [sf.read(CALLS / f, dtype="float32")[0] for f in caller] + [gap])
    agent_parts = [caller_audio * 0]
    for f in sorries:
        agent_parts += [sf.read(CALLS / f, dtype="float32")[0], gap, gap]
    agent_audio = np.concatenate(agent_parts)
    call = np.zeros((len(caller_audio) + len(agent_audio), 2), dtype=np.float32)
    call[: len(caller_audio), 0] = caller_audio
    call[:, 1] = np.pad(agent_audio, (0, len(call) - len(agent_audio)))
    sf.write(tmp_path / "call.wav", call, rate, subtype="PCM_16")
    events = analyze(tmp_path / "call.wav", tmp_path / "events.jsonl", "--language", language)
    apologies = [e for e in events if e["type"] == "prompt.shown" and e["kind"] == "specific_apology"]
    assert len(apologies) == 1, [e["text"] for e in events if e["type"].startswith("transcript.final")]
    assert dict(latencies(events))["specific_apology"] <= MAX_LATENCY_S
