"""Redaction of card numbers, phone numbers and e-mail addresses, in the five languages' own
number formats, and of the things that look like them and must stay (prices, order numbers,
dates, times)."""

from __future__ import annotations

import copy

import pytest

from voiceassist.redact import Redacting, redact, redact_event, redact_events, redact_words
from voiceassist.sinks.memory import ListSink

PHONES = {
    "en": ["07911 123456", "+44 7911 123456", "0044 7911 123456", "020 7946 0958", "(415) 555-2671",
           "415-555-2671", "+1 415 555 2671", "1 415 555 2671"],
    "tr": ["+90 532 123 45 67", "0532 123 45 67", "05321234567", "0 532 123 45 67", "(0212) 123 45 67",
           "532 123 45 67"],
    "ru": ["+7 (916) 123-45-67", "8 916 123 45 67", "89161234567", "8 (916) 123-45-67", "+7 916 123-45-67"],
    "ar": ["+966 50 123 4567", "050 123 4567", "0501234567", "+971 50 123 4567", "٠٥٠١٢٣٤٥٦٧",
           "+٩٦٦ ٥٠ ١٢٣ ٤٥٦٧", "010 1234 5678", "+20 10 1234 5678"],
    "hr": ["+385 91 234 5678", "091 234 5678", "01 2345 678", "+385 1 2345 678", "0912345678"],
}
SENTENCE = {
    "en": "you can reach me on {} after six",
    "tr": "beni {} numarasından arayabilirsiniz",
    "ru": "мой номер {}, звоните после шести",
    "ar": "رقمي {} اتصل بعد السادسة",
    "hr": "moj broj je {} nazovite poslije šest",
}


@pytest.mark.parametrize("language,phone", [(lang, p) for lang, phones in PHONES.items() for p in phones])
def test_phone_numbers_in_each_countrys_formats(language, phone):
    text = SENTENCE[language].format(phone)
    assert redact(text, language) == SENTENCE[language].format("[phone]")


CARDS = ["4111 1111 1111 1111", "4111-1111-1111-1111", "4111111111111111", "5500 0000 0000 0004",
         "3782 822463 10005", "4111 1111 1111 1112",  # a misheard digit (fails Luhn) is still a card
         "٤١١١ ١١١١ ١١١١ ١١١١", "6011 0009 9013 9424 123"]


@pytest.mark.parametrize("language", list(SENTENCE))
@pytest.mark.parametrize("card", CARDS)
def test_card_numbers_with_spaces_and_dashes(language, card):
    assert redact(f"card {card} expires", language) == "card [card] expires"


EMAILS = {
    "en": ["ivan.petrov@gmail.com", "ivan dot petrov at gmail dot com", "ivan.petrov at gmail.com",
           "j_smith-99 at outlook dot co dot uk", "ivan at g mail dot com"],
    "tr": ["ali.veli@firma.com.tr", "ali nokta veli et gmail nokta com", "ali at hotmail nokta com"],
    "ru": ["иван точка петров собака яндекс точка ру", "ivan.petrov собака mail точка ru", "petrov@yandex.ru"],
    "ar": ["أحمد آت جيميل دوت كوم", "ahmed at gmail dot com", "ahmed@example.ae"],
    "hr": ["ivan točka horvat et gmail točka com", "ivan.horvat@t-com.hr", "ana et net točka hr"],
}


@pytest.mark.parametrize("language,email", [(lang, e) for lang, es in EMAILS.items() for e in es])
def test_email_addresses_written_and_spoken(language, email):
    assert redact(f"mail: {email}, thanks", language) == "mail: [email], thanks"


KEPT = {
    "en": ["that was 1,299.00 pounds", "order number 48213977", "order 4155552671", "ordered on 23.11.2026",
           "by 15:00 today", "I'll call you at 3pm", "on 23/11/2026 at 3 pm", "reference 731942",
           "I'll be at home at noon", "the 2 items at 19.99 each",
           "invoice 2026-000123", "delivered 2026-11-23 between 2 and 3"],
    "tr": ["fiyatı 1.299,00 TL", "sipariş numarası 7345129", "23.11.2026 tarihinde", "saat 15:00'te"],
    "ru": ["стоимость 1 299,00 рублей", "номер заказа 4821397", "заказ от 23.11.2026", "в 15:00 перезвоню"],
    "ar": ["السعر ١٬٢٩٩٫٠٠ ريال", "رقم الطلب ٤٨٢١٣٩٧٧", "بتاريخ ٢٣/١١/٢٠٢٦", "الساعة ١٥:٠٠", "order 48213977"],
    "hr": ["cijena 1.299,00 eura", "broj narudžbe 48213977", "dana 23.11.2026.", "u 15:00 sati", "narudžba 123456", "račun 2026-000123"],
}


