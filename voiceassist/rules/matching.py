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
from rapidfuzz import fuzz, process

__all__ = ["fold", "lower", "Tokens", "tokens", "split_sentences", "split_words", "surface", "Negation", "Phrase", "expand", "compile_phrase", "Match", "Words", "find"]

_STEMMERS = {"en": "english", "tr": "turkish", "ru": "russian", "ar": "arabic", "hr": "serbian"}  # Croatian: the Serbian stemmer (Latin script)
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
_CLAUSE = re.compile(r"[,،;:]")
_TITLE_STOP = re.compile(r"\b(Mr|Mrs|Ms|Dr|Mx)\.", re.IGNORECASE)
_GROUP = re.compile(r"\(([^()]*)\)")


def fold(word: str) -> str:
    """A word with its diacritics dropped, as recognisers and hurried typists drop them."""
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("ı", "i").replace("đ", "d")


def lower(text: str, language: str) -> str:
    """Text in the one form the matcher compares: lower case in the language's own way
    (Turkish dotted/dotless i), ё as е, Arabic without marks and with one form of each letter,
    English contractions spelled out."""
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
    tells: tuple[int, ...] = ()  # ... and of those that end with a full stop or "!": statements
    clauses: tuple[int, ...] = (0,)  # index of each clause's first word (sentences split at commas)

    @property
    def folded(self) -> tuple[str, ...]:
        return tuple(fold(w) for w in self.words)

    def sentence(self, i: int) -> range:
        """The word indexes of the sentence holding word ``i``."""
        start = max(s for s in self.starts if s <= i)
        ends = [s for s in self.starts if s > i]
        return range(start, ends[0] if ends else len(self.words))


def split_words(text: str, language: str) -> list[str]:
    words = [w.strip("'") for w in _WORD.findall(lower(text, language))]
    if language == "tr":  # Turkish writes suffixes after an apostrophe on names: Ahmet'in
        words = [w.split("'")[0] for w in words]
    return words


def split_sentences(text: str, language: str) -> list[str]:
    if language == "en":  # "Mr. Miller" is one sentence (Whisper writes the full stop)
        text = _TITLE_STOP.sub(r"\1", text)
    return _SENTENCE.findall(text) or [text]


def tokens(text: str, language: str) -> Tokens:
    words: list[str] = []
    starts: list[int] = []
    asks: list[int] = []
    tells: list[int] = []
    clauses: list[int] = []
    for sentence in split_sentences(text, language):
        part = split_words(sentence, language)
        if not part:
            continue
        starts.append(len(words))
        clauses += [len(words) + n for n in itertools.accumulate([0] + [len(split_words(c, language)) for c in _CLAUSE.split(sentence)][:-1])
                    if len(words) + n < len(words) + len(part)]
        end = sentence.rstrip()
        if end.endswith(("?", "؟")):
            asks.append(len(words))
        elif end.endswith((".", "!")) and not end.endswith(".."):  # "…" / "..." is cut off, not told
            tells.append(len(words))
        words += part
    stems = tuple(w if w == "{name}" else fold(s) for w, s in zip(words, _stemmer(language).stemWords(words)))
    return Tokens(tuple(words), stems, tuple(starts) or (0,), tuple(asks), tuple(tells), tuple(sorted(set(clauses))) or (0,))


# A word as written: letters with their marks (Arabic harakat, tatweel, combining accents).
_MARKS = "\u0300-\u036f\u0640\u064b-\u0652\u0670"
_RAW = re.compile(rf"(?:[^\W_]|[{_MARKS}])+(?:'(?:[^\W_]|[{_MARKS}])+)?")


def surface(text: str, language: str) -> tuple[str, ...]:
    """The words of ``text`` as written (capitals, hamza, harakat and diacritics kept), one for
    each of ``tokens(text).words``; where a written word became other words ("don't" is "do
    not"), those words. For showing what was said: the matcher's form is folded."""
    out: list[str] = []
    for sentence in split_sentences(text, language):
        for chunk in unicodedata.normalize("NFC", sentence).split():
            said = split_words(chunk, language)
            raw = [w.strip("'") for w in _RAW.findall(chunk)]
            if language == "tr":
                raw = [w.split("'")[0] for w in raw]
            out += raw if len(raw) == len(said) else said
    return tuple(out)


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
            tuple(fold(lower(a, language)) for a in affixes),
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
    language: str = ""


@lru_cache(maxsize=1 << 16)
def compile_phrase(text: str, language: str, negation: Negation) -> Phrase:
    """One phrase, already expanded (no alternatives). Remembered: every call (and every
    ``tune`` replay) compiles the same phrasebook's thousands of phrases."""
    anchored = text.lstrip().startswith("^")
    t = tokens(text.lstrip().lstrip("^"), language)
    negated = any(s in negation.before or s in negation.after for s in t.stems)
    return Phrase(text, t.stems, t.folded, negated, "{name}" in t.stems, anchored, language)


@dataclass(frozen=True)
class Match:
    phrase: Phrase
    score: float  # mean similarity of the matched words, 0..100
    first: int  # index of the first and last matched transcript word
    last: int
    name: str = ""  # for phrases with {name}: the words heard there

    def heard(self, t: Tokens) -> str:
        return " ".join(t.words[self.first : self.last + 1])


# For each phrase word (stem, folded word): the transcript words it matches, with their scores.
Similar = dict[tuple[str, str], list[tuple[int, float]]]


