"""A clock time and a number as said in a promise's words ("half past two", "без пяти три",
"üçe çeyrek kala", "اربعه الا ربع", "u pola tri"), from words ``rules/time_words.py`` has
mended; ``rules/due.py`` reads the rest of a promised time (the day, the part, a delay)."""

from __future__ import annotations

from voiceassist.rules.time_words import Language, decimal

__all__ = ["clock", "number"]


def number(ws: list[str], i: int, lang: Language) -> tuple[int, int] | None:
    """The number said from word ``i`` on (words summed: "twenty five", "on bir"; Arabic teens
    "الحاديه عشر"), and the index after it."""
    total, j = 0, i
    while j < len(ws):
        w = ws[j]
        value = int(w) if w.isdigit() else lang.numbers.get(w, decimal(w))
        if value is None or total and not (total % 10 == 0 and value < 10):  # "twenty five", "on bir"; not "пятнадцати одиннадцать"
            break
        total += value
        j += 1
        if 1 <= total <= 9 and j < len(ws) and ws[j] in lang.teens:
            total += 10
            j += 1
        if (lang.units_before_tens and 1 <= total <= 9 and j + 1 < len(ws) and ws[j] in lang.joiners
                and (tens := lang.numbers.get(ws[j + 1], 0)) >= 20 and tens % 10 == 0):
            return int(total + tens), j + 2  # "اربعه وعشرين", "خمسه وعشرين دقيقه"
    return (total, j) if j > i else None


def _said_at(ws: list[str], i: int, lang: Language) -> bool:
    """Whether the number said from word ``i`` carries "at" itself: Turkish "on birde",
    "iki buçukta"."""
    if not lang.at_suffixes or (n := number(ws, i, lang)) is None:
        return False
    last, after = ws[n[1] - 1], ws[n[1]] if n[1] < len(ws) else ""
    return last.endswith(lang.at_suffixes) or (after in lang.half and after.endswith(lang.at_suffixes))


def _marked(ws: list[str], i: int, lang: Language) -> bool:
    """Whether the number from word ``i`` is an hour by what follows it: "three o'clock",
    "üç gibi", "تلاته العصر", "tri popodne", "три часа дня", "ten past three"."""
    if (n := number(ws, i, lang)) is None or i and (ws[i - 1] in lang.relative or ws[i - 1] in lang.articles):
        return False
    after = ws[n[1] : n[1] + 3]
    if any(x in lang.clock_after for x in after):  # "üç gibi", "dördü çeyrek geçe"
        return True
    if after and after[0] in lang.units and lang.units[after[0]] == "hours":
        after = after[1:]  # "три часа дня"
    if after[:1] and (after[0] in lang.half or after[0] in lang.quarter):  # "اربعه ونص", not "two and a half hours"
        return not (len(after) > 1 and after[1] in lang.units)
    return bool(after) and (after[0] in lang.pm or after[0] in lang.am or after[0] in lang.parts
                            or after[0] in lang.past or after[0] in lang.to)


def clock(ws: list[str], lang: Language, part: str | None) -> tuple[int, int] | None:
    """A clock time: after a clock word ("at", "saat", "в", "u", "الساعه"), in digits, or an
    hour marked by "o'clock", "pm", "past", a part of the day, a Turkish "at" ending."""
    for i, w in enumerate(ws):
        if w in lang.clock:
            start = i + 1
            while start < len(ws) and ws[start] in lang.clock:  # "at around three", "в районе трех"
                start += 1
        elif w.isdigit() and _bare_hour(ws, i, lang) or _said_at(ws, i, lang) or _marked(ws, i, lang):
            start = i
        elif w in lang.half or w in lang.quarter or w in lang.to_first or w in lang.named_hours:  # "half past two", "noon tomorrow"
            start = i
        else:
            continue
        if (said := _time_at(ws, start, lang, between=w in lang.between)) is None:
            continue
        if (said[1] == 0 and said[2] < len(ws) and (unit := ws[said[2]]) in lang.units and lang.units[unit] != "hours"
                and unit not in lang.pm and unit not in lang.parts):
            continue  # "after 20 minutes" is a delay, no hour (but "в час дня" is 13:00)
        hour, minute, end = said
        if not 1 <= hour <= 24 or not 0 <= minute < 60 or hour != int(hour):
            continue
        marks = ws[end : end + 3]
        pm = any(x in lang.pm for x in marks) or part in ("afternoon", "evening")
        am = any(x in lang.am for x in marks) or part == "morning"
        if hour < 12 and (pm or hour <= 7 and not am):
            hour += 12
        return int(hour) % 24, int(minute)
    return None


