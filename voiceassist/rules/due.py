"""When a call-back was promised for: "tomorrow at three", "yarın saat üçte", "завтра в три",
"sutra u tri", "بكره الساعه تلاته" — in words, as recognisers print them, or in digits.

``parse(text, language)`` reads what was said into a ``Due`` (a day, a clock time or a part
of the day, or a delay), ``Due.at(call_start, said_at)`` resolves it against the moment the
call started. Hand-written, not dateparser: dateparser resolves day words in all five
languages but not hour words ("three", "üç", "три", "tri", "الثالثة"), and misreads
"sutra u 15 sati" as the 25th at 01:00. The rules a person uses are few:

- a bare hour from 1 to 7 is in the afternoon (business hours), 8 to 12 as said, and any hour
  with "afternoon", "evening" or "pm" is after noon;
- "half past two", "iki buçuk", "تنتين ونص", "two thirty" are 14:30, and Russian "в половине
  третьего" and Croatian "u pola tri" (half *to* three) are 14:30 too;
- a clock time with no day is the next one to come; "tonight" is today's evening.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass
from functools import lru_cache

from voiceassist.config import DEFAULTS_DIR, read_toml
from voiceassist.rules.matching import fold, lower

__all__ = ["Due", "parse"]

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# The clock time a part of the day stands for when a time is needed (a reminder, a sort key).
_PART_HOURS = {"morning": 9, "afternoon": 14, "evening": 18}


@dataclass(frozen=True)
class _Language:
    """How a language says when: ``config/times/<lang>.toml``, its words folded as the text is."""

    numbers: dict[str, int]  # word forms → value (summed when consecutive: "twenty five")
    days: dict[str, str]  # → today, tomorrow or a weekday
    parts: dict[str, str]  # → morning, afternoon, evening
    tonight: frozenset[str]  # today, evening
    units: dict[str, str]  # → minutes, hours, days
    half: frozenset[str]  # "half": 30 after an hour, 0.5 before a unit
    quarter: frozenset[str]
    relative: frozenset[str]  # "in", "within", "через", "za", "içinde", "خلال", "بعد"
    clock: frozenset[str]  # "at", "saat", "в", "u", "الساعه": an hour follows
    joiners: frozenset[str]  # between an hour and its minutes, after "half" ("half past two")
    pm: frozenset[str] = frozenset()
    half_to_next: bool = False  # "half three" is 2:30 (ru, hr), not 3:30
    at_suffixes: tuple[str, ...] = ()  # an hour with one of these is a clock time (Turkish "üçte")
    today_words: tuple[str, ...] = ()  # phrases meaning "by the end of today"
    morning_words: tuple[str, ...] = ()  # phrases meaning "first thing" (morning)
    articles: frozenset[str] = frozenset()  # "in an hour": one unit
    half_units: frozenset[str] = frozenset()  # "полчаса": half an hour in one word
    dual_units: frozenset[str] = frozenset()  # Arabic duals: "ساعتين" two hours


_TIMES_DIR = DEFAULTS_DIR / "times"


@lru_cache(maxsize=None)
def _language(code: str) -> _Language:
    data = read_toml(_TIMES_DIR / f"{code}.toml")
    suffixes = ("", *data.pop("number_suffixes", ()))
    fields = {"numbers": {fold(w + s): v for w, v in data.pop("numbers").items() for s in suffixes}}
    for key, value in data.items():
        if isinstance(value, dict):  # days, parts, units
            fields[key] = {fold(w): v for w, v in value.items()}
        elif key in ("at_suffixes", "today_words", "morning_words"):  # endings, and phrases read as text is
            fields[key] = tuple(value)
        elif isinstance(value, list):
            fields[key] = frozenset(fold(w) for w in value)
        else:
            fields[key] = value
    return _Language(**fields)


@dataclass(frozen=True)
class Due:
    """What a promise said about its time. ``day``: today, tomorrow or a weekday; ``time``:
    (hour, minute); ``part``: morning, afternoon or evening; ``delay_s``: "in two hours"."""

    day: str | None = None
    time: tuple[int, int] | None = None
    part: str | None = None
    delay_s: float | None = None

    @property
    def vague(self) -> bool:
        return self.day is None and self.time is None and self.part is None and self.delay_s is None

    def said(self) -> str:
        """In English, normalised: "tomorrow 15:00", "today afternoon", "in 2 hours", "vague"."""
        if self.delay_s is not None:
            for unit, s in (("days", 86400), ("hours", 3600), ("minutes", 60)):
                if self.delay_s >= s and self.delay_s % s == 0:
                    return f"in {self.delay_s // s:.0f} {unit}" if self.delay_s != s else f"in 1 {unit[:-1]}"
            return f"in {self.delay_s / 60:.0f} minutes"
        if self.vague:
            return "vague"
        day = self.day or "today"
        if self.time is not None:
            return f"{day} {self.time[0]:02d}:{self.time[1]:02d}"
        return f"{day} {self.part}" if self.part else day

    def at(self, call_start: dt.datetime, said_at: float) -> str | None:
        """The due time in ISO 8601 local time (a date alone when only a day was said), or None
        when vague."""
        now = call_start + dt.timedelta(seconds=said_at)
        if self.delay_s is not None:
            return (now + dt.timedelta(seconds=self.delay_s)).replace(microsecond=0).isoformat()
        if self.vague:
            return None
        date = now.date()
        if self.day == "tomorrow":
            date += dt.timedelta(days=1)
        elif self.day in _WEEKDAYS:
            date += dt.timedelta(days=(_WEEKDAYS.index(self.day) - date.weekday() - 1) % 7 + 1)
        hour_minute = self.time or ((_PART_HOURS[self.part], 0) if self.part else None)
        if hour_minute is None:
            return date.isoformat()
        due = dt.datetime.combine(date, dt.time(*hour_minute))
        if self.day is None and due < now:  # "at nine" said at four in the afternoon: tomorrow
            due += dt.timedelta(days=1)
        return due.isoformat()


def _words(text: str, language: str) -> list[str]:
    """Folded words, digits apart from letters ("3pm" is "3" "pm", as "3 pm"). Three or more
    numbers in digits in a row are a phone, card or order number ("+90 532 123 45 67",
    "555-12-34"), never a time: they become ``#``, so "12 34" in them is not 12:34."""
    words = [fold(w) for w in re.findall(r"\d+|[^\W\d_]+", lower(text, language))]
    out: list[str] = []
    for digits, run in itertools.groupby(words, str.isdigit):
        run = list(run)
        out += ["#"] * len(run) if digits and len(run) >= 3 else run
    return out


