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


# What a recogniser does to the words of a time: split ("to morrow", "по ловине", "buçuk ta",
# "ال خميس", "su tra"), merged ("كمانساعتين", "полтретьего", "dörtbuçukta"), misheard ("two
# ours", "half passed four") or misspelt ("wensday", "четверк"). Each is read as the time meant.
@pytest.mark.parametrize(
    "language, text, said",
    [
        ("en", "i'll call you back to morrow", "tomorrow"),
        ("en", "i'll call you back this after noon", "today afternoon"),
        ("en", "i'll ring you back in two ours", "in 2 hours"),
        ("en", "i'll call you in an our", "in 1 hour"),
        ("en", "i'll phone you back at half passed four", "today 16:30"),
        ("en", "we'll call you on wensday at ten", "wednesday 10:00"),
        ("en", "i'll call you tomorow mourning", "tomorrow morning"),
        ("en", "i'll call you back in too hours", "in 2 hours"),
        ("en", "i'll call you back in too ours", "in 2 hours"),
        ("en", "i'll call you at for o'clock", "today 16:00"),
        ("en", "i'll call you at for thirty", "today 16:30"),
        ("en", "sorry you waited for two weeks i'll call you back in an hour", "in 1 hour"),  # "for" stays
        ("tr", "dört buçuk ta sizi arıyorum", "today 16:30"),
        ("tr", "dörtbuçukta sizi arıyorum", "today 16:30"),
        ("tr", "ya rın saat üçte ararım", "tomorrow 15:00"),
        ("tr", "yarin sabah sizi ariyacagim", "tomorrow morning"),
        ("ru", "перезвоню в по ловине пятого", "today 16:30"),
        ("ru", "перезвоню в полтретьего", "today 14:30"),
        ("ru", "перезвоню за втра в три", "tomorrow 15:00"),
        ("ru", "позвоню в четверк", "thursday"),
        ("ru", "перезвоню через пол часа", "in 30 minutes"),
        ("ru", "позвоню в пятница утром", "friday morning"),
        ("ar", "هتصل بحضرتك كمانساعتين", "in 2 hours"),
        ("ar", "بتصل عليك ال خميس الصبح", "thursday morning"),
        ("ar", "بتصل فيك عالساعه تلاته", "today 15:00"),
        ("ar", "بتصل عليك بعد ساعتيين", "in 2 hours"),
        ("ar", "بتصل عليكبكرا الصبح", "tomorrow morning"),  # a time word run into its neighbour
        ("ar", "رح اتصل عليك الاثنينالجاي", "monday"),
        ("ar", "بتصل عليك بعدين", "vague"),  # "بعدين" (later) is no "بعد" (in)
        ("ar", "بتصل علیک یوم الخمیس", "thursday"),  # Persian ی and ک, as a multilingual recogniser writes them
        ("hr", "nazvat ću vas su tra u tri", "tomorrow 15:00"),
        ("hr", "nazvat cu vas u cetvrtak", "thursday"),
        ("hr", "nazvat ću vas po podne", "today afternoon"),
        ("hr", "nazvat ću vas u u tor ak", "tuesday"),
        ("hr", "nazvat ću vas za petnest minuta", "in 15 minutes"),  # spoken numbers lose a vowel
        ("hr", "nazvat ću vas danas oko četri", "today 16:00"),
    ],
)
def test_recognition_errors_in_a_time_are_mended(language, text, said):
    assert parse(text, language).said() == said


# Every weekday, in the forms each language says it in (cases, suffixes, with and without "on").
@pytest.mark.parametrize(
    "language, texts",
    [
        ("en", ["on monday", "tuesday", "on wednesday", "thursday", "friday", "on saturday", "sunday"]),
        ("tr", ["pazartesi günü", "salıya", "çarşamba sabahı", "perşembe", "cumaya kadar", "cumartesi", "pazar günü"]),
        ("ru", ["в понедельник", "до вторника", "в среду", "к четвергу", "в пятницу", "в субботу", "в воскресенье"]),
        ("ar", ["يوم الاتنين", "الثلاثاء", "يوم الاربعاء", "الخميس", "يوم الجمعه", "السبت", "يوم الاحد"]),
        ("hr", ["u ponedjeljak", "do utorka", "u srijedu", "u četvrtak", "u petak", "u subotu", "u nedjelju"]),
    ],
)
def test_every_weekday_is_read(language, texts):
    weekdays = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    assert [parse(t, language).day for t in texts] == weekdays


