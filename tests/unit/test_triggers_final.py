"""The final transcript corrects what a partial of its utterance showed (#17 part 2)."""

from voiceassist.config import load_config
from voiceassist.events import dumps, problem
from voiceassist.rules.phrasebook import load_phrasebook
from voiceassist.rules.triggers import TriggerEngine


def said(speaker, text, t, final=True, start=0.5):
    return {"t": t, "type": "transcript.final" if final else "transcript.partial", "speaker": speaker,
            "text": text, "start": start, "end": t - 0.2, "words": []}


def run(language, *utterances):
    engine = TriggerEngine(load_phrasebook(language), load_config(None).triggers)
    out = []
    for u in utterances:
        out += engine.tick(u["t"]) + engine.on_transcript(u)
    return engine, out


def brief(events):
    return [(e["type"], e["id"], e.get("suggestions")) for e in events if e["type"].startswith("prompt.")]


def test_a_name_misheard_by_a_partial_is_corrected_by_the_final():
    engine, out = run("en", said("caller", "hi my name is aaron and I'm calling about", 2.1, False),
                      said("caller", "Hi, my name is Sarah Johnson and I'm calling about my order.", 3.4))
    assert brief(out) == [("prompt.shown", "use_name-1", ["Aaron"]), ("prompt.updated", "use_name-1", ["Ms Johnson"])]
    assert out[-1]["reason"] == 'the caller said "my name is sarah johnson and"'
    assert engine.name == "Sarah Johnson" and all(problem(e) is None for e in out)


def test_the_same_words_in_the_final_change_nothing():
    _, out = run("en", said("caller", "my name is John Miller and", 2.0, False),
                 said("caller", "my name is John Miller and", 2.5))
    assert brief(out) == [("prompt.shown", "use_name-1", ["Mr Miller"])]


def test_a_prompt_the_final_no_longer_supports_is_cleared_at_once():
    engine, out = run("en", said("caller", "hello my name is ridley and I'm", 1.5, False),
                      said("caller", "Hello, my name is. Sorry, one moment.", 2.0))
    assert brief(out) == [("prompt.shown", "use_name-1", ["Ridley"]), ("prompt.cleared", "use_name-1", None)]
    assert engine.name == "" and engine.address == ""
    # cleared without a cool-down: the name said next is shown at once
    _, more = run("en", said("caller", "hello my name is ridley and I'm", 1.5, False),
                  said("caller", "Hello, my name is. Sorry, one moment.", 2.0), said("caller", "My name is Lucy Hughes.", 4.0))
    assert brief(more)[-1] == ("prompt.shown", "use_name-2", ["Ms Hughes"])


def test_a_withdrawn_name_falls_back_to_the_one_heard_before():
    engine, _ = run("en", said("caller", "My name is Lucy Hughes.", 2.0),
                    said("caller", "this is mark and", 5.0, False, start=4.0), said("caller", "This is marked as delivered.", 6.0, start=4.0))
    assert engine.name == "Lucy Hughes" and engine.address == "Ms Hughes"


def test_the_quoted_phrase_follows_the_final():
    _, out = run("en", said("caller", "this is ridiculus I", 1.5, False),
                 said("caller", "This is ridiculous, I want my money.", 3.0))
    shown, updated = [e for e in out if e["type"] in ("prompt.shown", "prompt.updated") and e["kind"] == "empathy"]
    assert shown["id"] == updated["id"] == "empathy-1" and shown["reason"] != updated["reason"]
    assert updated["suggestions"] == shown["suggestions"] and updated["text"] == shown["text"]


def test_another_topic_in_the_final_replaces_the_partials():
    engine, out = run("en", said("caller", "this is ridiculous where is", 2.1, False),
                 said("caller", "This is Richard, where is my parcel?", 3.5))
    kinds = [(e["type"], e["id"]) for e in out if e["type"].startswith("prompt.") and e["kind"] == "empathy"]
    assert kinds == [("prompt.shown", "empathy-1"), ("prompt.cleared", "empathy-1"), ("prompt.shown", "empathy-2")]
    assert engine.topics == ["late_delivery"]


def test_a_topic_only_a_partial_heard_leaves_the_calls_topics():
    engine, _ = run("en", said("caller", "my order is broken and", 2.0, False), said("caller", "My order is fine, thanks.", 3.0))
    assert engine.topics == []


def test_a_promise_is_made_from_the_final_only():
    _, out = run("en", said("agent", "I'll call you back tomorrow at two", 2.0, False),
                 said("agent", "I'll call you back tomorrow at three.", 3.0))
    promises = [e for e in out if e["type"] == "callback.promised"]
    assert len(promises) == 1 and promises[0]["due_said"] == "tomorrow 15:00"


def test_corrections_are_the_same_bytes_every_time():
    calls = [said("caller", "hi my name is aaron and I'm calling about", 2.1, False), said("caller", "Hi, my name is Sarah Johnson.", 3.4),
             said("caller", "this is ridiculous where is", 6.0, False, start=5.0), said("caller", "This is Richard, where is my parcel?", 7.0, start=5.0)]
    first = [dumps(e) for e in run("en", *calls)[1]]
    assert first == [dumps(e) for e in run("en", *calls)[1]] and any('"prompt.updated"' in line for line in first)


def test_each_language_corrects_the_name():
    for language, partial, final, line in [
        ("tr", "merhaba ben ayşe yıldız siparişim", "Merhaba, ben Ayşe Yılmaz, siparişim gelmedi.", "Ayşe Hanım"),
        ("ru", "здравствуйте меня зовут анна петрова по", "Здравствуйте, меня зовут Анна Сергеевна Петрова, по поводу заказа.", "Анна Сергеевна"),
        ("hr", "dobar dan razgovarate s antom perić iz", "Dobar dan, razgovarate s Antom Perićem iz Splita.", "gospodine Periću"),
        ("ar", "مرحبا اسمي احمد الخالدي من", "مرحبا، اسمي أحمد الخالدي من جدة", "أستاذ أحمد"),
    ]:
        _, out = run(language, said("caller", partial, 2.0, False), said("caller", final, 3.0))
        names = [e for e in out if e["type"] in ("prompt.shown", "prompt.updated") and e["kind"] == "use_name"]
        assert names[-1]["suggestions"] == [line], (language, names)


def test_a_misheard_name_leaves_the_lines_of_other_prompts_too():
    engine, out = run("en", said("caller", "hi my name is aaron and I'm", 2.0, False),
                      said("agent", "Sorry.", 2.2, start=2.0), said("agent", "Sorry.", 2.4, start=2.3), said("agent", "Sorry.", 2.6, start=2.5),
                      said("caller", "Hi, my name is Sarah Johnson and I'm upset.", 3.0))
    apology = [e for e in out if e.get("kind") == "specific_apology" and e["type"] != "prompt.cleared"]
    assert [e["type"] for e in apology] == ["prompt.shown", "prompt.updated"]
    assert any("Aaron" in line for line in apology[0]["suggestions"])
    assert any("Ms Johnson" in line for line in apology[1]["suggestions"]) and not any("Aaron" in line for line in apology[1]["suggestions"])
