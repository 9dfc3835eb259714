"""Hostile team configs (``--config``) and phrasebooks.

Configs go through the real command. So does a team's phrasebook folder
(``triggers.phrasebooks_dir``); the damaged-phrasebook cases load a copy in tmp_path with
``load_phrasebook(language, folder)``, the loader the pipeline uses with that key.
"""

from __future__ import annotations

import shutil

import pytest

from hostile_cli import user_error, voiceassist
from voiceassist.config import load_config
from voiceassist.errors import ConfigError
from voiceassist.events import transcript
from voiceassist.transcripts import Transcript
from voiceassist.rules.phrasebook import PHRASEBOOK_DIR, load_phrasebook
from voiceassist.rules.triggers import TriggerEngine


def with_config(tmp_path, mono_wav, text: str | bytes):
    team = tmp_path / "team.toml"
    team.write_bytes(text if isinstance(text, bytes) else text.encode())
    return voiceassist("analyze", mono_wav, "--events", "-", "--config", team)


@pytest.mark.parametrize(
    "text, needles",
    [
        ("[asr\nengine = 'vosk'\n", ["team.toml", "invalid TOML", "line 1"]),
        ("[asr]\nengine = \n", ["team.toml", "invalid TOML"]),
        (b"\xff\xfe[\x00a\x00s\x00r\x00]\x00", ["team.toml", "not UTF-8"]),
        ("[asr]\nengine = 'google'\n", ["asr.engine = 'google' in", "team.toml", "'auto', 'vosk', 'whisper'"]),
        ("[asr.whisper]\nbeam_size = '5'\n", ["asr.whisper.beam_size = '5'", "team.toml", "between 1 and 10"]),
        ("[audio]\ncaller_channel = true\n", ["audio.caller_channel = True", "team.toml", "between 0 and 1"]),
        ("[asr]\nendpoint_silence_ms = 500.5\n", ["asr.endpoint_silence_ms = 500.5", "between 100 and 3000"]),
        ("[monitor.loudness]\nraise_db = nan\n", ["monitor.loudness.raise_db = nan", "between 1.0 and 20.0"]),
        ("[monitor.rate]\nmax_sps = inf\n", ["monitor.rate.max_sps = inf", "between 2.0 and 9.0"]),
        ("[monitor.rate]\nmax_sps_by_language = { xx = 5.0 }\n", ["monitor.rate.max_sps_by_language has key 'xx' in", "team.toml", "its keys must be en, tr, ru, ar, hr"]),
        ("asr = 5\n", ["asr = 5", "team.toml"]),
        ("[asr]\nenigne = 'vosk'\n", ["unknown key asr.enigne in", "team.toml", "(did you mean asr.engine?)", "engine, language"]),
        ("[dashboard]\ncolour = 'red'\n", ["unknown section [dashboard] in", "team.toml", "valid sections: audio, asr, monitor, triggers, escalation, ui, cache, privacy, report, store"]),
        ("[monitor.volume]\nraise_db = 6.0\n", ["unknown section [monitor.volume]", "team.toml", "valid sections in [monitor]: loudness, rate"]),
    ],
    ids=[
        "unclosed-section", "missing-value", "utf16", "bad-choice", "string-for-int", "bool-for-int",
        "float-for-int", "nan", "inf", "bad-dict-key", "scalar-for-section", "unknown-key",
        "unknown-section", "unknown-subsection",
    ],
)
def test_bad_config(tmp_path, mono_wav, text, needles):
    user_error(with_config(tmp_path, mono_wav, text), *needles)


def test_huge_config_value_is_not_echoed_whole(tmp_path, mono_wav):
    """A 5 MB value in a wrong key: the error line names the key and stays short."""
    line = user_error(with_config(tmp_path, mono_wav, f"[asr]\nlanguage = '{'x' * 5_000_000}'\n"),
                      "asr.language", "team.toml", "'en'")
    assert len(line) < 400, len(line)


def test_huge_config_file_of_comments_loads(tmp_path, mono_wav):
    """8 MB of comments around one real key is still a valid config (slow to read, not wrong)."""
    comments = "# filler comment line of a generated team file\n" * 170_000
    team = tmp_path / "team.toml"
    team.write_text(comments + "[asr.whisper]\nbeam_size = 2\n" + comments)
    assert team.stat().st_size > 8_000_000
    assert load_config(team).asr.whisper.beam_size == 2


