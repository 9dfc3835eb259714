"""The caller's name as an agent says it back (PLAYBOOK row 6), from the phrasebook's ``[names]``.

``Reader`` tells whether what a ``name`` phrase matched is a name, and how it was said. What was
heard after "my name is" is the name as written by the recogniser (hamza, diacritics and
capitals kept: ``matching.surface``), then:

1. back in the nominative where the language inflects names and the caller used another case
   ("razgovarate s Antom Perićem" → "Ante Perić", "меня зовут Анной Петровой" → "Анна Петрова"):
   ``cases`` rows ``[ending, nominative ending, other candidates...]``, the first row whose
   ending fits, in the file's order. A name is turned back only when its first word has such an
   ending (first names in the nominative do not: "Ante", "Анна", "Лев Толстой" stay). Of the
   candidates, the first that makes a first name of ``male``/``female`` wins, else the first;
2. split into first name, patronymic (a word with a ``patronymic`` ending) and surname; a
   ``titles`` word said at either end ("Mr Miller", "Ahmet Bey") is not part of the name and
   gives the gender, else the first name's list in ``male``/``female`` does, else it is unknown;
3. addressed: the first ``address.<gender>`` template (``unknown`` when not known) whose fields
   were all heard: ``{title} {first} {last} {patronymic} {full} {last_voc}``, ``last_voc``
   being the surname in the vocative (``vocative`` rows ``[ending, vocative ending]``, the
   first that fits: "Perić" → "Periću").
"""

from __future__ import annotations

import dataclasses
import string
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

from voiceassist.rules.matching import Match, Tokens, fold, lower, surface, tokens
from voiceassist.rules.phrasebook import NameRules, Phrasebook

__all__ = ["Name", "Reader", "spoken", "address"]


@dataclass(frozen=True)
class Name:
    full: str  # in the nominative, as said
    first: str = ""
    last: str = ""
    patronymic: str = ""
    title: str = ""  # as said ("Mrs"), when one was
    gender: str = ""  # "male", "female", or "" when not knowable


class Reader:
    """The caller's name in what the trigger engine's ``name`` phrases matched: whether it is one
    (``taken``), and how it was said and is said back (``said``). ``vocabulary``: the folded
    words of the phrasebook's phrases, which are not names ("this is {name}" must not take
    "this is ridiculous"): whole words, not stems ("Mia" is a name, "mi" is not), less the first
    names the phrasebook knows (Arabic "منى", "أمل" are written as "مني" "from me", "امل" "hope")."""

    def __init__(self, book: Phrasebook, vocabulary: Iterable[str]):
        self._language, self._rules = book.language, book.names

        def key(w: str) -> str:
            return fold(lower(w, book.language))

        self._first_names = frozenset(key(w) for w in book.names.male + book.names.female)
        self._vocabulary = frozenset(vocabulary) - self._first_names
        self._conjunctions = tuple(key(w) for w in book.names.conjunctions)
        name = book.intents.get("name")
        self._joiners = frozenset(fold(w) for w in tokens(" ".join(name.joiners), book.language).words) if name else frozenset()
        self._titles = frozenset(key(w) for w in book.names.titles)

    def taken(self, match: Match, says_something: Callable[[Tokens], bool]) -> Match | None:
        """The match, if what it took for a name is one: not words the phrasebook knows as
        something said ("this is ridiculous", or what ``says_something``). The phrasebook's own
        words around a name are left out: before a trailing cue ("hello anna speaking" is
        "anna"), and after a first name ("luka iz splita" is "luka"). Names of three words need
        a joiner (the phrasebook's ``[intents.name] joiners``)."""
        words = list(tokens(match.name, self._language).words)
        if match.phrase.stems[0] == "{name}":
            while words and fold(words[0]) in self._vocabulary:
                words.pop(0)
        else:
            # A word after the first that starts with a conjunction ("and") starts what follows
            # the name ("زينب ومعي رقم الطلب"), unless it is a first name ("وليد").
            ends = [i for i, w in enumerate(words) if i and fold(w).startswith(self._conjunctions) and fold(w) not in self._first_names]
            words = words[: ends[0]] if ends else words
        # Two words make a name, three when the second joins them ("Mahmoud Abd al-Rahman") or
        # one is a patronymic ("Анна Сергеевна Петрова").
        if len(words) >= 3 and fold(words[1]) in self._joiners:
            words = words[:3]
        else:
            joined = bool(words) and fold(words[0]) in self._joiners  # "عبد الله": one first name
            patronymic = tuple(self._rules.patronymic)
            words = words[:3] if joined or any(w.endswith(patronymic) for w in words[1:3]) else words[:2]
            if len(words) > 1 + joined and fold(words[-1]) in self._vocabulary:  # "Luka iz Splita": "Luka"
                words.pop()
        name = " ".join(words)
        if not words or fold(words[0]) in self._vocabulary or says_something(tokens(name, self._language)):
            return None
        return dataclasses.replace(match, name=name)

    def said(self, match: Match, t: Tokens, text: str) -> tuple[str, str]:
        """The name ``match`` found in ``t`` (the words of ``text``), as the caller said it and
        as the agent says it back."""
        words = match.name.split()
        at = _at(match, t)
        written = surface(text, self._language)
        if at is None or len(written) != len(t.words):
            said = [_capital(w, self._language) for w in words]
        else:
            said = [_capital(w, self._language) for w in written[at : at + len(words)]]
            if at and fold(t.words[at - 1]) in self._titles:  # "Mr Miller": the title says who
                said.insert(0, _capital(written[at - 1], self._language))
        name = spoken(said, self._rules, self._language, self._joiners)
        return name.full, address(name, self._rules, self._language)


