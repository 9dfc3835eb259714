"""The learned layer of trigger detection: what the phrase lists miss, and what they take wrongly.

One logistic model per intent and language, over what the matcher sees of an utterance: its
stems, pairs of stems (next and next but one), the letter sequences of its words (three to five
letters: they survive a misheard ending, a split or merged word), how it ends ("?" or "."), and
which of the phrasebook's intents the matcher found in it. Trained by ``scripts/train_triggers.py``
on the golden sets and the training sets (``training/triggers``); the weights ship as
``voiceassist/data/triggers/<language>.npz``.

The matcher decides with it: a phrase match stands unless the model finds the utterance
clearly not of its intent (probability below ``VETO``: "I'm not calling you an idiot"), and an
utterance no phrase matched fires when the model is sure of it (at least ``FIRE``). Because the
matcher's findings are features, a phrase a supervisor adds to a team phrasebook counts at
once, as any phrase does. Pure and deterministic: the same words give the same numbers.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from voiceassist.rules.matching import Tokens
from voiceassist.rules.phrasebook import INTENTS

__all__ = ["Learned", "features", "windows", "clauses", "part", "load", "stamp", "FIRE", "FIRE_PARTIAL", "VETO", "MIN_WORDS"]

FIRE = 0.65  # no phrase matched: the model alone fires from this probability
FIRE_PARTIAL = 0.8  # ... on a partial, whose sentence may still turn ("so what are you" ...)
VETO = 0.4  # a phrase matched: it stands unless the model gives less than this
_NGRAMS = (3, 4, 5)
_QUOTE_MAX_WORDS = 8  # a learned match quotes at most this many words
# The model reads a sentence at a time (it learned from sentences); one longer than _LONG words
# (a recogniser that does not punctuate) in windows of _WINDOW words, _STEP apart.
_LONG, _WINDOW, _STEP = 16, 12, 6
MIN_WORDS = 3  # the model alone fires only on a window of at least this many words ("and you" is no insult)


def features(t: Tokens, found: frozenset[str]) -> list[tuple[str, int]]:
    """The features of ``t`` (the matcher's view of an utterance), each with the word it came
    from (to quote the words that decided), given the intents ``found`` by the phrase lists."""
    out = [(f"w:{s}", i) for i, s in enumerate(t.stems)]
    out += [(f"b:{a}_{b}", i) for i, (a, b) in enumerate(zip(t.stems, t.stems[1:]))]
    out += [(f"s:{a}_{b}", i) for i, (a, b) in enumerate(zip(t.stems, t.stems[2:]))]
    text, owner = " ", [0]
    for i, w in enumerate(t.folded):
        text += w + " "
        owner += [i] * (len(w) + 1)
    out += [(f"c:{text[k : k + n]}", owner[k]) for n in _NGRAMS for k in range(len(text) - n + 1)]
    last = t.starts[-1] if t.words else 0
    if last in t.asks:
        out.append(("end:?", len(t.words) - 1))
    elif last in t.tells:
        out.append(("end:.", len(t.words) - 1))
    out += [(f"m:{intent}", 0) for intent in sorted(found)]
    return out


def stamp(book) -> str:
    """What of a phrasebook the model's features depend on (the phrases of the trigger intents
    and the negations), as a hash: a model trained with another phrasebook is out of date."""
    intents = sorted((name, intent.model_dump()) for name, intent in book.intents.items() if name in (*INTENTS, "negation"))
    return hashlib.sha256(repr(intents).encode()).hexdigest()[:16]


def windows(t: Tokens) -> list[range]:
    """The word ranges the model reads of ``t``: its sentences, long ones in overlapping windows."""
    out = []
    for k, start in enumerate(t.starts):
        stop = t.starts[k + 1] if k + 1 < len(t.starts) else len(t.words)
        if stop - start <= _LONG:
            out.append(range(start, stop))
        else:
            out += [range(a, a + _WINDOW) for a in range(start, stop - _WINDOW, _STEP)] + [range(stop - _WINDOW, stop)]
    return [w for w in out if len(w)]


def clauses(t: Tokens) -> list[range]:
    """The clauses of ``t``'s sentences that have commas: a phrase match stands if its clause
    bears it out ("I'm very sorry, I'll call you later": the promise is a clause of its own),
    but the model alone does not fire on a clause ("This is Richard, …" is no frustration)."""
    out = []
    for k, start in enumerate(t.starts):
        stop = t.starts[k + 1] if k + 1 < len(t.starts) else len(t.words)
        cuts = [c for c in t.clauses if start < c < stop]
        out += [range(a, b) for a, b in zip([start, *cuts], [*cuts, stop])] if cuts else []
    return out


def part(t: Tokens, w: range) -> Tokens:
    """The words ``w`` of ``t`` as an utterance of their own (its end punctuation kept when ``w``
    reaches the end of its sentence)."""
    sentence = t.sentence(w.start)
    whole = w.stop == sentence.stop
    return Tokens(t.words[w.start : w.stop], t.stems[w.start : w.stop], (0,),
                  (0,) if whole and sentence.start in t.asks else (), (0,) if whole and sentence.start in t.tells else ())


class Learned:
    """The models of one language: ``vocabulary`` (feature → row), ``weights`` (feature × intent),
    ``bias`` (per intent), in the order of ``intents``."""

    def __init__(self, vocabulary: list[str], weights: np.ndarray, bias: np.ndarray, intents: list[str], trained_on: str = ""):
        self.rows = {f: i for i, f in enumerate(vocabulary)}
        self.weights = weights.astype(np.float64)
        self.bias = bias.astype(np.float64)
        self.intents = list(intents)
        self.column = {intent: i for i, intent in enumerate(intents)}
        self.trained_on = trained_on

    def probabilities(self, t: Tokens, found: frozenset[str]) -> dict[str, float]:
        """Each intent's probability for the utterance ``t``."""
        rows = sorted({self.rows[f] for f, _ in features(t, found) if f in self.rows})
        z = self.bias + self.weights[rows].sum(axis=0)
        p = 1.0 / (1.0 + np.exp(-z))
        return {intent: float(p[i]) for i, intent in enumerate(self.intents)}

    def span(self, t: Tokens, found: frozenset[str], intent: str) -> tuple[int, int]:
        """The words to quote for ``intent`` (first, last): all of ``t`` when it is short, else
        the run of at most ``_QUOTE_MAX_WORDS`` words whose features weigh most towards it."""
        if len(t.words) <= _QUOTE_MAX_WORDS:
            return 0, len(t.words) - 1
        column, weight = self.column[intent], [0.0] * len(t.words)
        for f, at in features(t, found):
            if f in self.rows and not f.startswith(("m:", "end:")):
                weight[at] += self.weights[self.rows[f], column]
        best, span = float("-inf"), (0, max(len(t.words) - 1, 0))
        for first in range(len(t.words)):
            total = 0.0
            for last in range(first, min(first + _QUOTE_MAX_WORDS, len(t.words))):
                total += weight[last]
                if total > best:
                    best, span = total, (first, last)
        return span


def load(language: str) -> Learned | None:
    """The shipped models of ``language``, None when there are none."""
    return _load(str(resources.files("voiceassist.data") / "triggers" / f"{language}.npz"))


@lru_cache(maxsize=None)
def _load(path: str) -> Learned | None:
    if not Path(path).is_file():
        return None
    with np.load(path, allow_pickle=False) as z:
        return Learned(list(z["vocabulary"]), z["weights"], z["bias"], list(z["intents"]), str(z["trained_on"]))