@pytest.mark.parametrize(
    "language, text, said",
    [
        # parts of the day, and "in the morning" said during the day is tomorrow's
        ("en", "i'll call you in the morning", "tomorrow morning"),
        ("en", "we'll call you after lunch", "today afternoon"),
        ("en", "i'll call you tonight", "today evening"),
        ("en", "i'll call you tonight at eight", "today 20:00"),
        ("en", "i'll call you tomorrow morning at 7", "tomorrow 07:00"),
        ("en", "i'll call you at 7 a.m.", "today 07:00"),
        ("en", "i'll call you at three in the afternoon", "today 15:00"),
        ("en", "good morning i'll call you back later", "vague"),
        ("tr", "çarşamba sabahı sizi arayacağım", "wednesday morning"),
        ("tr", "sabah yedide ararım", "today 07:00"),
        ("tr", "bu akşam ararım", "today evening"),
        ("tr", "günaydın sizi sonra ararım", "vague"),
        ("tr", "iyi akşamlar sizi sonra ararım", "vague"),
        ("ru", "перезвоню во второй половине дня", "today afternoon"),
        ("ru", "позвоню завтра до обеда", "tomorrow morning"),
        ("ru", "позвоню в семь утра", "today 07:00"),
        ("ru", "позвоню в три часа дня", "today 15:00"),
        ("ru", "добрый день я вам перезвоню", "vague"),
        ("ru", "добрый вечер перезвоню позже", "vague"),
        ("ar", "بتصل عليك بكره قبل الظهر", "tomorrow morning"),
        ("ar", "بتصل عليك الساعه سبعه الصبح", "today 07:00"),
        ("ar", "بتصل عليك تلاته العصر", "today 15:00"),
        ("ar", "صباح الخير راح اتصل عليك بعدين", "vague"),
        ("hr", "nazvat ću vas sutra prije podne", "tomorrow morning"),
        ("hr", "javit ću vam se sutra do podne", "tomorrow morning"),
        ("hr", "nazvat ćemo vas sutra tijekom popodneva", "tomorrow afternoon"),
        ("ru", "перезвоним завтра в утренние часы", "tomorrow morning"),
        ("ar", "بنتصل عليك بكره في الفتره المسائيه", "tomorrow evening"),
        ("en", "i'll call you tomorrow night", "tomorrow evening"),
        ("hr", "nazvat ću vas u tri popodne", "today 15:00"),
        ("hr", "nazvat ću vas u sedam ujutro", "today 07:00"),
        ("hr", "dobar dan nazvat ću vas kasnije", "vague"),
        # "by the end of the day" in its many words
        ("en", "i'll get back to you by close of play", "today"),
        ("tr", "gün bitmeden sizi arayacağım", "today"),
        ("tr", "mesai bitiminden önce dönerim", "today"),
        ("ru", "перезвоню до конца рабочего дня", "today"),
        ("ar", "بتصل عليك قبل ما يخلص الدوام", "today"),
        ("hr", "javit ću se do kraja radnog dana", "today"),
        # the day after tomorrow
        ("en", "i'll call you the day after tomorrow", "in 2 days"),
        ("tr", "yarından sonra ararım", "in 2 days"),
        ("ru", "перезвоню послезавтра", "in 2 days"),
        ("ar", "بتصل عليك بعد بكره", "in 2 days"),
        ("hr", "nazvat ću vas prekosutra", "in 2 days"),
    ],
)
def test_parts_of_the_day_and_days_in_words(language, text, said):
    assert parse(text, language).said() == said