def _number(words: list[str], i: int, numbers: dict[str, int]) -> tuple[int, int] | None:
    """The number said from word ``i`` on (words summed: "twenty five", "on bir"), and the index
    after it."""
    total, j = 0, i
    while j < len(words):
        w = words[j]
        value = int(w) if w.isdigit() else numbers.get(w)
        if value is None or (total and (value >= total or total < 20 and value < 10 and total != 10)):
            break
        total += value
        j += 1
    return (total, j) if j > i else None


def parse(text: str, language: str) -> Due:
    """What ``text`` (a call-back promise) says about when."""
    lang = _language(language)
    words = _words(text, language)
    joined = " " + " ".join(words) + " "
    day = next((lang.days[w] for w in words if w in lang.days), None)
    part = next((lang.parts[w] for w in words if w in lang.parts), None)
    if any(" " + " ".join(_words(p, language)) + " " in joined for p in lang.morning_words):
        part = "morning"
        day = day or "tomorrow"
    if day is None and any(w in lang.tonight for w in words):
        day = "today"
    if day is None and any(" " + " ".join(_words(p, language)) + " " in joined for p in lang.today_words):
        day = "today"
    if day is None and part is not None:
        day = "today"

    delay = _delay(words, lang)
    if delay is not None and day is None:
        return Due(delay_s=delay)
    time = _clock(words, lang, part)
    return Due(day=day, time=time, part=None if time else part)


