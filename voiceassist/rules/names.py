"""The caller's name as an agent says it back (PLAYBOOK row 6), from the phrasebook's ``[names]``.

What was heard after "my name is" is the name as written by the recogniser (hamza, diacritics and
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

import string
from dataclasses import dataclass
from typing import Sequence

from voiceassist.rules.matching import fold, lower
from voiceassist.rules.phrasebook import NameRules

__all__ = ["Name", "spoken", "address"]


@dataclass(frozen=True)
class Name:
    full: str  # in the nominative, as said
    first: str = ""
    last: str = ""
    patronymic: str = ""
    title: str = ""  # as said ("Mrs"), when one was
    gender: str = ""  # "male", "female", or "" when not knowable


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
