"""`voiceassist config show|check` and a team's own phrasebooks (`triggers.phrasebooks_dir`),
run as a supervisor would: the real command in a subprocess."""

import json
import shutil
import tomllib
from pathlib import Path

import pytest
from clitools import user_error, voiceassist

from voiceassist.rules.phrasebook import PHRASEBOOK_DIR

ROOT = Path(__file__).parents[2]
SAID = '{"t": 2.0, "type": "transcript.final", "speaker": "caller", "text": "you are an idiot and useless", "start": 1.0, "end": 2.0, "words": []}\n'


def ok(result) -> str:
    assert result.returncode == 0, (result.returncode, result.stderr[-2000:])
    assert result.stderr == ""
    return result.stdout


@pytest.fixture
def team(tmp_path):
    path = tmp_path / "team.toml"
    path.write_text("[asr]\nlanguage = 'ru'\n[monitor.loudness]\nraise_db = 5.0\n"
                    "[monitor.rate]\nmax_sps_by_language = { tr = 6.0 }\n")
    return path


def test_show_prints_every_key_with_its_source_as_toml_that_loads_back(tmp_path, team):
    out = ok(voiceassist("config", "show", "--config", "team.toml", "--language", "tr", "--engine", "vosk", cwd=tmp_path))
    lines = out.splitlines()
    assert "[monitor.loudness]" in lines and "[monitor.rate.max_sps_by_language]" in lines
    source = {line.split(" = ")[0]: line.rsplit("# ", 1)[1] for line in lines if " = " in line and not line.startswith("#")}
    assert source["raise_db"] == source["tr"] == "team.toml"
    assert source["language"] == source["engine"] == "command line"  # the flag wins over the file
    assert source["ru"] == source["hold_s"] == source["port"] == "default"
    data = tomllib.loads(out)
    assert data["asr"]["language"] == "tr" and data["monitor"]["rate"]["max_sps_by_language"] == {"ru": 6.3, "tr": 6.0}
    # saved and checked as a team file: every key set, all valid
    (tmp_path / "saved.toml").write_text(out)
    keys = sum(1 for line in lines if " = " in line and not line.startswith("#"))
    assert ok(voiceassist("config", "check", "saved.toml", cwd=tmp_path)) == f"saved.toml: ok ({keys} keys set)\n"


def test_show_json(tmp_path, team):
    rows = json.loads(ok(voiceassist("config", "show", "--json", "--config", team)))
    by_key = {r["key"]: r for r in rows}
    assert by_key["monitor.loudness.raise_db"] == {"key": "monitor.loudness.raise_db", "value": 5.0, "source": str(team)}
    assert by_key["asr.language"]["value"] == "ru"
    assert by_key["monitor.loudness.baseline_lufs"] == {"key": "monitor.loudness.baseline_lufs", "value": None, "source": "default"}
    assert by_key["ui.cue"]["value"] is False and by_key["ui.cue"]["source"] == "default"


def test_show_with_a_bad_team_file_is_a_user_error(tmp_path):
    (tmp_path / "team.toml").write_text("[monitor.loudness]\nraise_db = 'loud'\n")
    user_error(voiceassist("config", "show", "--config", tmp_path / "team.toml"),
               "monitor.loudness.raise_db = 'loud' in", "team.toml", "must be a number between 1.0 and 20.0")


def test_check_good_configs_and_a_shipped_phrasebook(tmp_path, team):
    out = ok(voiceassist("config", "check", team, PHRASEBOOK_DIR / "hr.toml"))
    assert out.splitlines() == [f"{team}: ok (3 keys set)",
                                f"{PHRASEBOOK_DIR / 'hr.toml'}: ok (phrasebook, language hr: 18 prompts, 21 intents)"]