def _delay(words: list[str], lang: _Language) -> float | None:
    """ "in two hours", "через полчаса", "za pola sata", "خلال ساعتين", "yarım saat içinde"."""
    if not any(w in lang.relative for w in words):
        return None
    unit_s = {"minutes": 60, "hours": 3600, "days": 86400}
    for i, w in enumerate(words):
        if w not in lang.units:
            continue
        if w in lang.half_units:
            return 1800.0
        if w in lang.dual_units:
            return 2.0 * unit_s[lang.units[w]]
        before = words[max(0, i - 2) : i]
        count: float | None = None
        if before and before[-1] in lang.half:
            count = 0.5
        elif before and before[-1] in lang.articles:  # "in an hour"
            count = 1
        elif before and before[-1] in lang.quarter:
            count = 0.25
        else:
            for k in range(max(0, i - 3), i):
                if (n := _number(words, k, lang.numbers)) is not None and n[1] == i:
                    count = n[0]
                    break
            if count is None and i + 1 < len(words) and (n := _number(words, i + 1, lang.numbers)):
                count = n[0]  # Russian "минут через тридцать"
            if count is None and i + 2 < len(words) and words[i + 1] in lang.relative and (n := _number(words, i + 2, lang.numbers)):
                count = n[0]
        if count is None and lang.units[w] == "hours":
            count = 1  # "within the hour", "через час", "بعد ساعه", "za sat"
        if count is not None:
            return float(count * unit_s[lang.units[w]])
    return None


def _said_at(words: list[str], i: int, lang: _Language) -> bool:
    """Whether the number said from word ``i`` carries "at" itself: Turkish "on birde",
    "iki buçukta"."""
    if not lang.at_suffixes or (n := _number(words, i, lang.numbers)) is None:
        return False
    last, after = words[n[1] - 1], words[n[1]] if n[1] < len(words) else ""
    return last.endswith(lang.at_suffixes) or (after in lang.half and after.endswith(lang.at_suffixes))


def _clock(words: list[str], lang: _Language, part: str | None) -> tuple[int, int] | None:
    """A clock time: after a clock word ("at", "saat", "в", "u", "الساعه"), or an hour with
    "o'clock", "half past", "buçuk", "ونص"."""
    for i, w in enumerate(words):
        start = i + 1 if w in lang.clock else i if w.isdigit() or _said_at(words, i, lang) else None
        half_first = start is not None and start < len(words) and words[start] in lang.half
        if half_first:
            start += 1 + (start + 1 < len(words) and words[start + 1] in lang.joiners)
        if start is None or start >= len(words):
            continue
        if (n := _number(words, start, lang.numbers)) is None:
            continue
        hour, j = n
        minute = 0
        if j + 1 < len(words) and words[j] in lang.joiners and _number(words, j + 1, lang.numbers):
            j += 1
        if j < len(words) and words[j].isdigit():  # "3:30" is read as "3" "30"
            minute = int(words[j])
        elif j < len(words) and (m := _number(words, j, lang.numbers)) and m[0] in (15, 30, 45) and hour <= 12:
            minute = m[0]
        elif half_first:  # "half past two" (en), "в половине третьего" / "u pola tri" (ru, hr)
            hour, minute = (hour - 1, 30) if lang.half_to_next else (hour, 30)
        elif any(x in lang.half for x in words[j : j + 2]):
            minute = 30
        elif any(x in lang.quarter for x in words[j : j + 2]):
            minute = 15
        if not 1 <= hour <= 24 or minute >= 60:
            continue
        pm = any(x in lang.pm for x in words[j : j + 2]) or part in ("afternoon", "evening")
        if hour < 12 and (pm or hour <= 7):
            hour += 12
        return hour % 24, minute
    for i, w in enumerate(words):  # "half past two" with no clock word
        if w in lang.half and i + 2 < len(words) and words[i + 1] in lang.joiners and (n := _number(words, i + 2, lang.numbers)):
            hour = n[0] + 12 if n[0] <= 7 else n[0]
            return hour, 30
    return None
