"""The words a promised time is said in, per language (``config/times/<lang>.toml``), and the
words of a transcript mended the way a listener mends them before reading a time from them.

A recogniser splits words ("to morrow", "по ловине", "buçuk ta"), merges them
("كمانساعتين", "полтретьего"), mishears them ("two ours", "half passed four") and misspells
them ("wensday"); it writes phone and order numbers in the same digits as clock times.
``words(text, language)`` undoes the first four and hides the last, so the reader in
``rules/due.py`` sees one clean word per thing said.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field, fields
from functools import lru_cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from voiceassist.config import DEFAULTS_DIR, read_toml
from voiceassist.errors import ConfigError
from voiceassist.rules.matching import fold, lower

__all__ = ["Language", "decimal", "language", "words"]

_TIMES_DIR = DEFAULTS_DIR / "times"
# A misspelt day, part or unit is mended only when it is this close to one (rapidfuzz ratio):
# one letter lost or added in a word of five or more letters, one changed in seven or more.
# One changed letter in five or six ("house" / "hours", "الجزمه" / "الجمعه") is another word.
_FUZZY_MIN = 84
_FUZZY_MIN_LEN = 5
# A long word (a weekday, "afternoon", "понедельник") may be two edits from its time word, a
# swap of two letters counting one ("wendsday"): long words that near are no other word.
_FUZZY_LONG_LEN = 8
_FUZZY_LONG_EDITS = 2
_FUZZY_LONG_MIN = 80  # and still this alike: two letters changed ("получали" / "получаса") is another word
# Two words heard for one ("to marrow") are mended only when together they are this close to a
# time word: any nearer bar joins everyday pairs ("i think" / "within", "a sound" / "sunday").
_FUZZY_PAIR_MIN = 88
# A time word run into its neighbour is split off when it has this many letters or more and the
# neighbour one fewer: shorter ones are parts of other words ("بعدين" is not "بعد" "ين").
_MERGED_MIN = 4
# The tables whose words a merged word may be split into ("كمانساعتين", "полтретьего"): words
# that say a time, not "th" or "number" ("that" is not "at" "th").
_SPLIT_INTO = ("numbers", "days", "parts", "units", "relative", "clock", "half", "quarter", "tonight", "past", "pm", "am",
               "less", "clock_after", "articles")
# A group of this many digits is a phone, order or card number: clock times are "3", "14 30".
_ID_DIGITS = 3


@dataclass(frozen=True)
class Language:
    """How a language says when, its words folded as the text is."""

    code: str
    numbers: dict[str, float]  # word forms → value (summed when consecutive: "twenty five"; "полтора" 1.5)
    days: dict[str, str]  # → today, tomorrow, after_tomorrow or a weekday
    parts: dict[str, str]  # → morning, afternoon, evening
    tonight: frozenset[str]  # today, evening
    units: dict[str, str]  # → minutes, hours, days, weeks
    half: frozenset[str]  # "half": 30 after an hour, 0.5 before a unit
    quarter: frozenset[str]
    relative: frozenset[str]  # "in", "within", "через", "za", "içinde", "خلال", "بعد"
    clock: frozenset[str]  # "at", "saat", "в", "u", "الساعه": an hour follows
    joiners: frozenset[str]  # between an hour and its minutes ("eleven and thirty")
    third: frozenset[str] = frozenset()  # Arabic "تلت": 20 after an hour, a third before a unit
    past: frozenset[str] = frozenset()  # minutes, then this, then the hour: "ten past three"
    to: frozenset[str] = frozenset()  # minutes, then this, then the next hour: "quarter to four"
    to_first: frozenset[str] = frozenset()  # this, minutes, the next hour: "без пяти три"
    less: frozenset[str] = frozenset()  # the hour, this, minutes: "اربعه الا ربع"
    to_after: frozenset[str] = frozenset()  # the hour, minutes, this: "üçe çeyrek kala"
    teens: frozenset[str] = frozenset()  # 1 to 9 then this is 11 to 19: "الحاديه عشر"
    gone_before: frozenset[str] = frozenset()  # a day after these is gone, not the promise's: "last monday", "since friday"
    gone_after: frozenset[str] = frozenset()  # ... and before these: "الاثنين الماضي"
    to_heard: frozenset[str] = frozenset()  # "to" heard as a number: "quarter two four", "ten too three"
    ranges: frozenset[str] = frozenset()  # between two counts of a unit: "10 to 15 minutes", "one or two hours"
    named_hours: frozenset[str] = frozenset()  # a number that is an hour alone: "noon", "midday"
    clock_after: frozenset[str] = frozenset()  # after an hour, a clock time: "o'clock", "gibi"
    pm: frozenset[str] = frozenset()  # after noon
    am: frozenset[str] = frozenset()  # before noon: "7 am" is 07:00, not the afternoon's 7
    half_to_next: bool = False  # "half three" is 2:30 (ru, hr), not 3:30
    at_suffixes: tuple[str, ...] = ()  # an hour with one of these is a clock time (Turkish "üçte")
    today_words: tuple[str, ...] = ()  # phrases meaning "by the end of today"
    morning_words: tuple[str, ...] = ()  # phrases meaning "first thing" (morning)
    corrections: tuple[str, ...] = ()  # a time corrected as said: "no wait", "i mean", "ne nego"
    articles: frozenset[str] = frozenset()  # "in an hour": one unit
    half_units: frozenset[str] = frozenset()  # "полчаса": half an hour in one word
    dual_units: frozenset[str] = frozenset()  # Arabic duals: "ساعتين" two hours
    one_units: frozenset[str] = frozenset()  # a singular unit right after "in" is one: "через минуту"
    ids: frozenset[str] = frozenset()  # "number", "order": the digits after them are no time
    fillers: frozenset[str] = frozenset()  # between a count and its unit: "two working days"
    between: frozenset[str] = frozenset()  # "between ten and twelve": "and" starts the second hour
    date_marks: frozenset[str] = frozenset()  # after digits, a date: "the 5th"
    bare_count: str | None = None  # the unit of a count said alone after "in": English "in five" (minutes)
    ids_after: frozenset[str] = frozenset()  # Turkish "12 numaralı": the digits before them are no time
    greetings: frozenset[str] = frozenset()  # "good morning", "доброе утро": no time said
    misheard: dict[str, str] = field(default_factory=dict)  # heard → meant, when next to a time word ("two ours")
    misspelt: dict[str, str] = field(default_factory=dict)  # heard → meant, wherever: "зафтра"
    prefixes: tuple[str, ...] = ()  # clitics written onto a time word: Arabic "و", "ب", "ع"
    keep_apart: frozenset[tuple[str, str]] = frozenset()  # two words never joined: "bir de" (also)
    phrases: dict[tuple[str, ...], str] = field(default_factory=dict)  # several words that are one: "after lunch"
    vocabulary: frozenset[str] = frozenset()  # every word above: what split words may join into
    units_before_tens: bool = False  # Arabic "اربعه وعشرين": a unit, "and", the tens is their sum
    merges: bool = False  # a recogniser runs a time word into its neighbour: Arabic "عليكبكرا"
    spell_numbers: bool = False  # number words misspelt are mended too (Croatian "petnest"); elsewhere they are other words ("almış", "السياسه")
    not_times: frozenset[str] = frozenset()  # real words a letter from a time word: never mended into one ("вчера")
    splittable: frozenset[str] = frozenset()  # the words of _SPLIT_INTO: what a merged word may be made of
    short_spellable: tuple[str, ...] = ()  # the same words of four letters: mended only when two letters are swapped ("huor")
    spellable: tuple[str, ...] = ()  # numbers, days, parts, units, relative words a misspelling may mean, as written (no endings added)


# A number with one decimal ("1.5 hours", "1,5 часа") is a count, never a clock time ("3.30").
_DECIMAL = re.compile(r"\d+[.,]\d(?!\d)")


# A date in digits ("12/05", "5/12/2026") is no clock time.
_SLASH_DATE = re.compile(r"\d+(?:/\d+)+")


# Persian forms of Arabic letters, as a multilingual recogniser sometimes writes them, and the
# letters Gulf Arabic writes its sounds with (چ for a k said ch, گ for a q said g).
_PERSIAN = str.maketrans({"ی": "ي", "ک": "ك", "ە": "ه", "چ": "ك", "ڤ": "ف", "گ": "ق"})  # Gulf "باچر" is "باكر"


def _plain(text: str, language: str) -> list[str]:
    text = _SLASH_DATE.sub(" # ", lower(text.translate(_PERSIAN) if language == "ar" else text, language))
    return [fold(w) for w in re.findall(r"\d+[.,]\d(?!\d)|\d+|[^\W\d_]+|#", text)]


def decimal(w: str) -> float | None:
    """The value of a number with one decimal ("1.5", "2,5"), else None."""
    return float(w.replace(",", ".")) if _DECIMAL.fullmatch(w) else None


# Table keys that are read into something else than the field of the same name.
_READ_ONLY = ("number_suffixes", "word_suffixes")
# The fields made here, not read.
_MADE = ("code", "vocabulary", "splittable", "spellable", "short_spellable", "phrases")


@lru_cache(maxsize=None)
def language(code: str) -> Language:
    path = _TIMES_DIR / f"{code}.toml"
    data = read_toml(path)
    valid = sorted({f.name for f in fields(Language)} - set(_MADE) | set(_READ_ONLY))
    if unknown := sorted(set(data) - set(valid)):
        raise ConfigError(f"{path}: unknown key {unknown[0]!r}: must be one of {', '.join(valid)}")
    phrases: dict[tuple[str, ...], str] = {}

    def key(w: str) -> str:  # "after lunch" is the one word "after_lunch"
        parts = _plain(w, code)
        if len(parts) > 1:
            phrases[tuple(parts)] = "_".join(parts)
        return "_".join(parts)

    raw = dict(data)
    suffixes = ("", *data.pop("number_suffixes", ()))
    word_suffixes = ("", *data.pop("word_suffixes", ()))
    read = {"code": code, "numbers": {key(w) + s: v for w, v in data.pop("numbers").items() for s in suffixes}}
    read["misheard"] = {key(w): key(v) for w, v in data.pop("misheard", {}).items()}
    read["misspelt"] = {key(w): key(v) for w, v in data.pop("misspelt", {}).items()}
    read["keep_apart"] = frozenset(tuple(_plain(p, code)) for p in data.pop("keep_apart", ()))
    for name, value in data.items():
        if isinstance(value, dict):  # days, parts, units: with the endings a word may carry
            read[name] = {key(w) + s: v for w, v in value.items() for s in word_suffixes}
        elif name in ("at_suffixes", "today_words", "morning_words", "prefixes", "corrections"):  # endings, and phrases read as text is
            read[name] = tuple(value)
        elif isinstance(value, list):
            read[name] = frozenset(key(w) for w in value)
        else:
            read[name] = value
    # Every word a table holds: what split words may join into, and what is never misspelt.
    known = set(read["numbers"])
    for name, value in read.items():
        if name not in ("misheard", "misspelt", "keep_apart", "not_times") and isinstance(value, (dict, frozenset)):
            known.update(value)
    read["splittable"] = frozenset(w for name in _SPLIT_INTO for w in read.get(name, ()) if "_" not in w)
    # Endings are not added here: a Turkish "yerine" is no "yarına", nor "hatası" "haftası".
    spelt = ("days", "parts", "units", "relative", "tonight") + (("numbers",) if read.get("spell_numbers") else ())
    read["spellable"] = tuple(sorted(
        fold(lower(w, code)) for name in spelt for w in raw.get(name, ()) if len(w) >= _FUZZY_MIN_LEN and " " not in w))
    read["short_spellable"] = tuple(sorted(
        fold(lower(w, code)) for name in spelt for w in raw.get(name, ()) if len(w) == _SWAP_MIN_LEN and " " not in w))
    read["phrases"] = phrases
    read["vocabulary"] = frozenset(known)
    return Language(**read)


def words(text: str, language_code: str) -> list[str]:
    """Folded words, digits apart from letters ("3pm" is "3" "pm"), mended, with identifiers
    hidden as ``#``."""
    lang = language(language_code)
    out = _mend(_plain(text, language_code), lang)
    return _hide_ids(_hours_minutes(out, lang), lang)