def test_check_reports_every_bad_file_and_exits_2(tmp_path, team):
    (tmp_path / "typo.toml").write_text("[monitor.loudness]\nraise_dB = 5.0\n")
    (tmp_path / "range.toml").write_text("[asr.whisper]\nbeam_size = 0\n")
    result = voiceassist("config", "check", "typo.toml", "team.toml", "range.toml", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stdout == "team.toml: ok (3 keys set)\n"
    assert result.stderr.splitlines() == [
        "voiceassist: error: unknown key monitor.loudness.raise_dB in typo.toml (did you mean monitor.loudness.raise_db?); "
        "valid keys in [monitor.loudness]: window_s, raise_db, hysteresis_db, hold_s, clear_hold_s, min_show_s, cooldown_s, "
        "baseline_s, baseline_lufs, caller_rise_db, mirror_db",
        "voiceassist: error: asr.whisper.beam_size = 0 in range.toml: must be between 1 and 10",
    ]


@pytest.fixture
def books(tmp_path):
    folder = tmp_path / "books"
    folder.mkdir()
    shutil.copy(PHRASEBOOK_DIR / "en.toml", folder / "en.toml")
    return folder


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    "old, new, needles",
    [
        ('text = "Don\'t take it personally"', "text = 5", ["prompts.dont_take_personally.text = 5 in", "en.toml", "valid string"]),
        ("[intents.insult]\nphrases = [", "[intents.insult]\nphrases = ['(.*)', ", ["intents.insult.phrases in", "en.toml", "not regular expressions"]),
        ('language = "en"', 'language = "tr"', ["language = 'tr' in", "en.toml", "must be 'en'"]),
        ("[prompts.dont_take_personally]", "[prompts.dont_take_it_personally]", ["unknown [prompts.dont_take_it_personally] in", "en.toml", "(did you mean dont_take_personally?); known: lower_voice, slow_down"]),
        ('voice = "en-us"', 'voice = "xx"', ["cue.voice = 'xx' in", "en.toml", "espeak-ng has no such voice", "espeak-ng --voices"]),
        ('lower_voice = "lower"', 'lowr = "lower"', ["cue.lower_voice missing in", "en.toml"]),
        ('slow_down = "slower"', 'slow_down = ""', ["cue.slow_down = '' in", "en.toml", "at least 1 character"]),
    ],
    ids=["wrong-type", "regex-phrase", "wrong-language", "unknown-kind", "cue-voice", "cue-word-missing", "cue-word-empty"],
)
def test_check_a_damaged_phrasebook(books, old, new, needles):
    edit(books / "en.toml", old, new)
    user_error(voiceassist("config", "check", books / "en.toml"), *needles)


def test_team_phrasebook_folder_replaces_its_languages_only(tmp_path, books):
    """A supervisor's edited en.toml is what the call shows; other languages stay packaged."""
    edit(books / "en.toml", 'text = "Don\'t take it personally"', 'text = "Stay calm: it is not about you"')
    (tmp_path / "team.toml").write_text("[triggers]\nphrasebooks_dir = 'books'\n")
    (tmp_path / "said.jsonl").write_text(SAID)
    assert ok(voiceassist("config", "check", "team.toml", cwd=tmp_path)) == "team.toml: ok (1 key set; phrasebooks en in books ok)\n"

    def shown(*flags):
        out = ok(voiceassist("analyze", "said.jsonl", "--events", "-", "--config", "team.toml", *flags, cwd=tmp_path))
        return [e["text"] for e in map(json.loads, out.splitlines()) if e["type"] == "prompt.shown"]

    assert shown() == ["Stay calm: it is not about you"]
    # Russian has no file in the folder: the packaged Russian phrasebook is used (no English prompt)
    assert "Stay calm: it is not about you" not in shown("--language", "ru")


def test_team_phrasebook_folder_with_a_damaged_book_stops_check_and_the_call(tmp_path, books):
    edit(books / "en.toml", "[intents.insult]\nphrases = [", "[intents.insult]\nphrases = ['[a-', ")
    (tmp_path / "team.toml").write_text("[triggers]\nphrasebooks_dir = 'books'\n")
    (tmp_path / "said.jsonl").write_text(SAID)
    for args in (["config", "check", "team.toml"], ["analyze", "said.jsonl", "--config", "team.toml"]):
        user_error(voiceassist(*args, cwd=tmp_path), "intents.insult.phrases in books/en.toml", "bad phrase '[a-'")


@pytest.mark.parametrize(
    "setup, needles",
    [
        (lambda d: None, ["triggers.phrasebooks_dir = 'books' in team.toml: no such folder", "en.toml, tr.toml"]),
        (lambda d: (d / "books").mkdir(), ["triggers.phrasebooks_dir = 'books' in team.toml: the folder holds no phrasebook"]),
        (lambda d: ((d / "books").mkdir(), (d / "books" / "english.toml").write_text("")),
         ["books/english.toml: not a phrasebook name", "en.toml, tr.toml, ru.toml, ar.toml, hr.toml"]),
    ],
    ids=["missing", "empty", "misnamed"],
)
def test_team_phrasebook_folder_mistakes(tmp_path, setup, needles):
    setup(tmp_path)
    (tmp_path / "team.toml").write_text("[triggers]\nphrasebooks_dir = 'books'\n")
    user_error(voiceassist("config", "check", "team.toml", cwd=tmp_path), *needles)


