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
errors: "deliverd", "recieved"). Phrases are written in a small notation:

- ``(courier|driver|delivery company) lost`` — alternatives: the phrase stands for each
  combination (an empty alternative makes a word optional);
- ``^what colour`` — anchored: the phrase's first word starts a sentence (after at most
  ``_FILLERS`` words such as "um", "so") and comes before its other words;
- ``my name is {name}`` — the next one or two words are the caller's name.

Negation (the phrasebook's ``[intents.negation]``) cancels a phrase that does not itself carry
one: a negation word just before or inside it ("not late", "order is not late"), a word that
negates what it follows just after it (Turkish "kırık değil"), and a fuzzy match is refused
when two words differ only by a negation affix (Turkish "edildi" / "edilmedi").
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer
from rapidfuzz.distance import Indel

__all__ = ["Tokens", "tokens", "Negation", "Phrase", "expand", "compile_phrase", "Match", "find"]

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
# A negation counts for the phrase when it is at most this many words before (or, for
# post-posed negations, after) it.
_NEGATION_REACH = 2
# An anchored phrase may start after this many words of its sentence ("um", "okay so").
_FILLERS = 2
_SENTENCE = re.compile(r"[^.!?؟]+[.!?؟]*")
_GROUP = re.compile(r"\(([^()]*)\)")


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
    """A text as the matcher sees it: its surface words, their comparable stems, and where its
    sentences start (recognisers that punctuate, like Whisper, give more than one)."""

    words: tuple[str, ...]  # as written (lower-cased), for showing and for names
    stems: tuple[str, ...]
    starts: tuple[int, ...] = (0,)  # index of each sentence's first word
    asks: tuple[int, ...] = ()  # starts of the sentences that end with a question mark

    @property
    def folded(self) -> tuple[str, ...]:
        return tuple(_fold(w) for w in self.words)

    def sentence(self, i: int) -> range:
        """The word indexes of the sentence holding word ``i``."""
        start = max(s for s in self.starts if s <= i)
        ends = [s for s in self.starts if s > i]
        return range(start, ends[0] if ends else len(self.words))


def _words(text: str, language: str) -> list[str]:
    words = [w.strip("'") for w in _WORD.findall(_lower(text, language))]
    if language == "tr":  # Turkish writes suffixes after an apostrophe on names: Ahmet'in
        words = [w.split("'")[0] for w in words]
    return words


def tokens(text: str, language: str) -> Tokens:
    words: list[str] = []
    starts: list[int] = []
    asks: list[int] = []
    for sentence in _SENTENCE.findall(text) or [text]:
        part = _words(sentence, language)
        if not part:
            continue
        starts.append(len(words))
        if sentence.rstrip().endswith(("?", "؟")):
            asks.append(len(words))
        words += part
    stems = tuple(w if w == "{name}" else _fold(s) for w, s in zip(words, _stemmer(language).stemWords(words)))
    return Tokens(tuple(words), stems, tuple(starts) or (0,), tuple(asks))


@dataclass(frozen=True)
class Negation:
    """A language's ways of saying "not" (stems / folded affixes)."""

    before: frozenset[str] = frozenset()  # words that negate what follows: "not", "не"
    after: frozenset[str] = frozenset()  # words that negate what they follow: Turkish "değil"
    affixes: tuple[str, ...] = ()  # morphemes that negate the word they are in: Turkish "-me-"

    @classmethod
    def of(cls, language: str, before=(), after=(), affixes=()) -> "Negation":
        return cls(
            frozenset(tokens(" ".join(before), language).stems),
            frozenset(tokens(" ".join(after), language).stems),
            tuple(_fold(_lower(a, language)) for a in affixes),
        )

    def differ_by_affix(self, a: str, b: str) -> bool:
        """Whether folded words ``a`` and ``b`` are the same but for one negation affix."""
        long, short = (a, b) if len(a) > len(b) else (b, a)
        return any(
            long[:i] + long[i + len(x) :] == short
            for x in self.affixes if len(long) - len(short) == len(x)
            for i in range(len(long) - len(x) + 1) if long.startswith(x, i)
        )


def expand(text: str) -> list[str]:
    """Every phrase a phrase with ``(a|b)`` alternatives stands for."""
    parts = _GROUP.split(text)  # literal, group, literal, group, ...
    choices = [[p] if i % 2 == 0 else p.split("|") for i, p in enumerate(parts)]
    return [" ".join("".join(c).split()) for c in itertools.product(*choices)]


@dataclass(frozen=True)
class Phrase:
    text: str
    stems: tuple[str, ...]
    folded: tuple[str, ...]  # whole words, for fuzzy comparison (stems of misspellings differ more)
    negated: bool  # the phrase itself carries a negation: no negation check around it
    has_name: bool
    anchored: bool


def compile_phrase(text: str, language: str, negation: Negation) -> Phrase:
    """One phrase, already expanded (no alternatives)."""
    anchored = text.lstrip().startswith("^")
    t = tokens(text.lstrip().lstrip("^"), language)
    negated = any(s in negation.before or s in negation.after for s in t.stems)
    return Phrase(text, t.stems, t.folded, negated, "{name}" in t.stems, anchored)


@dataclass(frozen=True)
class Match:
    phrase: Phrase
    score: float  # mean similarity of the matched words, 0..100
    first: int  # index of the first and last matched transcript word
    last: int
    name: str = ""  # for phrases with {name}: the words heard there

    def heard(self, t: Tokens) -> str:
        return " ".join(t.words[self.first : self.last + 1])


def _similar(stem: str, word: str, t_stem: str, t_word: str, fuzzy_min: float, negation: Negation) -> float:
    """100 for the same stem; else the better fuzzy similarity of the stems or whole words,
    unless the words differ by a negation affix (a misspelling does not turn "not" around)."""
    if stem == t_stem:
        return 100.0
    if min(len(word), len(t_word)) < _FUZZY_MIN_LEN:
        return 0.0
    score = max(Indel.normalized_similarity(stem, t_stem), Indel.normalized_similarity(word, t_word)) * 100
    if score < fuzzy_min or negation.differ_by_affix(word, t_word):
        return 0.0
    return score


def _find_name(phrase: Phrase, t: Tokens, fuzzy_min: float, negation: Negation) -> Match | None:
    """``my name is {name}``: the fixed words in order, then the next one or two words."""
    at = phrase.stems.index("{name}")
    pairs = list(zip(phrase.stems, phrase.folded))
    before, after = pairs[:at], pairs[at + 1 :]
    folded = t.folded

    def same(pair, j):
        return _similar(pair[0], pair[1], t.stems[j], folded[j], fuzzy_min, negation)

    for start in range(len(t.stems) - len(before) - len(after)):
        scores = [same(p, start + i) for i, p in enumerate(before)]
        if not all(scores):
            continue
        name_at = start + len(before)
        if name_at not in t.sentence(start):  # a name never starts past its sentence's end
            continue
        if after:
            ends = [j for j in range(name_at + 1, min(name_at + 3, len(t.stems) - len(after) + 1))
                    if all(same(p, j + i) for i, p in enumerate(after))]
            if not ends:
                continue
            name = t.words[name_at : ends[0]]
        else:
            name = t.words[name_at : min(name_at + 2, t.sentence(name_at).stop)]
        if name:
            return Match(phrase, sum(scores) / max(1, len(scores)), start, name_at + len(name) - 1, " ".join(name))
    return None


def find(phrase: Phrase, t: Tokens, fuzzy_min: float, negation: Negation) -> Match | None:
    """The best occurrence of ``phrase`` in ``t``, or None."""
    if phrase.has_name:
        return _find_name(phrase, t, fuzzy_min, negation)
    n = len(phrase.stems)
    if n == 0 or len(t.stems) < n:
        return None
    width = n + _EXTRA_WORDS
    folded = t.folded
    anchors = {s + i for s in t.starts for i in range(_FILLERS + 1)}
    best: Match | None = None
    for start in range(len(t.stems) - n + 1):
        window = range(start, min(start + width, len(t.stems)))
        used: list[int] = []  # in phrase order
        scores = []
        for p, pw in zip(phrase.stems, phrase.folded):
            candidates = [
                (s, j) for j in window
                if j not in used and (s := _similar(p, pw, t.stems[j], folded[j], fuzzy_min, negation))
            ]
            if not candidates:
                break
            score, j = max(candidates)
            used.append(j)
            scores.append(score)
        else:
            first, last = min(used), max(used)
            if first != start:
                continue  # anchor each occurrence at its first word, so it is found once
            if phrase.anchored and (used[0] != first or first not in anchors):
                continue
            if not phrase.negated and _negated(t, first, last, set(used), negation):
                continue
            match = Match(phrase, sum(scores) / n, first, last)
            if best is None or match.score > best.score:
                best = match
    return best


def _negated(t: Tokens, first: int, last: int, matched: set[int], negation: Negation) -> bool:
    before = range(max(0, first - _NEGATION_REACH), last + 1)
    after = range(last + 1, min(last + 1 + _NEGATION_REACH, len(t.stems)))
    return any(t.stems[i] in negation.before for i in before if i not in matched) or any(
        t.stems[i] in negation.after for i in after
    )