class Words:
    """The distinct words of many phrases, compared with a transcript's words once each.

    A phrase word matches a transcript word with the same stem (score 100) or, when both have
    at least ``_FUZZY_MIN_LEN`` letters, with a rapidfuzz ratio of their stems or whole words of
    at least ``fuzzy_min`` — unless the two differ only by a negation affix (a misspelling does
    not turn "not" around) or, in English, the transcript word is the phrase word with more
    letters after it: English endings are all stemmed off, so that is another word ("director"
    is not "directory"; in Turkish or Croatian it is often an ending the stemmer left). Results
    are kept per transcript word, so the partials of one
    utterance, which repeat its words, cost little more than its first.
    """

    _CACHE_MAX = 20000

    def __init__(self, phrases, fuzzy_min: float, negation: Negation):
        keys = {(s, f) for p in phrases for s, f in zip(p.stems, p.folded) if s != "{name}"}
        self._by_stem: dict[str, list[tuple[str, str]]] = {}
        for key in sorted(keys):
            self._by_stem.setdefault(key[0], []).append(key)
        self._fuzzy = sorted(k for k in keys if len(k[1]) >= _FUZZY_MIN_LEN)
        self._fuzzy_stems = [k[0] for k in self._fuzzy]
        self._fuzzy_words = [k[1] for k in self._fuzzy]
        self._min = fuzzy_min
        self._negation = negation
        self._longer_is_another = {p.language for p in phrases} == {"en"}
        self._cache: dict[tuple[str, str], dict[tuple[str, str], float]] = {}

    def _matches(self, stem: str, word: str) -> dict[tuple[str, str], float]:
        if (found := self._cache.get((stem, word))) is not None:
            return found
        found = dict.fromkeys(self._by_stem.get(stem, ()), 100.0)
        if len(word) >= _FUZZY_MIN_LEN:
            for query, choices in ((stem, self._fuzzy_stems), (word, self._fuzzy_words)):
                for _, score, i in process.extract(query, choices, scorer=fuzz.ratio, score_cutoff=self._min, limit=None):
                    key = self._fuzzy[i]
                    if score > found.get(key, 0.0) and not self._another(key[1], word) and not self._negation.differ_by_affix(key[1], word):
                        found[key] = score
        if len(self._cache) >= self._CACHE_MAX:
            self._cache.clear()
        self._cache[(stem, word)] = found
        return found

    def _another(self, phrase_word: str, heard: str) -> bool:
        return self._longer_is_another and len(heard) > len(phrase_word) and heard.startswith(phrase_word)

    def compare(self, t: Tokens) -> Similar:
        out: Similar = {}
        for j, (stem, word) in enumerate(zip(t.stems, t.folded)):
            for key, score in self._matches(stem, word).items():
                out.setdefault(key, []).append((j, score))
        return out


def _find_name(phrase: Phrase, t: Tokens, similar: Similar) -> Match | None:
    """``my name is {name}``: the fixed words in order, then the next words of the sentence (up
    to three: the caller of the engine keeps what is a name); ``{name} speaking``: the one or
    two words just before."""
    at = phrase.stems.index("{name}")
    pairs = list(zip(phrase.stems, phrase.folded))
    before, after = pairs[:at], pairs[at + 1 :]
    scores = {key: dict(similar.get(key, ())) for key in pairs if key[0] != "{name}"}

    def run(keys, start) -> list[float] | None:
        found = [scores[k].get(start + i, 0.0) for i, k in enumerate(keys)]
        return found if all(found) else None

    for start in range(len(t.stems) - len(before) - len(after)):
        if (before_scores := run(before, start)) is None:
            continue
        name_at = start + len(before)
        sentence = t.sentence(start)
        if name_at not in sentence:  # a name never starts past its sentence's end
            continue
        if after:
            ends = [j for j in range(name_at + 1, min(name_at + 4, len(t.stems) - len(after) + 1))
                    if run(after, j) is not None and j in sentence]
            if not ends:
                continue
            if not before:  # "{name} speaking": the words nearest the cue
                name_at = max(sentence.start, ends[0] - 2)
            first, last = name_at, ends[0] - 1
        else:
            first, last = name_at, min(name_at + 3, sentence.stop) - 1
        name = _unrepeated(t.words[first : last + 1])
        if name:
            score = sum(before_scores) / max(1, len(before_scores))
            return Match(phrase, score, min(start, first), first + len(name) - 1, " ".join(name))
    return None


def _unrepeated(words: tuple[str, ...]) -> list[str]:
    """A stammered name said once: "lucy lucy hughes" -> "lucy hughes"."""
    out: list[str] = []
    for w in words:
        if not out or w != out[-1]:
            out.append(w)
    return out


def find(phrase: Phrase, t: Tokens, fuzzy_min: float, negation: Negation, similar: Similar | None = None) -> Match | None:
    """The best occurrence of ``phrase`` in ``t``, or None. ``similar``: ``Words.compare(t)``
    over a set of phrases holding this one (matching many phrases against one transcript)."""
    if similar is None:
        similar = Words([phrase], fuzzy_min, negation).compare(t)
    if phrase.has_name:
        return _find_name(phrase, t, similar)
    keys = list(zip(phrase.stems, phrase.folded))
    if not keys or any(k not in similar for k in keys):
        return None
    n = len(keys)
    width = n + _EXTRA_WORDS
    anchors = {s + i for s in t.starts for i in range(_FILLERS + 1)}
    best: Match | None = None
    for start in sorted({j for k in keys for j, _ in similar[k]}):
        used: list[int] = []  # in phrase order
        scores = []
        for key in keys:
            candidates = [(s, j) for j, s in similar[key] if start <= j < start + width and j not in used]
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
