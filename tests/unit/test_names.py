"""The caller's name as an agent says it back, with the shipped phrasebooks (#17 part 3)."""

import pytest

from voiceassist.config import load_config
from voiceassist.rules.names import address, spoken
from voiceassist.rules.phrasebook import load_phrasebook
from voiceassist.rules.triggers import TriggerEngine


def heard(language: str, text: str) -> tuple[str, list[str]]:
    """The name the engine keeps and the lines of ``use_name`` for a caller's final."""
    engine = TriggerEngine(load_phrasebook(language), load_config(None).triggers)
    out = engine.on_transcript({"t": 3.0, "type": "transcript.final", "speaker": "caller", "text": text,
                                "start": 0.4, "end": 2.8, "words": []})
    return engine.name, next((e["suggestions"] for e in out if e.get("kind") == "use_name"), [])


@pytest.mark.parametrize(
    "language, text, name, line",
    [
        # English: the whole name; "Mr"/"Ms" when the gender is known, else the whole name.
        ("en", "Hi, my name is John Miller and my order still hasn't come.", "John Miller", "Mr Miller"),
        ("en", "Hello, my name is Sarah Johnson.", "Sarah Johnson", "Ms Johnson"),
        ("en", "Yeah hi, this is Mrs Taylor speaking.", "Taylor", "Mrs Taylor"),
        ("en", "my name is jordan blake and I ordered a coat", "Jordan Blake", "Jordan Blake"),
        # Turkish: letters kept; "Bey"/"Hanım" with the first name, "Sayın" + surname when unknown.
        ("tr", "Merhaba, ben Ayşe Yılmaz, siparişim hâlâ gelmedi.", "Ayşe Yılmaz", "Ayşe Hanım"),
        ("tr", "İyi günler, adım Mehmet Öztürk.", "Mehmet Öztürk", "Mehmet Bey"),
        ("tr", "adım ilker çağlar", "İlker Çağlar", "Sayın Çağlar"),
        ("tr", "Merhaba, ben Ahmet Bey, kargom nerede?", "Ahmet", "Ahmet Bey"),
        # Russian: name and patronymic when one is heard; instrumental back to the nominative.
        ("ru", "Здравствуйте, меня зовут Анна Сергеевна Петрова, я по поводу заказа.", "Анна Сергеевна Петрова", "Анна Сергеевна"),
        ("ru", "Добрый день, меня зовут Анной Петровой.", "Анна Петрова", "Анна Петрова"),
        ("ru", "Алло, меня зовут Иваном Петровичем.", "Иван Петрович", "Иван Петрович"),
        ("ru", "Меня зовут Сергей Иванов, заказ так и не пришёл.", "Сергей Иванов", "Сергей Иванов"),
        # Croatian: the nominative from the instrumental, the vocative after "gospodine".
        ("hr", "Dobar dan, razgovarate s Antom Perićem iz Splita.", "Ante Perić", "gospodine Periću"),
        ("hr", "Dobar dan, razgovarate s Anom Perić.", "Ana Perić", "gospođo Perić"),
        ("hr", "Zovem se Ivan Horvat, paket nije stigao.", "Ivan Horvat", "gospodine Horvate"),
        ("hr", "Dobar dan, ovdje gospođa Kovač.", "Kovač", "gospođo Kovač"),
        ("hr", "Zovem se Saša Babić.", "Saša Babić", "Saša Babić"),  # a name of either gender: no guess
        # Arabic: hamza kept, "أستاذ"/"أستاذة" with the first name; a joined first name stays whole.
        ("ar", "مرحبا، اسمي أحمد الخالدي", "أحمد الخالدي", "أستاذ أحمد"),
        ("ar", "مرحبا، اسمي عبد الله الخالدي", "عبد الله الخالدي", "أستاذ عبد الله"),
        ("ar", "السلام عليكم، اسمي فاطمة الزهراء", "فاطمة الزهراء", "أستاذة فاطمة"),
        ("ar", "اسمي إياد منصور", "إياد منصور", "إياد منصور"),
        ("ar", "اسمي زينب ومعي رقم الطلب", "زينب", "أستاذة زينب"),  # "و" (and) starts what follows
        ("ar", "مرحبا، معك الدكتور سامي الحربي", "سامي الحربي", "أستاذ سامي"),  # a title is not the name
        ("ar", "مع حضرتك هشام فؤاد", "هشام فؤاد", "أستاذ هشام"),  # "فؤاد" is no "واحد" (someone else)
        ("ar", "إسمي منى حسن", "منى حسن", "أستاذة منى"),  # a first name, though "مني" is a phrase word
    ],
)
def test_names_are_said_back_as_an_agent_would(language, text, name, line):
    assert heard(language, text) == (name, [line])


def test_the_address_goes_into_the_other_lines():
    engine = TriggerEngine(load_phrasebook("en"), load_config(None).triggers)
    final = {"type": "transcript.final", "start": 0.0, "end": 1.0, "words": []}
    engine.on_transcript({**final, "t": 1.0, "speaker": "caller", "text": "Hi, my name is John Miller. Where is my parcel?"})
    out = []
    for i in range(3):
        out += engine.on_transcript({**final, "t": 5.0 + i, "speaker": "agent", "text": "Sorry."})
    lines = next(e["suggestions"] for e in out if e.get("kind") == "specific_apology")
    assert any(line.endswith(", Mr Miller.") for line in lines)


@pytest.mark.parametrize(
    "language, words, full, line",
    [
        ("hr", ["Markom", "Horvatom"], "Marko Horvat", "gospodine Horvate"),
        ("hr", ["Lukom", "Novakom"], "Luka Novak", "gospodine Novače"),
        ("hr", ["Tom"], "Tom", "Tom"),  # too short to be inflected
        ("ru", ["Дмитрием", "Соколовым"], "Дмитрий Соколов", "Дмитрий Соколов"),
        ("ru", ["Марией", "Ивановной"], "Мария Ивановна", "Мария Ивановна"),
        ("ru", ["Лев", "Толстой"], "Лев Толстой", "Лев Толстой"),  # a nominative first name: left as said
        ("en", ["Mr", "Miller"], "Miller", "Mr Miller"),
    ],
)
def test_the_rules_alone(language, words, full, line):
    rules = load_phrasebook(language).names
    name = spoken(words, rules, language)
    assert (name.full, address(name, rules, language)) == (full, line)


def test_a_bad_address_template_is_named_with_the_file(tmp_path):
    from voiceassist.errors import ConfigError
    from voiceassist.rules.phrasebook import PHRASEBOOK_DIR

    text = (PHRASEBOOK_DIR / "en.toml").read_text(encoding="utf-8").replace('male = ["{title} {last}"', 'male = ["Mr {surname}"')
    (tmp_path / "en.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"names\.address\.male in .*en\.toml: bad template 'Mr \{surname\}'.*it may use \{first\}, \{last\}"):
        load_phrasebook("en", tmp_path)


@pytest.mark.parametrize(
    "text, name, line",
    [
        ("Yes, my name is Mrs. Taylor.", "Taylor", "Mrs Taylor"),  # Whisper's full stop after a title
        ("Hi, my name is Dr. Patel.", "Patel", "Dr Patel"),  # a title with no gender
        ("Hi, my name is Dr Anita Patel.", "Anita Patel", "Dr Patel"),
    ],
)
def test_titles_as_whisper_writes_them(text, name, line):
    assert heard("en", text) == (name, [line])