def test_show_never_prints_the_floors_credentials(tmp_path):
    (tmp_path / "team.toml").write_text('[floor]\ntoken = "s3cret-token"\nuser = "anna"\npassword = "hunter2"\n')
    out = ok(voiceassist("config", "show", "--config", "team.toml", cwd=tmp_path))
    assert "s3cret-token" not in out and "hunter2" not in out
    assert 'token = "(set)"' in out and 'user = "anna"' in out


def test_check_a_scorecard_form_the_packaged_one_and_a_team_config_naming_it(tmp_path):
    form = tmp_path / "form.toml"
    form.write_text('[scorecard]\ntitle = "Returns"\n[scorecard.greeting]\nwithin_s = 10.0\n[scorecard.closing]\n')
    config = tmp_path / "team.toml"
    config.write_text(f"[report]\nscorecard = {str(form)!r}\n")
    out = ok(voiceassist("config", "check", form, ROOT / "config" / "scorecard.toml", config))
    assert out.splitlines() == [
        f"{form}: ok (scorecard form 'Returns': 2 items)",
        f"{ROOT / 'config' / 'scorecard.toml'}: ok (scorecard form 'Customer care QA': 7 items)",
        f"{config}: ok (1 key set; scorecard form {form} ok (2 items))",
    ]


@pytest.mark.parametrize("body, needle", [
    ("[scorecard.greting]\nwithin_s = 10.0\n", "unknown item scorecard.greting in {f} (did you mean greeting?); valid items: greeting, name_used, "),
    ("[scorecard.greeting]\nwithin_s = 500\n", "scorecard.greeting.within_s = 500 in {f}: must be a number between 1.0 and 120.0"),
    ("[scorecard.specific_apology]\nmin_words = 2.5\n", "scorecard.specific_apology.min_words = 2.5 in {f}: must be a whole number between 2 and 30"),
    ("[scorecard.callback_time]\nrequired = 'yes'\n", "scorecard.callback_time.required = 'yes' in {f}: must be true or false"),
    ("[scorecard.closing]\nlast = 30\n", "unknown key scorecard.closing.last in {f} (did you mean last_s?); valid keys of [scorecard.closing]: label, last_s"),
    ("[scorecard]\ngreeting = 3\n", "scorecard.greeting = 3 in {f}: must be a table, [scorecard.greeting]"),
])
def test_check_a_bad_scorecard_form_names_the_key_and_what_is_valid(tmp_path, body, needle):
    form = tmp_path / "form.toml"
    form.write_text(body)
    good = tmp_path / "good.toml"
    good.write_text("[scorecard.solution]\n")
    result = voiceassist("config", "check", form, good)
    assert result.returncode == 2
    assert result.stdout.splitlines() == [f"{good}: ok (scorecard form 'QA scorecard': 1 item)"]
    (line,) = result.stderr.splitlines()
    assert needle.format(f=form) in line


def test_a_team_config_naming_a_missing_or_bad_form_is_a_user_error(tmp_path):
    config = tmp_path / "team.toml"
    config.write_text("[report]\nscorecard = 'nowhere.toml'\n")
    user_error(voiceassist("config", "check", config), "nowhere.toml: config file not found")


def test_a_team_phrasebook_without_a_cue_section_speaks_the_packaged_cue(books):
    """[cue] came after teams wrote their own phrasebooks: one without it still loads and
    checks, and its cue is the packaged phrasebook's of its language."""
    from voiceassist.sinks.speech import cue_words

    text = (books / "en.toml").read_text(encoding="utf-8")
    start = text.index("[cue]")
    (books / "en.toml").write_text(text[:start] + text[text.index("\n\n", start) + 2 :], encoding="utf-8")
    assert "[cue]" not in (books / "en.toml").read_text(encoding="utf-8")
    assert ok(voiceassist("config", "check", books / "en.toml")).startswith(f"{books / 'en.toml'}: ok (phrasebook")
    words = cue_words("en", str(books))
    assert (words.voice, words.lower_voice, words.slow_down) == ("en-us", "lower", "slower")