def test_config_missing(tmp_path, mono_wav):
    r = voiceassist("analyze", mono_wav, "--config", tmp_path / "nope.toml")
    user_error(r, "nope.toml", "not found")


def test_config_is_a_directory(tmp_path, mono_wav):
    user_error(voiceassist("analyze", mono_wav, "--config", tmp_path), str(tmp_path), "directory")


# ----------------------------------------------------------------------------- phrasebooks


@pytest.fixture
def book_dir(tmp_path):
    folder = tmp_path / "phrasebooks"
    folder.mkdir()
    shutil.copy(PHRASEBOOK_DIR / "en.toml", folder / "en.toml")
    return folder


def said(engine: TriggerEngine, speaker: str, text: str, t: float) -> list[dict]:
    return engine.on_transcript(transcript(Transcript(speaker, text, t - 1, t, (), True, t)))


def test_phrasebook_broken_toml(book_dir):
    (book_dir / "en.toml").write_text((book_dir / "en.toml").read_text() + "\n[intents.insult\n")
    with pytest.raises(ConfigError, match=r"en\.toml: invalid TOML") as e:
        load_phrasebook("en", book_dir)
    assert "\n" not in str(e.value)


def test_phrasebook_empty_intents_load_and_never_fire(book_dir):
    """An intent with no phrases is switched off, not an error: the others still fire."""
    path = book_dir / "en.toml"
    text = path.read_text()
    start = text.index("[intents.insult]\nphrases = [") + len("[intents.insult]\nphrases = [")
    path.write_text(text[:start] + text[text.index("]", start):])
    book = load_phrasebook("en", book_dir)
    assert book.intents["insult"].phrases == []
    cfg = load_config()
    emptied = TriggerEngine(book, cfg.triggers)
    shipped = TriggerEngine(load_phrasebook("en"), cfg.triggers)
    insult = "you are an idiot and useless"
    kinds = lambda evs: {e["kind"] for e in evs if e["type"] == "prompt.shown"}  # noqa: E731
    assert "dont_take_personally" in kinds(said(shipped, "caller", insult, 2.0))
    assert "dont_take_personally" not in kinds(said(emptied, "caller", insult, 2.0))
    assert kinds(said(emptied, "caller", "I want to speak to your manager", 60.0))  # the rest works


def test_phrasebook_unknown_language_names_the_available(book_dir):
    with pytest.raises(ConfigError, match="available: ar, en, hr, ru, tr"):
        load_phrasebook("xx", book_dir)


@pytest.mark.parametrize("phrase", ["(.*)", "[a-", r"\d+", "where is (my)? order", "^refund$"])
def test_phrasebook_regex_like_phrase_is_refused(book_dir, phrase):
    """Phrases are words matched as said (stemmed, fuzzy; with the notation's (a|b) alternatives
    and ^ anchor), never regular expressions: "(.*)" has no word and would never match, "[a-"
    would match every "a" heard. So they are refused by name."""
    path = book_dir / "en.toml"
    text = path.read_text()
    assert "[intents.insult]\nphrases = [" in text
    path.write_text(text.replace("[intents.insult]\nphrases = [", f"[intents.insult]\nphrases = ['{phrase}', ", 1))
    with pytest.raises(ConfigError) as e:
        load_phrasebook("en", book_dir)
    message = str(e.value)
    assert "intents.insult.phrases" in message and "en.toml" in message and repr(phrase) in message
    assert "not regular expressions" in message and "\n" not in message


@pytest.mark.parametrize("command", ["analyze", "live"])
def test_a_broken_team_phrasebook_stops_the_call_before_it_starts(tmp_path, mono_wav, book_dir, command):
    """Checked with the config, before a model loads, a device opens or an event is written:
    no events file holding a call.started and nothing else."""
    (book_dir / "en.toml").write_text((book_dir / "en.toml").read_text() + "\n[intents.insult\n")
    team = tmp_path / "team.toml"
    team.write_text(f'[triggers]\nphrasebooks_dir = "{book_dir}"\n')
    events = tmp_path / "events.jsonl"
    call = [mono_wav] if command == "analyze" else ["--agent-device", "no such headset"]
    user_error(voiceassist(command, *call, "--events", events, "--config", team), "en.toml", "invalid TOML")
    assert not events.exists()
