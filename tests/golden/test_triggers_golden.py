"""The shipped phrasebooks against independent golden sets (tests/fixtures/triggers/<lang>.toml,
written without seeing the phrasebooks): for each language and intent, precision and recall
of intent detection must be at least 0.9; names are taken right; and a whole set run through
`voiceassist analyze EVENTS.jsonl` (the path of a user bringing transcripts) gives prompts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from voiceassist.config import load_config
from voiceassist.rules import due
from voiceassist.rules.matching import tokens
from voiceassist.rules.phrasebook import INTENTS, load_phrasebook
from voiceassist.rules.trigger_sets import load_set, score
from voiceassist.rules.triggers import TriggerEngine, speaker_of

SETS = Path(__file__).parents[1] / "fixtures" / "triggers"
LANGUAGES = sorted(p.stem for p in SETS.glob("*.toml"))
MIN_SCORE = 0.9


def golden(language):
    return load_set(SETS, language)


def engine(language):
    return TriggerEngine(load_phrasebook(language), load_config().triggers)


@pytest.mark.parametrize("language", LANGUAGES)
def test_sets_are_big_enough(language):
    sets = golden(language)
    for intent in INTENTS:
        assert len(sets[intent]["positives"]) >= 15 and len(sets[intent]["negatives"]) >= 15, intent


# The sets measure the phrasebooks only while they stay independent of them. A phrase may share
# words with a golden utterance, and idioms are common to any two writers ("nothing I can do",
# "каждый раз одно и то же": 6 words), but a run of 7 words in a row is a copied utterance.
COPIED_RUN = 7


@pytest.mark.parametrize("language", LANGUAGES)
def test_phrasebook_phrases_are_not_copied_from_the_set(language):
    sets, book = golden(language), load_phrasebook(language)
    utterances = [" " + " ".join(tokens(text, language).words) + " "
                  for intent in INTENTS for kind in ("positives", "negatives") for text in sets[intent][kind]]
    copied = []
    for intent in book.intents.values():
        for phrase in intent.phrases:
            words = tokens(phrase, language).words
            runs = {" " + " ".join(words[i : i + COPIED_RUN]) + " " for i in range(len(words) - COPIED_RUN + 1)}
            copied += [phrase for run in runs if any(run in u for u in utterances)][:1]
    assert not copied, copied


@pytest.mark.parametrize("language", LANGUAGES)
def test_precision_and_recall_per_intent(language):
    result = score(engine(language), golden(language), language)
    report = "\n".join(
        f"{language} {intent:15} P={x.precision:.2f} R={x.recall:.2f}  missed: {x.missed[:3]}  false: {x.false[:3]}"
        for intent, x in result.items()
    )
    print(report)
    bad = {i: (round(x.precision, 2), round(x.recall, 2)) for i, x in result.items() if min(x.precision, x.recall) < MIN_SCORE}
    assert not bad, report


@pytest.mark.parametrize("language", LANGUAGES)
def test_names_are_taken_right(language):
    sets, eng = golden(language), engine(language)
    right = 0
    for text, name in zip(sets["name"]["positives"], sets["name"]["names"]):
        found = eng.intents("caller", tokens(text, language)).get("name")
        right += found is not None and tokens(found.name, language).stems == tokens(name, language).stems
    assert right / len(sets["name"]["names"]) >= MIN_SCORE


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_golden_set_through_analyze_events(language, tmp_path):
    sets = golden(language)
    lines = [{"t": 0.0, "type": "call.started", "language": language, "engine": "test", "model": "golden set",
              "sample_rate_in": 8000, "channels": 2}]
    t = 0.0
    for intent in INTENTS:
        for text in sets[intent]["positives"][:3]:
            t += 60.0  # past every cool-down
            lines.append({"t": t, "type": "transcript.final", "speaker": speaker_of(intent),
                          "text": text, "start": t - 3, "end": t - 0.5, "words": []})
    events_in = tmp_path / f"{language}.jsonl"
    events_in.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in lines), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "voiceassist", "analyze", str(events_in), "--events", "-"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    kinds = {e["kind"] for e in out if e["type"] == "prompt.shown"}
    assert {"dont_take_personally", "empathy", "offer_supervisor", "use_name", "no_blame", "commit_action"} <= kinds
    assert any(e["type"] == "callback.promised" for e in out)
    assert out[-1]["summary"]["topics"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_promised_times_are_read_right(language):
    promises = golden(language)["agent_callback"]
    wrong = [(text, want, got) for text, want in zip(promises["positives"], promises["due"])
             if (got := due.parse(text, language).said()) != want]
    assert 1 - len(wrong) / len(promises["due"]) >= MIN_SCORE, wrong