def _hours_minutes(ws: list[str], lang: Language) -> list[str]:
    """A clock time written in one group of digits after a clock word ("at 930", "at 1400")
    is its hour and its minutes; a longer number (a phone's "at 0800 123 456") is none."""
    out: list[str] = []
    for i, w in enumerate(ws):
        nxt = ws[i + 1] if i + 1 < len(ws) else ""
        if (out and out[-1] in lang.clock and w.isdigit() and len(w) in (3, 4) and not w.startswith("0")
                and not nxt.isdigit() and int(w[:-2]) <= 23 and int(w[-2:]) < 60):
            out += [w[:-2], w[-2:]]
        else:
            out.append(w)
    return out


def _hide_ids(ws: list[str], lang: Language) -> list[str]:
    """Three or more numbers in digits in a row ("+90 532 123 45 67", "555-12-34"), a group of
    three digits or more ("07700 900123", "order 4521"), the digits after "number" or "order"
    and those of a date ("the 5th") are never a time: they become ``#``, so "12 34" in them is
    not 12:34."""
    out: list[str] = []
    for k, (digits, run) in enumerate(runs := [(d, list(r)) for d, r in itertools.groupby(ws, str.isdigit)]):
        after = runs[k + 1][1][0] if k + 1 < len(runs) else ""
        named = digits and (out and out[-1] in lang.ids or after in lang.ids_after or after in lang.date_marks)
        long = any(len(w) >= _ID_DIGITS for w in run) and not (len(run) == 1 and after in lang.units)  # "in 120 minutes"
        out += ["#"] * len(run) if digits and (len(run) >= 3 or long or named) else run
    return out


