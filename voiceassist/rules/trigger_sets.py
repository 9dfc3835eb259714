"""Trigger detection scored on a set of labelled sentences: the golden, held-out and blind sets
of the tests and of ``benchmarks/triggers.py``, one TOML file per language.

A set has, per intent, ``positives`` (sentences that say it) and ``negatives`` (hard cases that
do not), each scored as the intent's speaker said it; ``agent_callback`` also has ``due``, the
time each positive promises.
"""

from __future__ import annotations

import statistics
import tomllib
from dataclasses import dataclass
from pathlib import Path

from voiceassist.rules import due
from voiceassist.rules.matching import tokens
from voiceassist.rules.phrasebook import INTENTS
from voiceassist.rules.triggers import TriggerEngine, speaker_of

__all__ = ["Score", "load_set", "score", "due_right"]


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    missed: tuple[str, ...]  # positives it was not found in
    false: tuple[str, ...]  # negatives it was found in


def load_set(folder: Path, language: str) -> dict:
    return tomllib.loads((folder / f"{language}.toml").read_text(encoding="utf-8"))


def score(engine: TriggerEngine, sets: dict, language: str) -> dict[str, Score]:
    """Per intent: precision and recall over its own positives and negatives."""
    out = {}
    for intent in INTENTS:
        speaker = speaker_of(intent)
        positives, negatives = sets[intent]["positives"], sets[intent]["negatives"]
        hits = [intent in engine.intents(speaker, tokens(x, language)) for x in positives]
        false = tuple(x for x in negatives if intent in engine.intents(speaker, tokens(x, language)))
        tp = sum(hits)
        out[intent] = Score(tp / (tp + len(false)) if tp or false else 0.0, tp / len(positives),
                            tuple(x for x, hit in zip(positives, hits) if not hit), false)
    return out


def due_right(sets: dict, language: str) -> float:
    """The share of call-back promises whose time is read right."""
    promises = sets["agent_callback"]
    return statistics.mean(due.parse(x, language).said() == want for x, want in zip(promises["positives"], promises["due"]))