@pytest.mark.parametrize("language,text", [(lang, t) for lang, ts in KEPT.items() for t in ts])
def test_prices_order_numbers_dates_and_times_are_kept(language, text):
    assert redact(text, language) == text


def test_several_kinds_in_one_utterance():
    text = "Card 4111 1111 1111 1111, phone 07911 123456, mail ivan@x.com. Order 48213977."
    assert redact(text, "en") == "Card [card], phone [phone], mail [email]. Order 48213977."


def _words(text: str) -> list[dict]:
    return [{"w": w, "start": i * 0.5, "end": i * 0.5 + 0.4, "conf": 0.9 - i / 100} for i, w in enumerate(text.split())]


def test_redacted_words_keep_their_times_and_agree_with_the_text():
    text = "call 0532 123 45 67 or ivan@x.com, bye"
    words = redact_words(_words(text), "tr")
    assert [w["w"] for w in words] == ["call", "[phone]", "or", "[email],", "bye"]
    assert " ".join(w["w"] for w in words) == redact(text, "tr")
    phone = words[1]
    assert (phone["start"], phone["end"]) == (0.5, 2.4)  # from "0532" to "67"
    assert phone["conf"] == pytest.approx(0.86)  # the least sure of its words
    assert words[4]["start"] == 3.5  # words after it keep their own times


def test_words_with_nothing_to_redact_are_the_same_list():
    words = _words("order 48213977 on 23.11.2026")
    assert redact_words(words, "en") is words


def test_an_event_is_redacted_as_a_copy():
    event = {
        "t": 3.0, "type": "transcript.final", "speaker": "caller", "text": "my card is 4111 1111 1111 1111",
        "start": 0.0, "end": 3.0, "words": _words("my card is 4111 1111 1111 1111"),
    }
    before = copy.deepcopy(event)
    out = redact_event(event, "en")
    assert out["text"] == "my card is [card]" and [w["w"] for w in out["words"]][-1] == "[card]"
    assert event == before  # the rules and other sinks still see the real words


def test_reasons_promises_and_the_summary_are_redacted():
    evs = [
        {"t": 0.0, "type": "call.started", "language": "ru", "engine": "x", "model": "", "sample_rate_in": 8000, "channels": 2},
        {"t": 1.0, "type": "prompt.shown", "id": "p1", "kind": "use_name", "text": "…", "suggestions": [],
         "reason": "клиент сказал «мой номер 8 916 123 45 67»", "language": "ru"},
        {"t": 2.0, "type": "callback.promised", "text": "перезвоню на +7 916 123-45-67 завтра", "due": None, "said_at": 1.5},
        {"t": 3.0, "type": "call.ended", "duration": 3.0,
         "summary": {"promises": [{"text": "перезвоню на +7 916 123-45-67 завтра", "due": None, "said_at": 1.5}]}},
    ]
    out = redact_events(evs)
    assert out[1]["reason"] == "клиент сказал «мой номер [phone]»"
    assert out[2]["text"] == out[3]["summary"]["promises"][0]["text"] == "перезвоню на [phone] завтра"


def test_the_sink_wrapper_follows_the_calls_language():
    kept = ListSink()
    sink = Redacting(kept, "en")
    sink.handle({"t": 0.0, "type": "call.started", "language": "tr", "engine": "x", "model": "", "sample_rate_in": 8000, "channels": 2})
    # A Turkish national mobile without its 0 is a phone in Turkey, not under en's GB/US rules.
    sink.handle({"t": 1.0, "type": "callback.promised", "text": "sizi 532 123 45 67 numarasından arayacağım", "due": None, "said_at": 1.0})
    assert kept.events[1]["text"] == "sizi [phone] numarasından arayacağım"
    assert redact("sizi 532 123 45 67 numarasından", "en") == "sizi 532 123 45 67 numarasından"


def test_a_corrected_prompt_is_redacted_like_a_shown_one():
    event = {"t": 2.0, "type": "prompt.updated", "id": "empathy-1", "kind": "empathy", "text": "Empathise",
             "suggestions": [], "reason": 'the caller said "call me on 07911 123456"', "language": "en"}
    assert redact_event(event, "en")["reason"] == 'the caller said "call me on [phone]"'