def _mend(ws: list[str], lang: Language) -> list[str]:
    known = lang.vocabulary
    ws = [lang.misspelt.get(w, w) for w in ws]
    # Split words joined again: "to morrow", "по ловине", "buçuk ta", "ال خميس".
    out: list[str] = []
    for w in ws:
        if len(out) >= 2 and out[-2] + out[-1] + w in known and not {out[-2], out[-1], w} <= known:
            out[-2:] = [out[-2] + out[-1] + w]  # "u tor ak"
        elif out and out[-1] + w in known and (out[-1] not in known or w not in known) and (out[-1], w) not in lang.keep_apart:
            out[-1] += w
        elif out and _loose(out[-1], w, lang) and (near := _nearest(out[-1] + w, lang.code, _FUZZY_PAIR_MIN)):
            out[-1] = near  # "to marrow": split and misheard at once
        else:
            out.append(w)
    # Merged words split: "كمانساعتين", "полтретьего", "وعشره", "عالساعه".
    ws, out = out, []
    for w in ws:
        out += _split(w, lang) if w not in known and not w.isdigit() and not _swapped(w, lang.code) else [w]
    # Phrases before spelling, so a greeting's "вечер" or "akşamlar" is not mended into a time,
    # and after it, so "day after tomorow" is one.
    out = _phrases([_spelt(w, lang) for w in _phrases(out, lang)], lang)
    # Misheard words mended where a time is being said: "two ours", "half passed four".
    for i, w in enumerate(out):
        if w in lang.to_heard and _to_heard(out, i, lang):
            out[i] = min(lang.to, key=len)
        elif w in lang.misheard and _timely(out, i, lang):
            out[i] = lang.misheard[w]
    return out