def _bare_hour(ws: list[str], i: int, lang: Language) -> bool:
    """Whether digits said with no "at" are an hour: at the end, before a time word or after a
    day ("tomorrow 3", "3 30", "friday 2 pm", "sutra 15 sati"); not "15 минут", "3 days", nor
    "your 2 parcels"."""
    after = ws[i + 1] if i + 1 < len(ws) else ""
    before = ws[i - 1] if i else ""
    day = before in lang.days or before in lang.parts or before in lang.tonight
    if after in lang.units:  # but "sutra 15 sati": o'clock
        return day and lang.units[after] == "hours"
    return not after or after.isdigit() or after in lang.vocabulary or day


def _before(hour: int) -> int:
    """The hour before: "quarter to one" is 12:45."""
    return 12 if hour == 1 else hour - 1


def _time_at(ws: list[str], s: int, lang: Language, between: bool = False) -> tuple[int, int, int] | None:
    """(hour, minute, index after) of a clock time said from word ``s``, as said (before the
    afternoon rule)."""
    n = len(ws)
    if s >= n:
        return None
    if ws[s] in lang.to_first:  # "без пяти три", "без четверти три"
        m = (15, s + 2) if s + 1 < n and ws[s + 1] in lang.quarter else number(ws, s + 1, lang)
        if m and (h := number(ws, m[1], lang)):
            return _before(h[0]), 60 - m[0], h[1]
        return None
    # Minutes first: "half past two", "quarter to four", "ten past three", "half three",
    # "u pola tri", "в половине третьего", "четверть третьего".
    if ws[s] in lang.half or ws[s] in lang.quarter:
        m = 30 if ws[s] in lang.half else 15
        k = s + 1
    elif (m_ := number(ws, s, lang)) and m_[0] % 5 == 0 and m_[1] < n and (ws[m_[1]] in lang.past or ws[m_[1]] in lang.to and not between):
        # (but "od devet do deset", "from nine to ten", "two to three" are a span: its first hour)
        m, k = m_
    else:
        m = None
    if m is not None:
        if k < n and ws[k] in lang.past and (h := number(ws, k + 1, lang)):
            return h[0], m, h[1]
        if k < n and ws[k] in lang.to and (h := number(ws, k + 1, lang)):
            return _before(h[0]), 60 - m, h[1]
        if k < n and ws[k] in lang.joiners:
            k += 1
        if (h := number(ws, k, lang)) is None or h[1] == k:
            return None
        if ws[s] in lang.half:
            return (_before(h[0]) if lang.half_to_next else h[0]), 30, h[1]
        if ws[s] in lang.quarter and lang.half_to_next:
            return _before(h[0]), 15, h[1]
        return None
    if (h := number(ws, s, lang)) is None:
        return None
    hour, j = h
    if j < n and ws[j] in lang.units and lang.units[ws[j]] == "hours" and ws[j] not in lang.numbers:
        j += 1  # "в десять часов тридцать минут", "u tri sata"
    if j + 1 < n and ws[j] in lang.joiners and number(ws, j + 1, lang):
        if between:  # "between ten and twelve": the first hour
            return hour, 0, j
        j += 1
    if j < n and ws[j] in lang.less and (m := number(ws, j + 1, lang) or (
            (15, j + 2) if j + 1 < n and ws[j + 1] in lang.quarter else
            (20, j + 2) if j + 1 < n and ws[j + 1] in lang.third else None)):
        return _before(hour), 60 - m[0], m[1]  # "اربعه الا ربع", "اربعه الا تلت"
    minute, end = 0, j
    if j < n and ws[j] not in lang.named_hours and (m := number(ws, j, lang)) and m[0] < 60 and not (m[1] < n and ws[m[1]] in lang.units
                                                                    and lang.units[ws[m[1]]] != "minutes"):
        minute, end = m  # "3 30", "eleven thirty", "в пятнадцать тридцать"
    elif any(x in lang.half for x in ws[j : j + 2]):
        minute, end = 30, j + 1 + (ws[j] not in lang.half)
    elif any(x in lang.quarter for x in ws[j : j + 2]):
        minute, end = 15, j + 1 + (ws[j] not in lang.quarter)
    elif any(x in lang.third for x in ws[j : j + 2]):
        minute, end = 20, j + 1 + (ws[j] not in lang.third)
    if minute and end < n and ws[end] in lang.to_after:  # "üçe çeyrek kala", "dörde on var"
        return _before(hour), 60 - minute, end + 1
    return hour, minute, end
