"""The trigger engine's mechanics on transcript events, with a small test phrasebook: the phrase
lists alone (the learned layer, trained with the shipped phrasebooks, is off; tests/unit/test_learned.py)."""

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from voiceassist.config import load_config
from voiceassist.errors import ConfigError
from voiceassist.rules.matching import tokens
from voiceassist.events import dumps
from voiceassist.rules.phrasebook import load_phrasebook
from voiceassist.rules.triggers import TriggerEngine

BOOK = load_phrasebook("en", Path(__file__).parents[1] / "fixtures" / "phrasebook")


def said(speaker, text, t, final=True):
    return {"t": t, "type": "transcript.final" if final else "transcript.partial", "speaker": speaker,
            "text": text, "start": t - 2, "end": t - 0.5, "words": []}


def run(*utterances, **overrides):
    engine = TriggerEngine(BOOK, load_config(None, {"triggers.learned": False, **overrides}).triggers)
    out = []
    for u in utterances:
        out += engine.tick(u["t"]) + engine.on_transcript(u)
    return engine, out


def shown(events):
    return [(e["kind"], e["suggestions"]) for e in events if e["type"] == "prompt.shown"]


def test_a_phrase_repeated_by_partials_and_the_final_fires_once():
    _, out = run(said("caller", "where is my", 1, False), said("caller", "where is my order", 2, False),
                 said("caller", "where is my order I have been waiting", 3))
    assert [k for k, _ in shown(out)] == ["empathy"]
    assert out[0]["reason"] == 'the caller said "where is my order"'


def test_empathy_lines_fit_the_topic():
    _, out = run(said("caller", "this is ridiculous", 1))
    assert shown(out) == [("empathy", ["I understand how frustrating this is."])]
    _, out = run(said("caller", "I've been waiting two weeks", 1))
    assert shown(out) == [("empathy", ["I understand, two weeks is far too long to wait."])]


def test_intents_belong_to_their_speaker():
    _, out = run(said("agent", "where is my order", 1), said("caller", "that's the courier's fault", 2))
    assert shown(out) == []


def test_blaming_the_courier():
    _, out = run(said("agent", "well that's the courier's fault not ours", 1))
    assert [k for k, _ in shown(out)] == ["no_blame"]


def test_bare_sorries_ask_for_a_specific_apology_with_name_and_problem():
    _, out = run(
        said("caller", "my name is John Miller, where is my order", 1),
        said("agent", "I'm sorry.", 5),
        said("agent", "Sorry. Can I have your order number please?", 20),
    )
    assert ("specific_apology", ["I'm sorry that your order is so late, John Miller."]) in shown(out)


def test_a_specific_apology_is_not_bare():
    _, out = run(
        said("caller", "my name is John Miller", 1),
        said("agent", "I'm sorry, John.", 5),
        said("agent", "I'm sorry your order is so late and that you had to wait for weeks", 20),
    )
    assert "specific_apology" not in [k for k, _ in shown(out)]


def test_without_a_known_problem_only_lines_without_one_are_offered():
    _, out = run(said("agent", "sorry", 5), said("agent", "sorry", 10))
    assert shown(out) == [("specific_apology", [])]


def test_bare_sorries_far_apart_are_forgiven():
    _, out = run(said("agent", "sorry", 5), said("agent", "sorry", 200))
    assert shown(out) == []


def test_the_name_is_shown_as_heard():
    engine, out = run(said("caller", "hello my name is Anna Petrova", 1))
    assert shown(out) == [("use_name", ["Anna Petrova"])] and engine.name == "Anna Petrova"


def test_a_call_back_promise_is_recorded_with_its_time_resolved_against_the_call_start():
    engine = TriggerEngine(BOOK, load_config().triggers, call_start=dt.datetime(2026, 11, 23, 16, 50))
    out = engine.on_transcript(said("agent", "I'll call you back", 10, final=False))
    out += engine.on_transcript(said("agent", "I'll call you back tomorrow at three", 10))
    promise = [e for e in out if e["type"] == "callback.promised"]
    assert promise == [{"t": 10, "type": "callback.promised", "text": "I'll call you back tomorrow at three",
                        "due": "2026-11-24T15:00:00", "due_said": "tomorrow 15:00", "said_at": 8}]
    assert engine.promises == promise