# Minutes said before "to" and the hour: "ten to three", "twenty five to four".
_TO_MINUTES = (5, 10, 20, 25)


def _to_heard(ws: list[str], i: int, lang: Language) -> bool:
    """Whether word ``i`` ("two", "too") is the "to" of "quarter to four", "ten to three": after
    a quarter or five, ten, twenty minutes, before an hour in words."""
    before = ws[i - 1] if i else ""
    after = ws[i + 1] if i + 1 < len(ws) else ""
    hour = lang.numbers.get(lang.misheard.get(after, after), 0)
    minutes = before in lang.quarter or not before.isdigit() and lang.numbers.get(before) in _TO_MINUTES
    return minutes and 1 <= hour <= 12


def _loose(a: str, b: str, lang: Language) -> bool:
    """Whether two words may be the halves of one misheard word: the second unknown, and the
    first unknown too or a particle ("to marrow")."""
    if a.isdigit() or b.isdigit() or "#" in (a, b) or b in lang.vocabulary or len(a + b) < 6:
        return False
    return a not in lang.vocabulary or len(a) <= 2


def _spelt(w: str, lang: Language) -> str:
    if len(w) < _SWAP_MIN_LEN or w in lang.vocabulary or w in lang.misheard or w in lang.not_times or w.isdigit() or "_" in w:
        return w
    if swapped := _swapped(w, lang.code):  # "firday", "huor", "mintues"
        return swapped
    if len(w) < _FUZZY_MIN_LEN:
        return w
    return _nearest(w, lang.code, _FUZZY_MIN) or w