@pytest.mark.parametrize(
    "language, text, said",
    [
        ("en", "i'll call you back in a couple of days once i hear from them", "in 2 days"),
        ("en", "i'll call you back in half an hour", "in 30 minutes"),
        ("en", "i'll call you back in an hour and a half", "in 90 minutes"),
        ("en", "i'll call you back within 24 hours", "in 24 hours"),
        ("en", "i'll call you back in the next hour", "in 1 hour"),
        ("en", "i'll ring you twenty minutes from now", "in 20 minutes"),
        ("en", "i'll call you in a week", "in 7 days"),
        ("en", "i'll call you back in ninety minutes", "in 90 minutes"),
        ("en", "give me ten minutes and i'll call you back", "in 10 minutes"),
        ("en", "i'll call you back in five", "in 5 minutes"),
        ("en", "i'll call you back in a couple a hours", "in 2 hours"),
        ("en", "i'll call you back in a few minutes", "vague"),
        ("tr", "bir buçuk saat içinde ararım", "in 90 minutes"),
        ("tr", "on dakikaya dönüyorum", "in 10 minutes"),
        ("tr", "yarım saate kadar ararım", "in 30 minutes"),
        ("tr", "iki güne kadar size dönerim", "in 2 days"),
        ("ru", "через пару дней как узнаю перезвоню", "in 2 days"),
        ("ru", "перезвоню через полтора часа", "in 90 minutes"),
        ("ru", "перезвоню через минут десять", "in 10 minutes"),
        ("ru", "перезвоню через минуту", "in 1 minute"),
        ("ru", "перезвоню в течение часа", "in 1 hour"),
        ("ru", "перезвоню через неделю", "in 7 days"),
        ("ar", "بتصل عليك بعد دقيقتين", "in 2 minutes"),
        ("ar", "بتصل عليك خلال ٢٤ ساعه", "in 24 hours"),
        ("ar", "بتصل عليك بعد يوم", "in 1 day"),
        ("ar", "بتصل عليك عقب ساعه", "in 1 hour"),
        ("ar", "بتصل عليك بعد شوي", "vague"),
        ("ar", "بتصل عليك بعد تلت ساعه", "in 20 minutes"),
        ("hr", "nazvat ću vas za sat i pol", "in 90 minutes"),
        ("hr", "nazvat ću vas za par dana", "in 2 days"),
        ("hr", "javit ću se za desetak minuta", "in 10 minutes"),
        ("hr", "nazvat ću vas kroz tjedan dana", "in 7 days"),
    ],
)
def test_delays(language, text, said):
    assert parse(text, language).said() == said


