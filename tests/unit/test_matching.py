"""The phrase matcher: normalisation per language, stemming, word order, fuzziness, negation."""

import pytest

from voiceassist.rules.matching import compile_phrase, find, tokens

NEGATIONS = {
    "en": "not never no",
    "tr": "değil yok hiç",
    "ru": "не нет ни",
    "ar": "لا لم لن ما مش ليس",
    "hr": "ne nije nisam nema",
}


def match(language, phrase, text, fuzzy_min=85):
    negations = frozenset(tokens(NEGATIONS[language], language).stems)
    t = tokens(text, language)
    m = find(compile_phrase(phrase, language, negations), t, fuzzy_min, negations)
    return m and m.heard(t), m


@pytest.mark.parametrize(
    "language, phrase, text",
    [
        ("en", "where is my order", "um hello where's is my order"),
        ("en", "waiting weeks", "I've been waiting for three weeks now"),
        ("en", "arrived broken", "it arrived completely broken"),
        ("en", "broken arrived", "it arrived completely broken"),  # word order
        ("en", "parcel delivered", "the parcel was deliverd"),  # recognition error, fuzzy
        ("en", "never received", "i never recieved it"),
        ("tr", "sipariş gelmedi", "SİPARİŞİM HALA GELMEDİ"),  # Turkish İ
        ("tr", "sipariş gelmedi", "siparisim hala gelmedi"),  # dropped diacritics
        ("tr", "kırık geldi", "ürün KIRIK geldi"),  # Turkish I -> ı
        ("ru", "где заказ", "где мой заказ"),
        ("ru", "ещё не пришёл", "заказ еще не пришел"),  # ё written as е
        ("ar", "أين طلبي", "اين طلبي"),  # alef variants
        ("ar", "الطلب متأخر", "الطَّلَبُ مُتَأَخِّرٌ جدا"),  # harakat
        ("ar", "فاتورة", "الفاتوره"),  # ta marbuta as ha
        ("hr", "gdje je narudžba", "gdje je moja narudzba"),
        ("hr", "paket oštećen", "paket je stigao oštećen"),
    ],
)
def test_finds_phrases_as_people_and_recognisers_say_them(language, phrase, text):
    heard, m = match(language, phrase, text)
    assert m is not None, (phrase, text)


@pytest.mark.parametrize(
    "language, phrase, text",
    [
        ("en", "order late", "my order is not late at all"),
        ("en", "order late", "never late, your orders"),
        ("en", "courier fault", "the courier was great"),
        ("en", "refund", "I refused"),  # short words are not fuzzy-matched into others
        ("tr", "sipariş geldi", "sipariş gelmedi"),  # Turkish negation is a suffix
        ("ru", "заказ пришел", "заказ не пришел"),
        ("hr", "paket stigao", "paket nije stigao"),
        ("ar", "وصل الطلب", "الطلب لم يصل"),
    ],
)
def test_negation_and_near_misses_do_not_match(language, phrase, text):
    assert match(language, phrase, text)[1] is None


def test_a_phrase_carrying_its_own_negation_still_matches():
    assert match("en", "not arrived", "it hasn't arrived yet")[0] == "not arrived"


@pytest.mark.parametrize(
    "language, phrase, text, name",
    [
        ("en", "my name is {name}", "yes hi my name is John Miller and I ordered", "john miller"),
        ("tr", "adım {name}", "merhaba adım Ayşe Yılmaz", "ayşe yılmaz"),
        ("ru", "меня зовут {name}", "меня зовут Иван Петрович", "иван петрович"),
        ("hr", "zovem se {name}", "dobar dan zovem se Ana", "ana"),
    ],
)
def test_names_are_taken_from_the_words_after_the_pattern(language, phrase, text, name):
    assert match(language, phrase, text)[1].name == name


def test_each_occurrence_is_found_at_its_first_word():
    heard, m = match("en", "order late", "the order is late")
    assert (m.first, m.last) == (1, 3) and heard == "order is late"
