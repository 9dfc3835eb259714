"""The phrase matcher: normalisation per language, stemming, word order, fuzziness, negation,
and the phrase notation (alternatives, anchors, names)."""

import pytest

from voiceassist.rules.matching import Negation, compile_phrase, expand, find, tokens

NEGATIONS = {
    "en": "not never no",
    "tr": "değil yok hiç",
    "ru": "не нет ни",
    "ar": "لا لم لن ما مش ليس",
    "hr": "ne nije nisam nema",
}


# Negations said after what they negate, and negating affixes inside a word (Turkish).
AFTER = {"tr": ["değil"]}
AFFIXES = {"tr": ["me", "ma", "mı", "mi"], "ar": ["ما"]}


def match(language, phrase, text, fuzzy_min=85):
    negation = Negation.of(language, NEGATIONS[language].split(), AFTER.get(language, ()), AFFIXES.get(language, ()))
    t = tokens(text, language)
    m = find(compile_phrase(phrase, language, negation), t, fuzzy_min, negation)
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
        ("en", "speak director", "let me speak to the directer"),
        ("tr", "kırılmış", "cam kırılmıştı"),  # a Turkish ending the stemmer left is still the word
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
        ("en", "director", "set up the company directory"),  # a longer English word is another word
        ("en", "order late", "my order will come later"),
        ("tr", "sipariş geldi", "sipariş gelmedi"),  # Turkish negation is a suffix
        ("ru", "заказ пришел", "заказ не пришел"),
        ("hr", "paket stigao", "paket nije stigao"),
        ("ar", "وصل الطلب", "الطلب لم يصل"),
        ("tr", "iade edildi", "iadem edilmedi"),  # fuzzy "edildi" ~ "edilmedi": a negation affix apart
        ("tr", "ürün kırık", "ürün kırık değil"),  # Turkish negation after what it negates
        ("ar", "استلمت الطلب", "مااستلمت الطلب"),  # a fused negation
    ],
)
def test_negation_and_near_misses_do_not_match(language, phrase, text):
    assert match(language, phrase, text)[1] is None


def test_a_phrase_carrying_its_own_negation_still_matches():
    assert match("en", "not arrived", "it hasn't arrived yet")[0] == "not arrived"


@pytest.mark.parametrize(
    "language, phrase, text, name",
    [
        ("en", "my name is {name}", "yes hi my name is John Miller", "john miller"),
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


def test_alternatives_stand_for_every_combination():
    assert expand("(courier|delivery company) (lost|broke) it") == [
        "courier lost it", "courier broke it", "delivery company lost it", "delivery company broke it",
    ]
    assert expand("sorry (about that|)") == ["sorry about that", "sorry"]  # an empty alternative: optional


@pytest.mark.parametrize(
    "text, found",
    [
        ("what colour did you order", True),
        ("um so what colour did you order", True),  # after fillers
        ("I'll tell you what colour it is.", False),  # not the start of a sentence
        ("Thanks. What colour did you order?", True),  # the start of a later sentence
        ("colour what", False),  # an anchored phrase keeps its first word first
    ],
)
def test_anchored_phrases_start_a_sentence(text, found):
    assert (match("en", "^what colour", text)[1] is not None) is found


def test_a_name_stops_at_its_sentence_end():
    assert match("en", "my name is {name}", "My name is Anna. Where is my order?")[1].name == "anna"


def test_sentences_and_questions_are_marked():
    t = tokens("Hello. Can you give me your order number? Thanks", "en")
    assert t.starts == (0, 1, 8) and t.asks == (1,)
    assert t.sentence(3) == range(1, 8)