# Clock times in digits as Whisper writes them, and minutes said before or after the hour.
@pytest.mark.parametrize(
    "language, text, said",
    [
        ("en", "i'll call you at 3pm", "today 15:00"),
        ("en", "i'll call you at 14:30", "today 14:30"),
        ("en", "i'll call you at 3.30", "today 15:30"),
        ("en", "i'll call you at 10am tomorrow", "tomorrow 10:00"),
        ("en", "i'll call you at ten past three", "today 15:10"),
        ("en", "i'll call you at quarter to four", "today 15:45"),
        ("en", "i'll call you at half four", "today 16:30"),
        ("en", "i'll call you at three twenty", "today 15:20"),
        ("en", "i'll call you at noon tomorrow", "tomorrow 12:00"),
        ("en", "i'll call you at around 3", "today 15:00"),
        ("en", "i'll call you at eleven oh five", "today 11:05"),
        ("en", "i'll call you back in 1.5 hours", "in 90 minutes"),  # one decimal: a count, not 1:05
        ("ru", "перезвоню через 1,5 часа", "in 90 minutes"),
        ("tr", "1,5 saat içinde ararım", "in 90 minutes"),
        ("hr", "nazvat ću vas za 1,5 sat", "in 90 minutes"),
        ("tr", "yarın 15.30'da ararım", "tomorrow 15:30"),
        ("tr", "saat 3'te ararım", "today 15:00"),
        ("tr", "yarın üç gibi ararım", "tomorrow 15:00"),
        ("tr", "saat dördü çeyrek geçe ararım", "today 16:15"),
        ("tr", "saat üçe kadar ararım", "today 15:00"),
        ("ru", "перезвоню в 14:30", "today 14:30"),
        ("ru", "перезвоню в пятнадцать тридцать", "today 15:30"),
        ("ru", "перезвоню без четверти три", "today 14:45"),
        ("ru", "перезвоню без пяти три", "today 14:55"),
        ("ru", "перезвоню к трем часам", "today 15:00"),
        ("ru", "перезвоню в десять часов тридцать минут", "today 10:30"),
        ("ru", "перезвоню чеез 15 минут", "vague"),  # "через" lost: 15 minutes, but never 15:00
        ("ar", "بتصل عليك الساعه ٣", "today 15:00"),
        ("ar", "بتصل عليك الساعه ٢:٣٠", "today 14:30"),
        ("ar", "بتصل عليك الساعه الحاديه عشر", "today 11:00"),
        ("ar", "بتصل عليك الساعه اربعه الا ربع", "today 15:45"),
        ("ar", "بتصل عليك الساعه تلاته وعشره", "today 15:10"),
        ("ar", "بتصل فيك اربعه ونص", "today 16:30"),
        ("ar", "بتصل عليك الساعه اربعه الا تلت", "today 15:40"),
        ("ar", "بتصل عليك الساعه اربعه وتلت", "today 16:20"),
        ("hr", "nazvat ću vas u 14:30", "today 14:30"),
        ("hr", "nazvat ću vas u tri i pol", "today 15:30"),
        ("hr", "nazvat ću vas u četvrt do tri", "today 14:45"),
        ("hr", "nazvat ću vas u deset i petnaest", "today 10:15"),
        ("hr", "nazvat ću vas u podne", "today 12:00"),
        ("hr", "nazvat ću vas sutra u dvanajst", "tomorrow 12:00"),  # the spoken form of dvanaest
    ],
)
def test_clock_times(language, text, said):
    assert parse(text, language).said() == said


# A phone, order or ticket number in digits is never a time, however it is grouped.
@pytest.mark.parametrize(
    "language, text, said",
    [
        ("en", "I'll call you back on 07700 900123 tomorrow at ten", "tomorrow 10:00"),
        ("en", "I'll call you back about order 12 tomorrow", "tomorrow"),
        ("en", "I'll call you back about order number 4521", "vague"),
        ("en", "I'll call you back on 12/05", "vague"),  # a date
        ("en", "I'll call you back on the 5th at 3", "today 15:00"),
        ("tr", "12 numaralı siparişiniz için yarın ararım", "tomorrow"),
        ("tr", "sipariş 45 için sizi yarın saat onda ararım", "tomorrow 10:00"),
        ("ru", "по заказу номер 15 перезвоню завтра", "tomorrow"),
        ("ru", "перезвоню на 89161234567 завтра в десять", "tomorrow 10:00"),
        ("ar", "بخصوص الطلب رقم 12 بتصل عليك بكره", "tomorrow"),
        ("hr", "za narudžbu broj 12 nazvat ću vas sutra", "tomorrow"),
        ("hr", "nazvat ću vas na 0912345678 sutra u deset", "tomorrow 10:00"),
    ],
)
def test_identifiers_are_not_times(language, text, said):
    assert parse(text, language).said() == said


# Everyday words a letter away from a time word stay what they are.
@pytest.mark.parametrize(
    "language, text",
    [
        ("en", "i'll call you back i think"),
        ("en", "i'm on the phone to the courier now i'll call you back"),
        ("en", "i'm in charge of it for our team i'll call you back"),
        ("en", "sorry you were on hold for hours i'll call you back"),
        ("tr", "kargoya verilmiş ama teslim almış değilim sizi ararım"),
        ("ru", "я вчера звонил перезвоню"),
        ("ar", "بتصل عليك بخصوص السياسه بعد ما اتاكد"),
        ("hr", "nazvat ću vas idući put"),
    ],
)
def test_near_misses_are_not_mended_into_times(language, text):
    assert parse(text, language).said() == "vague"