def within_surname(u: Match, m: Match, t: Tokens) -> bool:
    """Whether ``u`` found only words of the name ``m`` took after its first: a surname that
    sounds like a word of an unless-phrase ("هشام فؤاد": "واحد") is still the caller's, but
    "باسم اخي عادل" took "اخي عادل", someone else's."""
    at = _at(m, t)
    return at is not None and at < u.first and u.last < at + len(m.name.split())


def _at(match: Match, t: Tokens) -> int | None:
    """Where in ``t`` the name ``match`` took starts."""
    name = match.name.split()
    return next((i for i in range(match.first, len(t.words) - len(name) + 1) if list(t.words[i : i + len(name)]) == name), None) if name else None


def _capital(word: str, language: str) -> str:
    """A name's word with a capital when the recogniser wrote none ("sarah" -> "Sarah"; Turkish
    "ilker" -> "İlker")."""
    if not word.islower():
        return word
    head = "İ" if language == "tr" and word[0] == "i" else word[0].upper()
    return head + word[1:]


def spoken(words: Sequence[str], rules: NameRules, language: str, joiners: frozenset[str] = frozenset()) -> Name:
    """The name said in ``words`` (as written, a title word at either end allowed); ``joiners``:
    folded words that start a two-word first name ("عبد الله")."""
    def key(w: str) -> str:
        return fold(lower(w, language))

    words = list(words)
    title, surname = "", False
    titles = {key(t): g for t, g in rules.titles.items()}
    for end in (0, -1):
        if len(words) > 1 and key(words[end]) in titles:
            title, surname = words.pop(end), end == 0  # "Mr Miller", but "Ahmet Bey"
    known = {key(n): "male" for n in rules.male} | {key(n): "female" for n in rules.female}
    if words and _case(words[0], rules, language):
        words = [_nominative(w, rules, language, known) for w in words]
    patronymic = next((i for i, w in enumerate(words) if i and lower(w, language).endswith(tuple(rules.patronymic))), None)
    if patronymic is not None:
        first = [words[patronymic - 1]]
        last = [w for i, w in enumerate(words) if i not in (patronymic - 1, patronymic)]
    elif surname and len(words) == 1:
        first, last = [], words
    else:
        n = 2 if len(words) > 2 and key(words[0]) in joiners else 1
        first, last = words[:n], words[n:]
    gender = titles.get(key(title), "") if title else known.get(key(first[0]), "") if first else ""
    return Name(" ".join(words), " ".join(first), " ".join(last),
                words[patronymic] if patronymic is not None else "", title, gender)


def address(name: Name, rules: NameRules, language: str) -> str:
    """How the agent addresses the caller: the first template of the gender's whose fields were
    all heard; the whole name when none fits."""
    fields = {"first": name.first, "last": name.last, "patronymic": name.patronymic, "full": name.full,
              "title": name.title, "last_voc": _vocative(name.last, rules, language)}
    for template in rules.address.get(name.gender or "unknown", []):
        if all(fields[f] for _, f, _, _ in string.Formatter().parse(template) if f):
            return template.format(**fields)
    return name.full


def _case(word: str, rules: NameRules, language: str) -> list[str] | None:
    """The ``cases`` row whose ending ``word`` has (with at least two letters before it)."""
    w = lower(word, language)
    return next((row for row in rules.cases if w.endswith(row[0]) and len(w) > len(row[0]) + 1), None)


def _nominative(word: str, rules: NameRules, language: str, known: dict[str, str]) -> str:
    row = _case(word, rules, language)
    if row is None:
        return word
    stem = word[: len(word) - len(row[0])]
    candidates = [stem + ending for ending in row[1:]]
    return next((c for c in candidates if fold(lower(c, language)) in known), candidates[0])


def _vocative(word: str, rules: NameRules, language: str) -> str:
    if not word:
        return ""
    w = lower(word, language)
    row = next((row for row in rules.vocative if w.endswith(row[0])), None)
    return word if row is None else word[: len(word) - len(row[0])] + row[1]