def test_without_a_call_start_a_promise_keeps_what_was_said():
    engine, out = run(said("agent", "I'll call you back in two hours", 10))
    assert [(e["due"], e["due_said"]) for e in out if e["type"] == "callback.promised"] == [(None, "in 2 hours")]


def test_the_promises_own_sentence_names_its_day():
    engine, out = run(said("agent", "They said Monday. I'll call you back tomorrow.", 10))
    assert [e["due_said"] for e in out if e["type"] == "callback.promised"] == ["tomorrow"]


def test_a_vague_promise_brings_a_reminder_to_agree_a_time():
    _, out = run(said("agent", "I'll get back to you later", 10), said("caller", "okay", 40))
    assert [(e["t"], e["kind"]) for e in out if e["type"] == "prompt.shown"] == [(40, "callback_reminder")]
    assert "I'll get back to you later" in next(e["reason"] for e in out if e["type"] == "prompt.shown")


def test_a_time_agreed_after_a_vague_promise_cancels_the_reminder():
    _, out = run(said("agent", "I'll get back to you later", 10),
                 said("agent", "I'll call you back tomorrow at ten", 15), said("caller", "okay", 40))
    assert [e for e in out if e["type"] == "prompt.shown"] == []


def run_escalation(utterances, voice_db=None, until=200.0, **overrides):
    """The engine ticked every 0.5 s, with the caller's voice ``voice_db`` over their baseline."""
    engine = TriggerEngine(BOOK, load_config(None, overrides).triggers, load_config(None, overrides).escalation)
    pending, out, t = sorted(utterances, key=lambda u: u["t"]), [], 0.0
    while t <= until:
        if voice_db is not None:
            engine.caller_voice(voice_db, t)
        while pending and pending[0]["t"] <= t:
            out += engine.on_transcript(pending.pop(0))
        out += engine.tick(t)
        t += 0.5
    return engine, out


def test_agitation_that_stays_high_after_the_agent_spoke_asks_for_a_pause_then_a_supervisor():
    angry = [said("caller", "this is ridiculous, where is my order", t) for t in range(5, 200, 15)]
    engine, out = run_escalation(angry + [said("agent", "I understand", 8)], voice_db=6.0)
    kinds = [(e["t"], e["kind"]) for e in out if e["type"] == "prompt.shown" and e["kind"] in ("pause_callback", "offer_supervisor")]
    assert [k for _, k in kinds] == ["pause_callback", "offer_supervisor"]
    pause, supervisor = (t for t, _ in kinds)
    assert supervisor - pause == pytest.approx(90 - 45, abs=1)
    assert engine.escalation.level(100) >= 0.6


def test_a_calm_caller_or_an_agent_who_never_spoke_gets_no_escalation():
    calm = [said("caller", "where is my order", t) for t in range(5, 200, 40)]
    _, out = run_escalation(calm + [said("agent", "I understand", 8)], voice_db=0.0)
    assert not [e for e in out if e["type"] == "prompt.shown" and e["kind"] == "pause_callback"]
    angry = [said("caller", "this is ridiculous", t) for t in range(5, 200, 10)]
    _, out = run_escalation(angry, voice_db=8.0)  # the agent has not had their say yet
    assert not [e for e in out if e["type"] == "prompt.shown" and e["kind"] == "pause_callback"]


def test_a_long_agitated_call_suggests_a_goodwill_gesture():
    angry = [said("caller", "this is ridiculous", t) for t in range(5, 700, 10)]
    _, out = run_escalation(angry + [said("agent", "I see", 8)], voice_db=8.0, until=700.0)
    goodwill = [e for e in out if e["type"] == "prompt.shown" and e["kind"] == "goodwill"]
    assert len(goodwill) == 1 and goodwill[0]["t"] == 600.0 and "10 minutes" in goodwill[0]["reason"]


def test_questions_asked_before_anger_stop_the_ask_questions_nudge():
    _, out = run(said("caller", "this is ridiculous", 1), said("caller", "I called three times already", 20))
    assert "ask_questions" in [k for k, _ in shown(out)]
    _, out = run(said("agent", "can I have your order number please", 1),
                 said("caller", "this is ridiculous", 5), said("caller", "I called three times already", 20))
    assert "ask_questions" not in [k for k, _ in shown(out)]