def test_a_times_table_with_an_unknown_key_names_the_valid_ones(tmp_path, monkeypatch):
    from voiceassist.errors import ConfigError
    from voiceassist.rules import time_words

    (tmp_path / "xx.toml").write_text('numbers = {one = 1}\nhalfs = ["half"]\n', encoding="utf-8")
    monkeypatch.setattr(time_words, "_TIMES_DIR", tmp_path)
    time_words.language.cache_clear()
    try:
        with pytest.raises(ConfigError, match=r"unknown key 'halfs': must be one of .*\bhalf\b"):
            time_words.language("xx")
    finally:
        time_words.language.cache_clear()


@pytest.mark.parametrize(
    "language, text, said",
    [
        ("en", "I'll call you tomorrow, no wait, Friday at ten", "friday 10:00"),
        ("en", "I'll call you back tomorrow at three, I mean at four", "tomorrow 16:00"),
        ("en", "I'll call you Monday morning, sorry I mean Tuesday", "tuesday morning"),
        ("en", "I'll call you tomorrow no sorry in two hours", "in 2 hours"),
        ("en", "no no I'll call you back tomorrow at three", "tomorrow 15:00"),  # nothing corrected
        ("hr", "nazvat ću vas prekosutra ne nego u srijedu u dva", "wednesday 14:00"),
        ("hr", "nazvat ću vas prekosutra ujutro ne sutra nego u četvrtak", "thursday morning"),
        ("ru", "перезвоню завтра в три, нет, в пять", "tomorrow 17:00"),
        ("ru", "перезвоню завтра в три нет четыре", "tomorrow 16:00"),  # the corrected hour alone
        ("en", "i'll call you back tomorrow at three actually make it four", "tomorrow 16:00"),
        ("en", "i'll call you tomorrow actually friday", "friday"),
        ("tr", "yarın ararım yok yok cuma günü ararım", "friday"),
        ("ar", "بكلمك بكره لا بعد ساعتين", "in 2 hours"),
    ],
)
def test_a_time_corrected_as_it_is_said(language, text, said):
    assert parse(text, language).said() == said


@pytest.mark.parametrize(
    "text, word, said",
    [
        ("They said Monday. I'll call you back tomorrow.", 5, "tomorrow"),  # the promise's sentence wins
        ("They said Monday. I'll call you back in two hours.", 5, "in 2 hours"),
        ("They said Monday. I'll call you back.", 5, "monday"),  # it names none: the others
        ("I will call you back. Tomorrow at three.", 2, "tomorrow 15:00"),
        ("I'll call you tomorrow. At three, if that works.", 2, "tomorrow 15:00"),  # its day completed
        ("I'll call you tomorrow. On Friday it's closed.", 2, "tomorrow"),
        ("We spoke on Monday. I'll call you back in 1.5 hours.", 6, "in 90 minutes"),  # a decimal point is no sentence end
        ("I'll call you back at 3.30. Thanks for waiting since Monday.", 2, "today 15:30"),
    ],
)
def test_the_sentence_of_the_promise_comes_first(text, word, said):
    assert parse(text, "en", word=word).said() == said