# Two neighbouring letters swapped ("firday", "huor", "mintues") is a slip of the hand, mended
# in a word of this many letters or more; it comes before any other likeness ("mintues" is
# "minutes", not "tuesday").
_SWAP_MIN_LEN = 4


@lru_cache(maxsize=8192)
def _swapped(w: str, code: str) -> str | None:
    found = [c for c in language(code).spellable + language(code).short_spellable
             if len(c) == len(w) and sorted(c) == sorted(w) and OSA.distance(w, c) == 1]
    return found[0] if len(found) == 1 else None


@lru_cache(maxsize=8192)
def _nearest(w: str, code: str, score_min: float) -> str | None:
    choices = language(code).spellable
    best = process.extractOne(w, choices, scorer=fuzz.ratio, score_cutoff=score_min)
    if best is None and len(w) >= _FUZZY_LONG_LEN and score_min == _FUZZY_MIN:  # one word, not two joined
        best = process.extractOne(w, [c for c in choices if len(c) >= _FUZZY_LONG_LEN and fuzz.ratio(w, c) >= _FUZZY_LONG_MIN],
                                  scorer=OSA.distance, score_cutoff=_FUZZY_LONG_EDITS)
    return best[0] if best else None


def _split(w: str, lang: Language) -> list[str]:
    known = lang.splittable
    for p in lang.prefixes:
        if w.startswith(p) and len(w) - len(p) >= 3:
            rest = w[len(p):]
            if rest in known:
                return [p, rest]
    if w[:1] in lang.clock and w[1:] in known and len(w) >= _MERGED_MIN:  # a one-letter "at" run on: "utri", "upola", "вдва"
        return [w[:1], w[1:]]
    for k in range(2, len(w) - 1):
        if w[:k] in known and w[k:] in known:
            return [w[:k], w[k:]]
    if lang.merges:  # "عليكبكرا", "الاثنينالجاي": a time word of four letters or more run into a word of three or more
        for k in range(_MERGED_MIN - 1, len(w) - _MERGED_MIN + 1):
            if w[k:] in known and w[k:] not in lang.less:
                return [w[:k], w[k:]]
        for k in range(len(w) - _MERGED_MIN + 1, _MERGED_MIN - 1, -1):
            if w[:k] in known and w[:k] not in lang.less:
                return [w[:k], w[k:]]
    return [w]


def _timely(ws: list[str], i: int, lang: Language) -> bool:
    """Whether word ``i`` stands where a time is said: after a number, "at", "a", "half", or
    before a unit, "pm", "o'clock". A number's homophone only right after "at", "in", "half"
    or "past" ("in" with a unit next): "at for thirty", "in too hours", but "on hold for hours",
    "for two weeks", "ten to four"."""
    before = ws[i - 1] if i else ""
    after = ws[i + 1] if i + 1 < len(ws) else ""
    after = lang.misheard.get(after, after)  # "too ours" is "two hours"
    if lang.misheard[ws[i]] in lang.numbers:  # ("waited in for it" keeps its "for"; "for o'clock" is four)
        return (before in lang.clock or before in lang.half or before in lang.past or before in lang.relative and after in lang.units
                or after in lang.clock_after)
    return (before.isdigit() or lang.numbers.get(before, 0) > 0 or before in lang.clock or before in lang.articles
            or before in lang.half or before in lang.quarter or before in lang.past or before in lang.to
            or after in lang.units or after in lang.pm or after in lang.am or after in lang.clock_after)


def _phrases(ws: list[str], lang: Language) -> list[str]:
    if not lang.phrases:
        return ws
    longest = max(len(p) for p in lang.phrases)
    out, i = [], 0
    while i < len(ws):
        for n in range(min(longest, len(ws) - i), 1, -1):
            if (joined := lang.phrases.get(tuple(ws[i : i + n]))) is not None:
                out.append(joined)
                i += n
                break
        else:
            out.append(ws[i])
            i += 1
    return out
