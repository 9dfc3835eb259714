"""Finding phrasebook phrases in what a recogniser heard, in en, tr, ru, ar and hr.

Both the phrase and the transcript go through the same steps:

1. normalisation: Unicode NFC; case folding that knows Turkish dotted and dotless i
   (I → ı, İ → i); Russian ё → е; Arabic diacritics (harakat, tatweel) removed and letter
   variants unified (أ إ آ → ا, ى → ي, ة → ه), as recognisers write them inconsistently;
   English contractions split ("don't" → "do not") so negations are words.
2. stemming with Snowball (english, turkish, russian, arabic). Croatian uses Snowball's
   Serbian stemmer: the two standard languages share their inflection system and, in Latin
   script, their alphabet, and no Croatian stemmer is packaged on PyPI.
3. diacritic folding after stemming (č → c, ş → s, ğ → g, ...), because phone recognisers
   often drop them; the stemmer needs them, the comparison does not.

A phrase matches when each of its words is found in the transcript — in any order, within a
window a few words wider than the phrase — exactly or, for words of four letters or more,
with a rapidfuzz similarity of stems or whole words of at least ``fuzzy_min`` (recognition
errors: "deliverd", "recieved"). A negation word just before or inside the phrase cancels it ("not late", "order is
not late"), unless the phrase itself contains a negation ("not arrived").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer
from rapidfuzz.distance import Indel

__all__ = ["Tokens", "tokens", "Phrase", "compile_phrase", "Match", "find"]

_STEMMERS = {"en": "english", "tr": "turkish", "ru": "russian", "ar": "arabic", "hr": "serbian"}
_ARABIC_MARKS = re.compile("[\u064b-\u0652\u0670\u0640]")
_ARABIC_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "ة": "ه"})
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?|\{name\}")
_EN_CONTRACTIONS = [
    (re.compile(r"\b(can|won|don|doesn|didn|isn|aren|wasn|weren|hasn|haven|hadn|couldn|wouldn|shouldn)'?t\b"), r"\1 not"),
    (re.compile(r"\bwon not\b"), "will not"),
    (re.compile(r"\bcan not\b"), "can not"),
    (re.compile(r"'(ve|ll|re|d|m|s)\b"), r" \1"),
]
# Fuzzy matching needs enough letters to tell a misspelling from another word.
_FUZZY_MIN_LEN = 4
# A phrase may be spread over this many more words than it has (fillers, adjectives).
_EXTRA_WORDS = 3
# A negation counts for the phrase when it is at most this many words before it.
_NEGATION_REACH = 2


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("ı", "i").replace("đ", "d")


def _lower(text: str, language: str) -> str:
    text = unicodedata.normalize("NFC", text)
    if language == "tr":
        text = text.replace("I", "ı").replace("İ", "i")
    text = text.lower()
    if language == "ru":
        text = text.replace("ё", "е")
    elif language == "ar":
        text = _ARABIC_MARKS.sub("", text).translate(_ARABIC_LETTERS)
    elif language == "en":
        text = text.replace("’", "'")
        for pattern, repl in _EN_CONTRACTIONS:
            text = pattern.sub(repl, text)
    return text


@lru_cache(maxsize=None)
def _stemmer(language: str):
    return snowballstemmer.stemmer(_STEMMERS[language])


@dataclass(frozen=True)
class Tokens:
    """A text as the matcher sees it: its surface words and their comparable stems."""

    words: tuple[str, ...]  # as written (lower-cased), for showing and for names
    stems: tuple[str, ...]

    @property
    def folded(self) -> tuple[str, ...]:
        return tuple(_fold(w) for w in self.words)


def tokens(text: str, language: str) -> Tokens:
    words = tuple(w.strip("'") for w in _WORD.findall(_lower(text, language)))
    if language == "tr":  # Turkish writes suffixes after an apostrophe on names: Ahmet'in
        words = tuple(w.split("'")[0] for w in words)
    stems = tuple(
        w if w == "{name}" else _fold(s) for w, s in zip(words, _stemmer(language).stemWords(list(words)))
    )
    return Tokens(words, stems)


@dataclass(frozen=True)
class Phrase:
    text: str
    stems: tuple[str, ...]
    folded: tuple[str, ...]  # whole words, for fuzzy comparison (stems of misspellings differ more)
    negated: bool  # the phrase itself carries a negation: no negation check before it
    has_name: bool


def compile_phrase(text: str, language: str, negations: frozenset[str]) -> Phrase:
    t = tokens(text, language)
    return Phrase(text, t.stems, t.folded, any(s in negations for s in t.stems), "{name}" in t.stems)


@dataclass(frozen=True)
class Match:
    phrase: Phrase
    score: float  # mean similarity of the matched words, 0..100
    first: int  # index of the first and last matched transcript word
    last: int
    name: str = ""  # for phrases with {name}: the words heard there

    def heard(self, t: Tokens) -> str:
        return " ".join(t.words[self.first : self.last + 1])


def _similar(stem: str, word: str, t_stem: str, t_word: str, fuzzy_min: float) -> float:
    """100 for the same stem; else the better fuzzy similarity of the stems or whole words."""
    if stem == t_stem:
        return 100.0
    if min(len(word), len(t_word)) < _FUZZY_MIN_LEN:
        return 0.0
    score = max(Indel.normalized_similarity(stem, t_stem), Indel.normalized_similarity(word, t_word)) * 100
    return score if score >= fuzzy_min else 0.0


def _find_name(phrase: Phrase, t: Tokens, fuzzy_min: float) -> Match | None:
    """``my name is {name}``: the fixed words in order, then the next one or two words."""
    at = phrase.stems.index("{name}")
    pairs = list(zip(phrase.stems, phrase.folded))
    before, after = pairs[:at], pairs[at + 1 :]
    folded = t.folded

    def same(pair, j):
        return _similar(pair[0], pair[1], t.stems[j], folded[j], fuzzy_min)

    for start in range(len(t.stems) - len(before) - len(after)):
        scores = [same(p, start + i) for i, p in enumerate(before)]
        if not all(scores):
            continue
        name_at = start + len(before)
        if after:
            ends = [j for j in range(name_at + 1, min(name_at + 3, len(t.stems) - len(after) + 1))
                    if all(same(p, j + i) for i, p in enumerate(after))]
            if not ends:
                continue
            name = t.words[name_at : ends[0]]
        else:
            name = t.words[name_at : name_at + 2]
        if name:
            return Match(phrase, sum(scores) / max(1, len(scores)), start, name_at + len(name) - 1, " ".join(name))
    return None


def find(phrase: Phrase, t: Tokens, fuzzy_min: float, negations: frozenset[str]) -> Match | None:
    """The best occurrence of ``phrase`` in ``t``, or None."""
    if phrase.has_name:
        return _find_name(phrase, t, fuzzy_min)
    n = len(phrase.stems)
    if n == 0 or len(t.stems) < n:
        return None
    width = n + _EXTRA_WORDS
    folded = t.folded
    best: Match | None = None
    for start in range(len(t.stems) - n + 1):
        window = range(start, min(start + width, len(t.stems)))
        used: set[int] = set()
        scores = []
        for p, pw in zip(phrase.stems, phrase.folded):
            candidates = [
                (s, j - start) for j in window
                if j - start not in used and (s := _similar(p, pw, t.stems[j], folded[j], fuzzy_min))
            ]
            if not candidates:
                break
            score, i = max(candidates)
            used.add(i)
            scores.append(score)
        else:
            if start not in {start + i for i in used}:
                continue  # anchor each occurrence at its first word, so it is found once
            first, last = start + min(used), start + max(used)
            matched = {start + i for i in used}
            nearby = range(max(0, first - _NEGATION_REACH), last + 1)
            if not phrase.negated and any(t.stems[i] in negations for i in nearby if i not in matched):
                continue
            match = Match(phrase, sum(scores) / n, first, last)
            if best is None or match.score > best.score:
                best = match
    return best
