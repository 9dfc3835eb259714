"""When a call-back was promised for: "tomorrow at three", "yarın saat üçte", "завтра в три",
"sutra u tri", "بكره الساعه تلاته" — in words, as recognisers print them, or in digits.

``parse(text, language)`` reads what was said into a ``Due`` (a day, a clock time or a part
of the day, or a delay), ``Due.at(call_start, said_at)`` resolves it against the moment the
call started. Hand-written, not dateparser: dateparser resolves day words in all five
languages but not hour words ("three", "üç", "три", "tri", "الثالثة"), and misreads
"sutra u 15 sati" as the 25th at 01:00. The words are those of ``rules/time_words.py``, mended
of recognition errors and with phone and order numbers hidden; the language's words are data
(``config/times/<lang>.toml``). The rules a person uses are few:

- a bare hour from 1 to 7 is in the afternoon (business hours), 8 to 12 as said; any hour with
  "afternoon", "evening" or "pm" is after noon, and one with "am" or "morning" before it;
- "half past two", "iki buçuk", "تنتين ونص", "two thirty" are 14:30, and Russian "в половине
  третьего" and Croatian "u pola tri" (half *to* three) are 14:30 too; minutes may come before
  the hour ("ten past three", "quarter to four", "без пяти три") or after it ("üçe çeyrek
  kala", "اربعه الا ربع");
- a clock time with no day is the next one to come; "tonight" is today's evening; a morning
  with neither a day nor a clock time is tomorrow's (a call-back is promised in working hours);
- a delay is a count near "in", "через", "içinde", "za", "بعد" and a unit: "two hours", "a
  couple of days", "half an hour", "an hour and a half", "через минуту", "ساعتين" (a dual).
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import re
from dataclasses import dataclass
from functools import lru_cache

from voiceassist.rules.matching import split_sentences as _matcher_sentences
from voiceassist.rules.matching import split_words as _matcher_words
from voiceassist.rules.clock import clock, number
from voiceassist.rules.time_words import Language, language, words

__all__ = ["Due", "parse"]

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# The clock time a part of the day stands for when a time is needed (a reminder, a sort key).
_PART_HOURS = {"morning": 9, "afternoon": 14, "evening": 18}


@dataclass(frozen=True)
class Due:
    """What a promise said about its time. ``day``: today, tomorrow or a weekday; ``time``:
    (hour, minute); ``part``: morning, afternoon or evening; ``delay_s``: "in two hours"."""

    day: str | None = None
    time: tuple[int, int] | None = None
    part: str | None = None
    delay_s: float | None = None
    delay_unit: str | None = None  # as said: "within 24 hours" stays in hours, not "in 1 day"

    @property
    def vague(self) -> bool:
        return self.day is None and self.time is None and self.part is None and self.delay_s is None

    def said(self) -> str:
        """In English, normalised: "tomorrow 15:00", "today afternoon", "in 2 hours", "vague"."""
        if self.delay_s is not None:
            units = (("days", 86400), ("hours", 3600), ("minutes", 60))
            for unit, s in sorted(units, key=lambda u: u[0] != self.delay_unit):
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


_UNIT_S = {"minutes": 60, "hours": 3600, "days": 86400, "weeks": 7 * 86400, "fortnights": 14 * 86400}
# A delay's unit is this many words from its "in", "через", "içinde" at most ("in a quarter of
# an hour", "iki saat içinde"): further away they belong to different things said.
_DELAY_REACH = 5


@lru_cache(maxsize=None)
def _phrase(phrase: str, code: str) -> str:
    return " " + " ".join(words(phrase, code)) + " "


def parse(text: str, language_code: str, word: int | None = None) -> Due:
    """What ``text`` (a call-back promise) says about when. ``word``: where the promise is in
    it, as the index of a word of ``matching.tokens(text)``: when the text has several sentences,
    a day or time said in the promise's own sentence wins over one in another ("They said
    Monday. I'll call you back tomorrow."); the others are read only when it names none, or to
    complete its day with the time said next ("I'll call you tomorrow. At three.")."""
    if word is None:
        return _corrected(words(text, language_code), language_code)
    sentences = _sentences(text, language_code)
    counts = list(itertools.accumulate(len(_matcher_words(x, language_code)) for x in sentences))
    k = min(bisect.bisect_right(counts, word), len(sentences) - 1)
    own = parse(sentences[k], language_code)
    if own.vague:  # the sentences after it, then those before it
        for other in sentences[k + 1 :] + sentences[:k][::-1]:
            if not (due := parse(other, language_code)).vague:
                return due
        return own
    if own.day is not None and own.time is None and own.part is None and own.delay_s is None and k + 1 < len(sentences):
        ws = words(sentences[k + 1], language_code)
        then = _corrected(ws, language_code)
        if then.delay_s is None and (then.time or then.part) and not any(w in language(language_code).days for w in ws):
            return Due(day=own.day, time=then.time, part=then.part)
    return own


def _corrected(ws: list[str], code: str) -> Due:
    """A time corrected as it is said ("tomorrow, no wait, Friday", "prekosutra ne nego u
    srijedu u dva"): what follows the last correction wins, completed by what came before it
    (the day of "tomorrow at three, I mean at four"; the part of "sutra ujutro, ne, u četvrtak")."""
    lang = language(code)
    joined = " " + " ".join(ws) + " "
    cut = max((joined.rfind(_phrase(p, code)) + len(_phrase(p, code)) for p in lang.corrections
               if _phrase(p, code) in joined), default=-1)
    if cut < 0:
        return _read(ws, code)
    before, after = joined[:cut].split(), joined[cut:].split()
    was, now = _read(before, code), _read(after, code)
    if now.vague and was.time is not None and number(after, 0, lang):  # "at three, I mean four": an hour
        now = _read([min(lang.clock), *after], code)
    if now.vague:
        return was
    if now.delay_s is not None:
        return now
    named_day = any(w in lang.days or w in lang.tonight for w in after) or _said(lang.today_words + lang.morning_words, after, code)
    day = now.day if named_day or was.vague or was.delay_s is not None else was.day
    if now.time is not None:
        return Due(day=day, time=now.time)
    if now.part is not None:
        return Due(day=day, part=now.part)
    # The day corrected: the time or part said before stays; the part also of a day said as a
    # delay ("prekosutra ujutro" is in 2 days).
    part = was.part or next((lang.parts[w] for w in before if w in lang.parts), None)
    return Due(day=day, time=was.time, part=None if was.time else part)


def _read(ws: list[str], language_code: str) -> Due:
    lang = language(language_code)
    gone = {i for i, w in enumerate(ws) if w in lang.days and (
        i and ws[i - 1] in lang.gone_before or i + 1 < len(ws) and ws[i + 1] in lang.gone_after)}
    ws = [w for i, w in enumerate(ws) if i not in gone]  # "about your order from last monday"
    day = next((lang.days[w] for w in ws if w in lang.days), None)
    part = next((lang.parts[w] for w in ws if w in lang.parts), None)
    if _said(lang.morning_words, ws, language_code):
        part = "morning"
        day = day or "tomorrow"
    if any(w in lang.tonight for w in ws):
        day, part = day or "today", part or "evening"
    if day is None and _said(lang.today_words, ws, language_code):
        day = "today"
    if day == "after_tomorrow":  # "the day after tomorrow", "послезавтра", "بعد بكره"
        return Due(delay_s=2 * 86400.0, delay_unit="days")
    delay = _delay(ws, lang) if day is None and part is None else None
    if delay is not None:
        return Due(delay_s=delay[0], delay_unit=delay[1])
    time = clock(ws, lang, part)
    if day is None and part == "morning" and time is None:  # "I'll call you in the morning", said in working hours
        day = "tomorrow"
    if day is None and part is not None:
        day = "today"
    return Due(day=day, time=time, part=None if time else part)


# A phrase of this many letters or more is found also when its words are split otherwise
# ("mesai bitme den" is "mesai bitmeden"): shorter ones would be found across words ("jacob").
_PHRASE_COMPACT_MIN = 10


def _said(phrases: tuple[str, ...], ws: list[str], code: str) -> bool:
    """Whether one of the phrases is said in ``ws``, its words maybe split or run together."""
    joined, compact = " " + " ".join(ws) + " ", "".join(ws)
    for p in phrases:
        said = _phrase(p, code)
        if said in joined or len(flat := said.replace(" ", "")) >= _PHRASE_COMPACT_MIN and flat in compact:
            return True
    return False


def _sentences(text: str, code: str) -> list[str]:
    """The sentences of ``text`` as the matcher splits them, less those with no word, and with
    a number's decimal point or a clock time's dot mended ("in 1.5 hours", "at 3.30"): one
    sentence per item of ``matching.tokens(text).starts``."""
    out: list[str] = []
    for x in _matcher_sentences(text, code):
        if out and re.search(r"\d[.,]$", out[-1]) and re.match(r"\d", x):
            out[-1] += x
        elif _matcher_words(x, code):
            out.append(x)
        elif out:
            out[-1] += x
    return out or [text]


def _delay(ws: list[str], lang: Language) -> tuple[float, str] | None:
    """ "in two hours", "через полчаса", "za pola sata", "خلال ساعتين", "yarım saat içinde",
    "in a couple of days", "كمان ساعتين"."""
    near = [i for i, w in enumerate(ws) if w in lang.relative]
    if not near:
        return None
    # The unit nearest its "in" first: "waiting for two weeks, I'll call you in an hour".
    reach = {i: min(abs(i - r) for r in near) for i, w in enumerate(ws) if w in lang.units}
    for i in sorted((i for i in reach if reach[i] <= _DELAY_REACH), key=lambda i: (reach[i], i)):
        w = ws[i]
        if w in lang.clock and number(ws, i + 1, lang):  # "saat üçe kadar": by three, a clock time
            continue
        unit = lang.units[w]
        if w in lang.half_units:
            return 1800.0, "minutes"
        if w in lang.dual_units:  # "ساعتين", "ساعتين ونص"
            after = ws[i + 1 : i + 2]
            return (2.5 if after and after[0] in lang.half else 2.0) * _UNIT_S[unit], unit
        count = _count(ws, i, lang, near)
        if count is not None:  # a third of an hour is 1200 s, not 1199.99
            return float(round(count * _UNIT_S[unit] + _and_more(ws, i, lang))), unit
    for r in near:  # "I'll call you back in five": minutes (but "after five" is an hour)
        if lang.bare_count and ws[r] not in lang.clock and (n := number(ws, r + 1, lang)) and 2 <= n[0] <= 30 and (
                n[1] == len(ws) or ws[n[1]] in lang.joiners):
            return float(n[0] * _UNIT_S[lang.bare_count]), lang.bare_count
    return None


def _and_more(ws: list[str], i: int, lang: Language) -> float:
    """The seconds of a smaller unit said after the unit at word ``i``: "an hour and fifteen
    minutes", "через час пятнадцать минут", "sat i dvadeset minuta", "ساعه وعشر دقايق"."""
    k = i + 1 + (i + 1 < len(ws) and ws[i + 1] in lang.joiners)
    if (n := number(ws, k, lang)) is None or n[1] >= len(ws) or ws[n[1]] not in lang.units:
        return 0.0
    smaller = _UNIT_S[lang.units[ws[n[1]]]]
    return n[0] * smaller if smaller < _UNIT_S[lang.units[ws[i]]] else 0.0


def _count(ws: list[str], i: int, lang: Language, near: list[int]) -> float | None:
    """How many of the unit at word ``i``: "two", "an", "half an", "bir buçuk", "минут через
    тридцать"."""
    before = ws[max(0, i - 2) : i]
    after = ws[i + 1 : i + 4]
    and_half = (after[:1] and after[0] in lang.half  # "ساعه ونص"
                or any(x in lang.half for x in after[:3]) and any(x in lang.joiners for x in after[:2]))  # "sat i pol"
    and_quarter = (after[:1] and after[0] in lang.quarter  # "ساعه وربع"
                   or any(x in lang.quarter for x in after[:3]) and any(x in lang.joiners for x in after[:2]))  # "an hour and a quarter"
    extra = 0.5 if and_half else 0.25 if and_quarter else 0.0
    for k in range(max(0, i - 4), i):  # "two hours", "iki buçuk saat", "about twenty minutes"
        if (n := number(ws, k, lang)) is not None:
            end = n[1]
            rest = [x for x in ws[end:i] if x not in lang.joiners and x not in lang.articles and x not in lang.fillers]
            if not rest:  # "two hours", "two working days", "a couple a hours"
                return n[0] + extra
            if (all(x in lang.ranges or number([x], 0, lang) for x in rest)
                    and (m := number(ws, end + (ws[end] in lang.ranges), lang)) and n[0] < m[0] <= 3 * n[0]):
                return n[0]  # "in 10 to 15 minutes", "in one or two hours", "za dva-tri dana": the first, as "between ten and twelve" (not "bir yirmi dakika": about twenty)
            if len(rest) == 1 and rest[0] in lang.half:  # "two and a half hours", "bir buçuk saat"
                return n[0] + 0.5
            if len(rest) == 1 and rest[0] in lang.quarter:  # "three quarters of an hour", "tri četvrt sata"
                return n[0] * 0.25
    if any(x in lang.half for x in before):  # "half an hour", "yarım saat", "pola sata"
        return 0.5
    if any(x in lang.quarter for x in ws[max(0, i - 3) : i]):
        return 0.25  # "a quarter of an hour", "ربع ساعه"
    if before and before[-1] in lang.third:
        return 1 / 3  # "ثلث ساعه": twenty minutes
    if before and before[-1] in lang.articles:  # "in an hour", "in an hour and a half"
        return 1 + extra
    one = ws[i] in lang.one_units or lang.units[ws[i]] == "hours"
    if i - 1 in near:  # right after "in", "через", "za", "بعد"
        if (n := number(ws, i + 1, lang)) is not None and not (n[1] < len(ws) and ws[n[1]] in lang.units):
            return n[0]  # "через минут десять": about ten minutes
        if one:
            return 1 + extra  # "через час", "بعد ساعه", "za sat", "через минуту"
    if i + 1 in near:
        if (n := number(ws, i + 2, lang)) is not None:
            return n[0]  # "минут через тридцать"
        if one:
            return 1  # "saat içinde": within the hour
    if lang.units[ws[i]] == "hours" and any(0 < i - r <= 3 for r in near):
        return 1  # "within the hour"
    return None
