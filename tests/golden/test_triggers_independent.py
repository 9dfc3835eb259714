"""Trigger detection on the sets nobody tuned on: the held-out sets (tests/fixtures/triggers_heldout)
and the sets written blind from the intents' description alone (tests/fixtures/triggers_blind).
The learned layer must do better than the phrase lists alone on both, in every language, and
stay above a floor. (The issue's targets, mean precision 0.95 and recall 0.90, are reported by
benchmarks/triggers.py; these floors guard what is reached.)"""

from __future__ import annotations

import statistics
import tomllib
from pathlib import Path

import pytest

from voiceassist.config import load_config
from voiceassist.languages import LANGUAGES
from voiceassist.rules.matching import tokens
from voiceassist.rules.phrasebook import INTENTS, load_phrasebook
from voiceassist.rules.triggers import AGENT_INTENTS, TriggerEngine

FIXTURES = Path(__file__).parents[1] / "fixtures"
MIN_PRECISION, MIN_RECALL = 0.9, 0.85


def mean_scores(engine: TriggerEngine, sets: dict, language: str) -> tuple[float, float]:
    ps, rs = [], []
    for intent in INTENTS:
        speaker = "agent" if intent in AGENT_INTENTS else "caller"
        hit = [intent in engine.intents(speaker, tokens(x, language)) for x in sets[intent]["positives"]]
        false = sum(intent in engine.intents(speaker, tokens(x, language)) for x in sets[intent]["negatives"])
        ps.append(sum(hit) / (sum(hit) + false) if sum(hit) + false else 0.0)
        rs.append(sum(hit) / len(hit))
    return statistics.mean(ps), statistics.mean(rs)


@pytest.mark.parametrize("folder", ["triggers_heldout", "triggers_blind"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_learned_layer_generalises(folder, language):
    sets = tomllib.loads((FIXTURES / folder / f"{language}.toml").read_text(encoding="utf-8"))
    book = load_phrasebook(language)
    p, r = mean_scores(TriggerEngine(book, load_config().triggers), sets, language)
    p0, r0 = mean_scores(TriggerEngine(book, load_config(None, {"triggers.learned": False}).triggers), sets, language)
    assert p >= MIN_PRECISION and r >= MIN_RECALL, (p, r)
    assert p > p0 and r > r0, ((p, r), "phrase lists alone", (p0, r0))
