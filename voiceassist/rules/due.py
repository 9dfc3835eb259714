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

from voiceassist.rules.matching import _fold, _lower

__all__ = ["Due", "parse"]

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# The clock time a part of the day stands for when a time is needed (a reminder, a sort key).
_PART_HOURS = {"morning": 9, "afternoon": 14, "evening": 18}


@dataclass(frozen=True)
class _Language:
    numbers: dict[str, int]  # word forms → value (summed when consecutive: "twenty five")
    days: dict[str, str]  # → today, tomorrow or a weekday
    parts: dict[str, str]  # → morning, afternoon, evening
    tonight: frozenset[str]  # today, evening
    units: dict[str, str]  # → minutes, hours, days
    half: frozenset[str]  # "half": 30 after an hour, 0.5 before a unit
    quarter: frozenset[str]
    relative: frozenset[str]  # "in", "within", "через", "za", "içinde", "خلال", "بعد"
    clock: frozenset[str]  # "at", "saat", "в", "u", "الساعه": an hour follows
    pm: frozenset[str] = frozenset()
    half_to_next: bool = False  # "half three" is 2:30 (ru, hr), not 3:30
    at_suffixes: tuple[str, ...] = ()  # an hour with one of these is a clock time (Turkish "üçte")
    today_words: tuple[str, ...] = ()  # phrases meaning "by the end of today"
    morning_words: tuple[str, ...] = ()  # phrases meaning "first thing" (morning)


def _forms(table: dict[str, int], *suffixes: str) -> dict[str, int]:
    """Each word also with each of ``suffixes`` (Turkish case endings)."""
    return {w + s: v for w, v in table.items() for s in ("", *suffixes)}


def _folded(words: dict | set | tuple) -> dict | frozenset:
    if isinstance(words, dict):
        return {_fold(k): v for k, v in words.items()}
    return frozenset(_fold(w) for w in words)


_TR_NUMBERS = {
    "bir": 1, "iki": 2, "üç": 3, "dört": 4, "beş": 5, "altı": 6, "yedi": 7, "sekiz": 8, "dokuz": 9,
    "on": 10, "yirmi": 20, "otuz": 30, "kırk": 40, "elli": 50,
}