@pytest.mark.parametrize(
    "language, text, said",
    [
        ("en", "i'll call you back in an hour an a half", "in 90 minutes"),  # "and" heard as "an"
        ("en", "i'll call you back at quater past two", "today 14:15"),
        ("en", "i'll call you back at a quarter after two", "today 14:15"),
        ("en", "i'll call you back ten after three", "today 15:10"),
        ("en", "i'll call you back 2morrow", "tomorrow"),  # not two o'clock
        ("en", "i'll call you back twelve noon tomorrow", "tomorrow 12:00"),
        ("en", "i'll call you back noon tomorrow", "tomorrow 12:00"),
        ("en", "i'll call you back in a fortnight", "in 14 days"),
        ("en", "i'll call you back a week from today", "in 7 days"),
        ("en", "i'll call you back by the end of the week", "friday"),
        ("en", "i'll call you back from nine to ten", "today 09:00"),  # a span: its first hour, not 9:50
        ("en", "i'll call you back in three quarters of an hour", "in 45 minutes"),
        ("hr", "nazovem vas sutra od devet do deset", "tomorrow 09:00"),
        ("hr", "nazovem vas sutra izmedju dva i tri", "tomorrow 14:00"),  # đ written dj
        ("hr", "nazvat ću vas za sat ipo", "in 90 minutes"),
        ("hr", "nazovem vas za tri četvrt sata", "in 45 minutes"),
        ("en", "i'll call you back in an hour and fifteen minutes", "in 75 minutes"),  # a smaller unit added
        ("en", "i'll call you back in an hour and a quarter", "in 75 minutes"),
        ("ru", "перезвоню через час пятнадцать минут", "in 75 minutes"),  # not "через минут десять": 15 hours
        ("ru", "перезвоню через час и десять минут", "in 70 minutes"),
        ("hr", "nazvat ću vas za sat i petnaest minuta", "in 75 minutes"),
        ("ar", "بكلمك بعد ساعه وربع", "in 75 minutes"),
        ("hr", "nazvat ću vas unutar sat vremena", "in 1 hour"),
        ("hr", "nazvat ću vas sutra prije podneva", "tomorrow morning"),
        ("hr", "nazvat ću vas do kraja tjedna", "friday"),
        ("en", "i'll call you back before lunch", "today morning"),  # said in working hours: this morning
        ("en", "i'll call you back tomorrow before lunch", "tomorrow morning"),
        ("hr", "nazvat ću vas prije ručka", "today morning"),
        ("hr", "nazvat ću vas za 5 min", "in 5 minutes"),  # not five o'clock
        ("hr", "nazvat ću vas za 10-ak minuta", "in 10 minutes"),
        ("hr", "nazvat ću vas sutra poslije podneva", "tomorrow afternoon"),
        ("hr", "nazvat ću vas u sridu", "wednesday"),  # ikavian
        ("ru", "перезвоню через 5 мин", "in 5 minutes"),
        ("en", "i'll call you back fry day morning", "friday morning"),  # a weekday heard as two words
        ("en", "i'll call you back thirst day at two", "thursday 14:00"),
        ("en", "i'll call you back for o'clock", "today 16:00"),
        ("en", "i'll call you back in twenny minutes", "in 20 minutes"),
        ("en", "i'll call you back at 930 tomorrow", "tomorrow 09:30"),  # hour and minutes in one group
        ("en", "i'll call you back at 1400", "today 14:00"),
        ("en", "i'll call you back at 0800 123 456", "vague"),  # a phone number
        ("hr", "nazvat ću vas sutra utri", "tomorrow 15:00"),  # a one-letter "at" run onto the hour
        ("hr", "nazvat ću vas sutra upola tri", "tomorrow 14:30"),
        ("ru", "перезвоню завтра втри", "tomorrow 15:00"),
        ("en", "i'll call you back tomorrow about your 2 parcels", "tomorrow"),  # a count, no hour
        ("en", "i'll call you tomorrow 3 if that works", "tomorrow 15:00"),
        ("hr", "nazvat ću vas sutra 15 sati", "tomorrow 15:00"),
        ("en", "i'll call you back thisafternoon", "today afternoon"),  # run together
        ("en", "i'll call you back in halfan hour", "in 30 minutes"),
        ("en", "i'll call you back in anhour", "in 1 hour"),
        ("en", "i'll call you back in acouple of hours", "in 2 hours"),
        ("en", "i'll call you back after two hours", "in 2 hours"),  # "after" a unit: a delay
        ("en", "i'll call you back after 20 minutes", "in 20 minutes"),
        ("en", "i'll call you back after five", "today 17:00"),  # "after" an hour: an hour, not "in five"
        ("en", "i'll call you back at half pas two", "today 14:30"),
        ("en", "i'll call you back in 120 minutes", "in 120 minutes"),  # three digits before a unit: a count, no identifier
        ("en", "i'll call you back wed at 2", "wednesday 14:00"),
        ("ar", "بكلمك بكره عالتلاته", "tomorrow 15:00"),  # an hour with the article after "ع"
        ("ar", "بكلمك على الخمسه", "today 17:00"),
        ("ar", "هكلمك يوم الحد", "sunday"),
        ("en", "about your order from last monday i'll call you back tomorrow", "tomorrow"),  # a day gone is no promise
        ("en", "you've been waiting since friday i'll call you back later", "vague"),
        ("hr", "narudžba od prošlog petka nazvat ću vas sutra", "tomorrow"),
        ("ru", "по заказу с прошлой пятницы перезвоню завтра", "tomorrow"),
        ("tr", "geçen cuma verdiğiniz sipariş için yarın ararım", "tomorrow"),
        ("ar", "بخصوص طلب الخميس الماضي بكلمك بكره", "tomorrow"),
        ("en", "i'll call you back at quarter two four", "today 15:45"),  # "to" heard as "two"
        ("en", "i'll call you back at ten too three", "today 14:50"),
        ("en", "i'll call you back in twenty two minutes", "in 22 minutes"),
        ("en", "i'll call you back firday", "friday"),  # two letters swapped
        ("en", "i'll call you back in an huor", "in 1 hour"),
        ("en", "i'll call you back in ten mintues", "in 10 minutes"),  # not "min" "tues"
        ("en", "i'll call you back munday", "monday"),
        ("en", "i'll call you back at have past two", "today 14:30"),
        ("en", "i'll call you back in 10 to 15 minutes", "in 10 minutes"),  # a span of counts: the first, as of hours
        ("en", "i'll call you back in one or two hours", "in 1 hour"),
        ("en", "i'll call you back tomorrow two till four", "tomorrow 14:00"),  # no 15:58
        ("hr", "nazvat ću vas za dva-tri dana", "in 2 days"),
        ("ar", "بتصل عليك باچر", "tomorrow"),  # Gulf چ
        ("ar", "حد من الفريق هيكلمك خلال اربعه وعشرين ساعه", "in 24 hours"),  # units, "and", tens
        ("ar", "بكلمك الساعه اربعه وعشره", "today 16:10"),  # (an hour and its minutes stay apart)
        ("ar", "بتصل فيك بعد نصصاعه", "in 30 minutes"),
        ("ar", "ساتصل بك غدا في تمام التاسعه", "tomorrow 09:00"),
        ("ar", "غادي يعيط ليك شي واحد من الخدمه دابا شي ربع ساعه", "in 15 minutes"),  # Moroccan
        ("ar", "نعيطو ليك اليوم فالليل", "today evening"),
        ("ar", "برجعلك اتصال بكره الساعه اتناعش", "tomorrow 12:00"),
        ("ru", "перезвоню вам завтра в без пятнадцати одиннадцать", "tomorrow 10:45"),  # two numbers, not one sum
        ("ru", "я перезвоню вам завтра поутру", "tomorrow morning"),
        ("ru", "перезвоню вам через два чеса", "in 2 hours"),
        ("tr", "mesai bitme den sizi ararım", "today"),  # a phrase's word split
        ("hr", "nazovemo vas sutra između devet i deset", "tomorrow 09:00"),
        ("hr", "nazvat ću vas za sat vremena", "in 1 hour"),
        ("hr", "zovem vas natrag za sad vremena", "in 1 hour"),
        ("hr", "nazvat ću vas zutra u četiri", "tomorrow 16:00"),
        ("ar", "بكره بعد الغدا بكلمك", "tomorrow afternoon"),
        ("ar", "بكلمك بكره بعد الفطور", "tomorrow morning"),
        ("ar", "بتصل عليك العصريه", "today afternoon"),
        ("ar", "هكلمك تاني خلال الساعه الجايه", "in 1 hour"),
        ("ar", "بتصل فيك بعد نص سعه", "in 30 minutes"),
        ("ar", "راح نتصل عليك الخميث العصر", "thursday afternoon"),
        ("ar", "هنكلم حضرتك غدن الساعه عشره", "tomorrow 10:00"),
    ],
)
def test_more_ways_of_saying_when(language, text, said):
    assert parse(text, language).said() == said
