"""Promised call-back times: read from what the agent said, resolved against the call's start."""

import datetime as dt

import pytest

from voiceassist.rules.due import parse

# Monday 23 November 2026, 10:00, and the promise said 60 s into the call.
START = dt.datetime(2026, 11, 23, 10, 0)


@pytest.mark.parametrize(
    "language, text, said, at",
    [
        ("en", "I'll call you back tomorrow at three", "tomorrow 15:00", "2026-11-24T15:00:00"),
        ("en", "I will call you back at 3 p.m. tomorrow.", "tomorrow 15:00", "2026-11-24T15:00:00"),  # Whisper's digits
        ("en", "I'll call you back tomorrow at 3pm to confirm.", "tomorrow 15:00", "2026-11-24T15:00:00"),
        ("en", "We'll call you at 9:30 on Friday.", "friday 09:30", "2026-11-27T09:30:00"),
        ("en", "I'll call you on Monday", "monday", "2026-11-30"),  # said on a Monday: the next one
        ("en", "I'll call you back in 20 minutes", "in 20 minutes", "2026-11-23T10:21:00"),
        ("en", "I'll ring you back at half past two", "today 14:30", "2026-11-23T14:30:00"),
        ("en", "I'll call you back at eight", "today 08:00", "2026-11-24T08:00:00"),  # past already: tomorrow's
        ("en", "I'll call you later", "vague", None),
        ("en", "I'll call you at a time that suits you", "vague", None),
        ("tr", "yarın saat üçte sizi ararım", "tomorrow 15:00", "2026-11-24T15:00:00"),
        ("tr", "yarın on bir buçukta ararım", "tomorrow 11:30", "2026-11-24T11:30:00"),
        ("tr", "yarım saat içinde dönüş yapacağım", "in 30 minutes", "2026-11-23T10:31:00"),
        ("ru", "перезвоню завтра в три", "tomorrow 15:00", "2026-11-24T15:00:00"),
        ("ru", "я наберу вас в половине третьего", "today 14:30", "2026-11-23T14:30:00"),
        ("ru", "перезвоню минут через тридцать", "in 30 minutes", "2026-11-23T10:31:00"),
        ("hr", "nazvat ću vas sutra u tri", "tomorrow 15:00", "2026-11-24T15:00:00"),
        ("hr", "sutra u 15 sati", "tomorrow 15:00", "2026-11-24T15:00:00"),  # dateparser: the 25th at 01:00
        ("hr", "nazvat ću vas u pola tri", "today 14:30", "2026-11-23T14:30:00"),
        ("ar", "سأتصل بك غدًا الساعة الثالثة", "tomorrow 15:00", "2026-11-24T15:00:00"),
        ("ar", "بتصل عليك بعد ربع ساعه", "in 15 minutes", "2026-11-23T10:16:00"),
        ("ar", "الليله الساعه سته بتصل عليك", "today 18:00", "2026-11-23T18:00:00"),
    ],
)
def test_promised_times_are_read_and_resolved(language, text, said, at):
    due = parse(text, language)
    assert due.said() == said
    assert due.at(START, 60.0) == at


@pytest.mark.parametrize(
    "language, text, said",
    [
        ("en", "I'll call you back on 555 12 34 tomorrow at three", "tomorrow 15:00"),
        ("en", "I'll call you back tomorrow at 3 pm on +44 20 7946 0958", "tomorrow 15:00"),
        ("tr", "yarın saat üçte +90 532 123 45 67 numarasından sizi arayacağım", "tomorrow 15:00"),
        ("ru", "перезвоню завтра в три на номер 8 916 123-45-67", "tomorrow 15:00"),
        ("hr", "nazvat ću vas sutra u tri na 091 234 5678", "tomorrow 15:00"),
        ("ar", "سأتصل بك غدًا الساعة الثالثة على ٠٥٠ ١٢٣ ٤٥٦٧", "tomorrow 15:00"),
        ("en", "I'll call you back on 555 12 34", "vague"),  # a number alone is no time
    ],
)
def test_a_phone_number_in_a_promise_is_not_its_time(language, text, said):
    assert parse(text, language).said() == said