_LANGUAGES = {
    "en": _Language(
        numbers={"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
                 "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
                 "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50},
        days={"today": "today", "tomorrow": "tomorrow", **{d: d for d in _WEEKDAYS}},
        parts={"morning": "morning", "afternoon": "afternoon", "evening": "evening", "lunchtime": "afternoon"},
        tonight=frozenset({"tonight"}),
        units={"minute": "minutes", "minutes": "minutes", "mins": "minutes", "hour": "hours",
               "hours": "hours", "day": "days", "days": "days"},
        half=frozenset({"half"}), quarter=frozenset({"quarter"}),
        relative=frozenset({"in", "within"}), clock=frozenset({"at", "around", "by"}),
        pm=frozenset({"pm", "p"}),
        today_words=("end of the day", "later today", "end of today", "close of business"),
        morning_words=("first thing",),
    ),
    "tr": _Language(
        numbers=_folded(_forms(_TR_NUMBERS, "te", "ta", "de", "da", "e", "a", "ye", "ya")),
        days=_folded({"bugün": "today", "yarın": "tomorrow", "pazartesi": "monday", "salı": "tuesday",
                      "çarşamba": "wednesday", "perşembe": "thursday", "cuma": "friday",
                      "cumartesi": "saturday", "pazar": "sunday", "pazartesiye": "monday"}),
        parts=_folded({"sabah": "morning", "sabahleyin": "morning", "öğleden": "afternoon",
                       "öğlen": "afternoon", "akşam": "evening", "akşamüstü": "evening"}),
        tonight=_folded({"akşam"}),  # "bu akşam": the evening of today unless a day is said
        units=_folded({"dakika": "minutes", "dakikada": "minutes", "saat": "hours", "saatte": "hours",
                       "gün": "days", "günde": "days"}),
        half=_folded({"buçuk", "buçukta", "yarım"}), quarter=_folded({"çeyrek"}),
        relative=_folded({"içinde", "içerisinde", "sonra", "zarfında"}),
        clock=_folded({"saat"}),
        at_suffixes=("te", "ta", "de", "da"),
        today_words=("gün sonuna", "bugün içinde", "mesai bitmeden"),
        morning_words=("ilk iş",),
    ),
    "ru": _Language(
        numbers=_folded({"один": 1, "одну": 1, "час": 1, "два": 2, "двух": 2, "две": 2, "три": 3, "трех": 3,
                         "четыре": 4, "четырех": 4, "пять": 5, "пяти": 5, "шесть": 6, "шести": 6,
                         "семь": 7, "семи": 7, "восемь": 8, "восьми": 8, "девять": 9, "девяти": 9,
                         "десять": 10, "десяти": 10, "одиннадцать": 11, "двенадцать": 12,
                         "пятнадцать": 15, "двадцать": 20, "тридцать": 30, "сорок": 40, "пятьдесят": 50,
                         # "в половине третьего": ordinals name the hour being entered
                         "первого": 1, "второго": 2, "третьего": 3, "четвертого": 4, "пятого": 5,
                         "шестого": 6, "седьмого": 7, "восьмого": 8, "девятого": 9, "десятого": 10,
                         "одиннадцатого": 11, "двенадцатого": 12}),
        days=_folded({"сегодня": "today", "завтра": "tomorrow", "понедельник": "monday",
                      "вторник": "tuesday", "среду": "wednesday", "среда": "wednesday",
                      "четверг": "thursday", "пятницу": "friday", "пятница": "friday",
                      "субботу": "saturday", "суббота": "saturday", "воскресенье": "sunday"}),
        parts=_folded({"утром": "morning", "утра": "morning", "обеда": "afternoon", "днем": "afternoon",
                       "вечером": "evening", "вечера": "evening"}),
        tonight=_folded({"вечером"}),
        units=_folded({"минут": "minutes", "минуту": "minutes", "минуты": "minutes", "час": "hours",
                       "часа": "hours", "часов": "hours", "полчаса": "minutes", "день": "days",
                       "дня": "days", "дней": "days"}),
        half=_folded({"половине", "пол", "полчаса"}), quarter=_folded({"четверть"}),
        relative=_folded({"через", "течение", "течении", "пределах"}),
        clock=_folded({"в", "к", "около"}),
        half_to_next=True,
        today_words=("до конца дня", "сегодня же", "в течение дня"),
        morning_words=("первым делом", "с утра"),
    ),
    "ar": _Language(
        numbers=_folded({
            "واحد": 1, "وحده": 1, "الواحده": 1, "ساعه": 1, "اثنين": 2, "تنتين": 2, "ثنتين": 2, "اتنين": 2,
            "الثانيه": 2, "ثلاث": 3, "ثلاثه": 3, "تلاته": 3, "تلات": 3, "الثالثه": 3, "اربع": 4, "اربعه": 4,
            "الرابعه": 4, "خمس": 5, "خمسه": 5, "الخامسه": 5, "ست": 6, "سته": 6, "السادسه": 6, "سبع": 7,
            "سبعه": 7, "السابعه": 7, "ثمان": 8, "ثمانيه": 8, "تمانيه": 8, "الثامنه": 8, "تسع": 9,
            "تسعه": 9, "التاسعه": 9, "عشر": 10, "عشره": 10, "العاشره": 10, "احدعش": 11, "حداشر": 11,
            "الحاديه": 11, "اتنعش": 12, "اثنعش": 12, "طنعش": 12, "الثانيه عشر": 12, "خمستعش": 15,
            "ربع": 15, "عشرين": 20, "ثلاثين": 30, "تلاتين": 30, "اربعين": 40,
        }),
        days=_folded({"اليوم": "today", "النهارده": "today", "بكره": "tomorrow", "بكرا": "tomorrow",
                      "غدا": "tomorrow", "بكير": "tomorrow", "الاحد": "sunday", "الاثنين": "monday",
                      "الاتنين": "monday", "الثلاثاء": "tuesday", "التلات": "tuesday", "الاربعاء": "wednesday",
                      "الاربع": "wednesday", "الخميس": "thursday", "الجمعه": "friday", "السبت": "saturday"}),
        parts=_folded({"الصبح": "morning", "صباحا": "morning", "الصباح": "morning", "العصر": "afternoon",
                       "الظهر": "afternoon", "المسا": "evening", "مساء": "evening", "المساء": "evening",
                       "الليله": "evening", "بالليل": "evening"}),
        tonight=_folded({"الليله"}),
        units=_folded({"دقيقه": "minutes", "دقايق": "minutes", "دقائق": "minutes", "ساعه": "hours",
                       "ساعات": "hours", "ساعتين": "hours", "يوم": "days", "ايام": "days", "يومين": "days"}),
        half=_folded({"نص", "نصف", "ونص", "والنصف"}), quarter=_folded({"ربع", "وربع", "والربع"}),
        relative=_folded({"خلال", "بعد", "غضون"}),
        clock=_folded({"الساعه", "ساعه"}),
        today_words=("اخر الدوام", "نهايه اليوم", "قبل نهايه الدوام"),
        morning_words=("اول شي",),
    ),
    "hr": _Language(
        numbers=_folded({"jedan": 1, "jedna": 1, "jednu": 1, "sat": 1, "dva": 2, "dvije": 2, "tri": 3,
                         "četiri": 4, "pet": 5, "šest": 6, "sedam": 7, "osam": 8, "devet": 9,
                         "deset": 10, "jedanaest": 11, "dvanaest": 12, "petnaest": 15,
                         "dvadeset": 20, "trideset": 30, "četrdeset": 40, "pedeset": 50}),
        days=_folded({"danas": "today", "sutra": "tomorrow", "ponedjeljak": "monday", "utorak": "tuesday",
                      "srijeda": "wednesday", "srijedu": "wednesday", "četvrtak": "thursday",
                      "petak": "friday", "subota": "saturday", "subotu": "saturday",
                      "nedjelja": "sunday", "nedjelju": "sunday"}),
        parts=_folded({"ujutro": "morning", "jutros": "morning", "prijepodne": "morning",
                       "poslijepodne": "afternoon", "popodne": "afternoon", "navečer": "evening",
                       "večeras": "evening", "uvečer": "evening"}),
        tonight=_folded({"večeras"}),
        units=_folded({"minuta": "minutes", "minute": "minutes", "minutu": "minutes", "sat": "hours",
                       "sata": "hours", "sati": "hours", "dan": "days", "dana": "days"}),
        half=_folded({"pola"}), quarter=_folded({"četvrt"}),
        relative=_folded({"za", "roku"}),
        clock=_folded({"u", "oko", "do"}),
        half_to_next=True,
        today_words=("do kraja dana", "još danas", "kasnije danas", "tijekom dana"),
        morning_words=("prvo jutro", "prvo ujutro"),
    ),
}
# Words between an hour and its minutes ("eleven and thirty", "jedanaest i trideset") or after
# "half" ("half past two").
_JOINERS = frozenset({"and", "i", "ve", "past"})


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
    words = [_fold(w) for w in re.findall(r"\d+|[^\W\d_]+", _lower(text, language))]
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
    lang = _LANGUAGES[language]
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
        if w in ("полчаса",):
            return 1800.0
        if w in ("ساعتين", "يومين"):  # Arabic duals: "two hours", "two days"
            return 2.0 * unit_s[lang.units[w]]
        before = words[max(0, i - 2) : i]
        count: float | None = None
        if before and before[-1] in lang.half:
            count = 0.5
        elif before and before[-1] in ("a", "an"):  # "in an hour"
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
            start += 1 + (start + 1 < len(words) and words[start + 1] in _JOINERS)
        if start is None or start >= len(words):
            continue
        if (n := _number(words, start, lang.numbers)) is None:
            continue
        hour, j = n
        minute = 0
        if j + 1 < len(words) and words[j] in _JOINERS and _number(words, j + 1, lang.numbers):
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
        if w in lang.half and i + 2 < len(words) and words[i + 1] == "past" and (n := _number(words, i + 2, lang.numbers)):
            hour = n[0] + 12 if n[0] <= 7 else n[0]
            return hour, 30
    return None