def test_nudges_clear_after_their_minimum_time_and_cool_down():
    engine, out = run(said("caller", "this is ridiculous", 1), said("caller", "unacceptable", 5),
                      **{"triggers.agitation_for_questions": 10})
    assert len(shown(out)) == 1  # still showing: not twice
    cleared = engine.tick(9.5)
    assert [e["type"] for e in cleared] == ["prompt.cleared"]
    assert engine.on_transcript(said("caller", "ridiculous", 20)) == []  # cooling down until 39
    assert len(shown(engine.on_transcript(said("caller", "ridiculous", 40)))) == 1


def test_same_transcripts_give_the_same_events_byte_for_byte():
    utterances = [said("caller", "where is my order, this is ridiculous", 1), said("agent", "sorry", 3),
                  said("agent", "sorry, it's the courier's fault", 6)]
    assert [dumps(e) for e in run(*utterances)[1]] == [dumps(e) for e in run(*utterances)[1]]


@pytest.mark.parametrize("text", ["this is ridiculous", "This is useless. Why don't you do something?"])
def test_words_of_the_phrasebook_and_next_sentences_are_not_names(text):
    engine, out = run(said("caller", text, 1))
    assert "use_name" not in [k for k, _ in shown(out)] and engine.name == ""


def test_a_name_ends_with_its_sentence():
    engine, _ = run(said("caller", "This is Anna. Where is my order?", 1))
    assert engine.name == "Anna"


@pytest.mark.parametrize(
    "text, found",
    [
        ("can I talk to the supervisor please", True),  # one of the alternatives' combinations
        ("I want to speak to your manager now", True),
        ("my manager wants to talk to a supervisor", False),  # "my manager" is near: unless
        ("no need to speak to a manager", False),
    ],
)
def test_unless_phrases_cancel_a_match_near_them(text, found):
    engine, _ = run()
    assert ("manager" in engine.intents("caller", tokens(text, "en"))) is found


@pytest.mark.parametrize(
    "text, found",
    [
        ("Could you read me the tracking code?", True),  # no phrase: the question mark says it
        ("Right?", False),  # too short to be an information question
        ("I can read you the tracking code.", False),
    ],
)
def test_a_question_mark_is_the_agent_asking(text, found):
    engine, _ = run()
    assert ("agent_question" in engine.intents("agent", tokens(text, "en"))) is found


@pytest.mark.parametrize(
    "text, found",
    [
        ("sorry", True),
        ("I'm sorry. Where were we?", True),  # its own sentence is bare
        ("I'm sorry your order is still not arrived after two weeks", False),  # long and specific
        ("sorry, where is my order", False),  # names the problem
        ("no need to be sorry", False),
    ],
)
def test_agent_sorry_is_a_bare_apology(text, found):
    engine, _ = run()
    assert ("agent_sorry" in engine.intents("agent", tokens(text, "en"))) is found


@pytest.mark.parametrize(
    "phrase, problem",
    [
        ("(a|b", "not nested, each '(' closed"),
        ("((a|b))", "not nested"),
        ("a ^b", "'^' may only start"),
        ("{who} said", "only {name}"),
        ("(.*)", "not regular expressions"),
        ("(|)", "no words"),
        ("(a|b|c|d|e|f|g|h|i|j) " * 4, "at most 1000"),
    ],
)
def test_bad_phrases_are_named_with_the_file_and_what_is_wrong(tmp_path, phrase, problem):
    text = (Path(__file__).parents[1] / "fixtures" / "phrasebook" / "en.toml").read_text()
    (tmp_path / "en.toml").write_text(text.replace('"want manager"', json.dumps(phrase)))
    with pytest.raises(ConfigError, match=rf"intents.manager.phrases in .*en.toml: bad phrase .*{re.escape(problem)}"):
        load_phrasebook("en", tmp_path)


def test_the_greetings_question_is_not_a_question_about_the_problem():
    _, out = run(said("agent", "Hello, this is Anna. How can I help you today?", 1),
                 said("caller", "this is ridiculous", 10), said("caller", "where is my order", 15))
    assert "ask_questions" in [k for k, _ in shown(out)]


@pytest.mark.parametrize(
    "text, name",
    [
        ("yes hi my name is John Miller and I ordered a coat", "John Miller"),  # two words make a name
        ("my name is lucy lucy hughes", "Lucy Hughes"),  # a stammer, once
        ("This is Anna. Where is my order?", "Anna"),
    ],
)
def test_names_are_taken_as_said(text, name):
    engine, _ = run(said("caller", text, 1))
    assert engine.name == name
