"""Phrasebooks: per language, what each prompt says, the lines it suggests, and the phrases
that trigger it.

``config/phrasebooks/<lang>.toml`` ships for en, tr, ru, ar and hr:

- ``[prompts.<kind>]``: the ``text`` shown, fixed ``suggestions``, and a ``reason`` template
  whose ``{fields}`` are filled with what was measured or heard;
- ``[intents.<intent>]``: ``phrases`` that signal an intent (see ``rules.matching``), and
  ``[intents.negation] words``;
- ``[lines.<kind>]``: suggested lines per topic (``default`` when no topic fits);
- ``[names]``: how a caller's name is said back to them (see ``rules.names``);
- ``[cue]``: the spoken cue's word per voice-monitor prompt, and the espeak-ng voice saying it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from voiceassist.config import DEFAULTS_DIR, did_you_mean, load_config_with_origin, read_toml, shown
from voiceassist.config.scorecard import load_form
from voiceassist.errors import ConfigError
from voiceassist.events import MONITOR_KINDS, Kind
from voiceassist.languages import LANGUAGES, Language
from voiceassist.rules.matching import expand, tokens

__all__ = ["Phrasebook", "PromptText", "NameRules", "ADDRESS_FIELDS", "CueWords", "load_phrasebook", "read_phrasebook", "check_file", "PHRASEBOOK_DIR", "REASON_FIELDS", "INTENTS", "TOPICS"]

PHRASEBOOK_DIR = DEFAULTS_DIR / "phrasebooks"

_HEARD = {"who": "caller", "heard": "where is my order"}
# The fields each kind's reason template may use, with sample values to check it formats.
REASON_FIELDS: dict[str, dict[str, object]] = {
    "lower_voice": {"db": 8.1, "s": 3.2},
    "slow_down": {"sps": 6.4, "max": 5.5},
    "let_them_finish": {"n": 3, "window": 60.0},
    "acknowledge": {"s": 31.0},
    "dead_air": {"s": 8.0},
    "check_in": {"s": 46.0},
    "dont_take_personally": _HEARD,
    "empathy": _HEARD,
    "specific_apology": _HEARD,
    "use_name": _HEARD,
    "no_blame": _HEARD,
    "ask_questions": _HEARD,
    "offer_solution": _HEARD,
    "commit_action": _HEARD,
    "pause_callback": _HEARD,
    "offer_supervisor": _HEARD,
    "goodwill": {"minutes": 12},
    "callback_reminder": {"heard": "I'll call you back later"},
}
TOPICS = ("late_delivery", "broken_item", "wrong_item", "lost_parcel", "refund", "repeat_contact")
INTENTS = (
    "insult", "frustration", *TOPICS, "manager", "do_something", "name",
    "agent_blame", "agent_excuse", "agent_sorry", "agent_question", "agent_callback",
)
IntentName = Literal[
    "insult", "frustration", "late_delivery", "broken_item", "wrong_item", "lost_parcel", "refund",
    "repeat_contact", "manager", "do_something", "name", "agent_blame", "agent_excuse", "agent_sorry",
    "agent_question", "agent_callback", "negation",
    # said by the agent, read by the QA scorecard and the voice monitor (``rules.said``), not triggers
    "agent_greeting", "agent_closing", "agent_owning", "agent_solution",
]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class PromptText(_Strict):
    text: str = Field(min_length=1)
    suggestions: list[str] = []
    reason: str = Field(min_length=1)


class Intent(_Strict):
    phrases: list[str] = []
    unless: list[str] = []  # phrases that cancel the intent where they are heard near its match
    joiners: list[str] = []  # [intents.name] only: words inside a three-word name ("Abd", "Abu")
    # [intents.negation] only: words before / after what they negate, affixes inside a word
    words: list[str] = []
    after: list[str] = []
    affixes: list[str] = []


# What an address template (``[names.address]``) may use, with sample values to check it formats.
ADDRESS_FIELDS = {"first": "Ante", "last": "Perić", "patronymic": "", "full": "Ante Perić", "title": "", "last_voc": "Periću"}


class NameRules(_Strict):
    """``[names]``: the data ``rules.names`` needs to say a name back as an agent would."""

    titles: dict[str, Literal["male", "female", ""]] = {}  # words said with a name: "mr", "hanım"; "dr": no gender
    male: list[str] = []  # common first names, to know whom "Mr"/"Bey"/"gospodine" fits
    female: list[str] = []
    patronymic: list[str] = []  # endings of a patronymic: "ович", "овна"
    conjunctions: list[str] = []  # prefixes joining the next words to a name: Arabic "و" ("زينب ومعي الرقم")
    cases: list[list[str]] = []  # [ending of another case, nominative ending, other candidates...]
    vocative: list[list[str]] = []  # [nominative ending, vocative ending]
    address: dict[Literal["male", "female", "unknown"], list[str]] = {}


class CueWords(_Strict):
    """``[cue]``: what the spoken cue (``[ui] cue``) says for each prompt it stands for, and in
    which espeak-ng voice (``espeak-ng --voices`` lists them)."""

    voice: str = Field(min_length=1)
    lower_voice: str = Field(min_length=1)
    slow_down: str = Field(min_length=1)


class Phrasebook(_Strict):
    language: Language
    prompts: dict[Kind, PromptText]
    intents: dict[IntentName, Intent] = {}
    lines: dict[str, dict[str, str | list[str]]] = {}
    names: NameRules = NameRules()
    cue: CueWords | None = None  # a team's phrasebook without one: the packaged one's


def load_phrasebook(language: str, folder: str | Path = "") -> Phrasebook:
    """The phrasebook of ``language``: ``folder/<language>.toml`` (a team's own,
    ``triggers.phrasebooks_dir``) if there is one, else the packaged one."""
    folders = [Path(folder).expanduser(), PHRASEBOOK_DIR] if folder else [PHRASEBOOK_DIR]
    path = next((d / f"{language}.toml" for d in folders if (d / f"{language}.toml").is_file()), None)
    if path is None:
        have = ", ".join(sorted({p.stem for d in folders for p in d.glob("*.toml")}))
        where = " or ".join(str(d) for d in folders)
        raise ConfigError(f"no phrasebook for language '{language}' in {where}; available: {have}")
    book = read_phrasebook(path)
    if book.language != language:
        raise ConfigError(f"language = {book.language!r} in {path}: must be {language!r}, the language the file is named after")
    return book


def read_phrasebook(path: Path) -> Phrasebook:
    """One phrasebook file, validated: a bad one is a ``ConfigError`` naming the file and key.
    Read once per version of the file (a call, and each ``tune`` replay, asks again; an edit
    is read afresh)."""
    try:
        stat = path.stat()
    except OSError as e:
        raise ConfigError(f"{path}: cannot read phrasebook: {e.strerror}") from None
    return _read_phrasebook(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=32)
def _read_phrasebook(path: Path, mtime_ns: int, size: int) -> Phrasebook:
    try:
        book = Phrasebook.model_validate(read_toml(path))
    except ValidationError as e:
        err = e.errors()[0]
        key = ".".join(str(p) for p in err["loc"] if not str(p).startswith("["))
        if "[key]" in err["loc"]:  # a table named [prompts.<kind>] or [intents.<intent>] of no such kind
            names = get_args(Kind if key.startswith("prompts.") else IntentName)
            raise ConfigError(
                f"unknown [{key}] in {path}{did_you_mean(err['input'], names)}; known: {', '.join(names)}"
            ) from None
        if err["type"] == "missing":
            raise ConfigError(f"{key} missing in {path}") from None
        if err["type"] == "extra_forbidden":
            raise ConfigError(f"unknown key {key} in {path}") from None
        raise ConfigError(f"{key} = {shown(err['input'])} in {path}: {err['msg'][0].lower()}{err['msg'][1:]}") from None
    missing = [kind for kind in MONITOR_KINDS if kind not in book.prompts]
    if missing and not set(missing) <= set(_ADDED_LATER):
        raise ConfigError(f"prompts.{missing[0]} missing in {path}")
    unsaid = [i for i in _INTENTS_ADDED_LATER if i not in book.intents]
    if (missing or unsaid) and path.parent != PHRASEBOOK_DIR:
        # a team's copy made before these existed: the packaged ones of its language stand in
        packaged = read_phrasebook(PHRASEBOOK_DIR / f"{book.language}.toml")
        book = book.model_copy(update={
            "prompts": {**book.prompts, **{k: packaged.prompts[k] for k in missing}},
            "intents": {**book.intents, **{i: packaged.intents[i] for i in unsaid if i in packaged.intents}},
        })
    elif missing:
        raise ConfigError(f"prompts.{missing[0]} missing in {path}")
    for kind, prompt in book.prompts.items():
        fields = REASON_FIELDS[kind]
        try:
            prompt.reason.format(**fields)
        except (KeyError, IndexError, ValueError) as e:
            raise ConfigError(
                f"prompts.{kind}.reason in {path}: bad template ({e}); it may use {{{'}, {'.join(fields)}}}"
            ) from None
    for gender, templates in book.names.address.items():
        for template in templates:
            try:
                template.format(**ADDRESS_FIELDS)
            except (KeyError, IndexError, ValueError) as e:
                raise ConfigError(
                    f"names.address.{gender} in {path}: bad template {template!r} ({e}); it may use {{{'}, {'.join(ADDRESS_FIELDS)}}}"
                ) from None
    for key in ("cases", "vocative"):
        for row in getattr(book.names, key):
            if len(row) < 2 or (key == "vocative" and len(row) != 2):
                raise ConfigError(f"names.{key} in {path}: {row!r} must be [ending, {'replacement' if key == 'vocative' else 'nominative ending, ...'}]")
    for name, intent in book.intents.items():
        for key in ("phrases", "unless"):
            for phrase in getattr(intent, key):
                if problem := _phrase_problem(phrase, book.language):
                    raise ConfigError(f"intents.{name}.{key} in {path}: bad phrase {phrase!r}: {problem}")
    return book


# Monitor prompts added after the first phrasebooks: a team's older copy without them gets the
# packaged ones of its language.
_ADDED_LATER = ("dead_air", "check_in")
# The same for the agent's intents the scorecard and the voice monitor's end of call listen for.
_INTENTS_ADDED_LATER = ("agent_greeting", "agent_closing", "agent_owning", "agent_solution")

# A phrase's alternatives multiply: past this many expansions it is a mistake, not a phrase.
_MAX_EXPANSIONS = 1000


def _phrase_problem(phrase: str, language: str) -> str | None:
    """What is wrong with a phrase in the notation of ``rules.matching``, or None."""
    body = phrase.strip()
    # The matcher drops punctuation, so a regular expression would silently become other words:
    # "[a-" the word "a", which is in nearly every sentence.
    if re.search(r"[\\\[\]*+?.$]", body):
        return "phrases are words as said, not regular expressions (no \\ [ ] * + ? . $)"
    if "^" in body[1:]:
        return "'^' may only start a phrase"
    if "{" in body.replace("{name}", "") or "}" in body.replace("{name}", ""):
        return "only {name} may be in braces"
    outside = re.sub(r"\([^()]*\)", "", body)
    if "(" in outside or ")" in outside:
        return "alternatives are written (a|b), not nested, each '(' closed"
    groups = 1
    for group in re.findall(r"\(([^()]*)\)", body):
        groups *= len(group.split("|"))
    if groups > _MAX_EXPANSIONS:
        return f"its alternatives make {groups} phrases (at most {_MAX_EXPANSIONS})"
    if any(not tokens(x.lstrip("^"), language).words for x in expand(body)):
        return "it has no words (or an alternative leaves none)"
    return None


def check_file(path: Path) -> str:
    """Validate a team config, a phrasebook (it has ``[prompts.*]``) or a scorecard form (it has
    ``[scorecard]``), as a call would load it, with the phrasebooks of its
    ``triggers.phrasebooks_dir`` and the form of its ``report.scorecard``; what it holds, for an
    "ok" line. A problem is a ``ConfigError``."""
    data = read_toml(path)
    if "scorecard" in data:
        form = load_form(path)
        return f"scorecard form {form.title!r}: {_items(len(form.items()))}"
    if "prompts" in data:
        # Named as a phrasebooks_dir holds it (en.toml): also checked to be that language's.
        book = load_phrasebook(path.stem, path.parent) if path.stem in LANGUAGES else read_phrasebook(path)
        if book.cue is not None and (problem := _voice_problem(book.cue.voice)):
            raise ConfigError(f"cue.voice = {book.cue.voice!r} in {path}: {problem}")
        return f"phrasebook, language {book.language}: {len(book.prompts)} prompts, {len(book.intents)} intents"
    cfg, origin = load_config_with_origin(path)
    n = sum(source == str(path) for source in origin.values())
    done = f"{n} key{'' if n == 1 else 's'} set"
    if folder := cfg.triggers.phrasebooks_dir:
        books = [load_phrasebook(lang, folder).language for lang in LANGUAGES if (Path(folder).expanduser() / f"{lang}.toml").is_file()]
        done += f"; phrasebooks {', '.join(books)} in {folder} ok"
    if form := cfg.report.scorecard:
        done += f"; scorecard form {form} ok ({_items(len(load_form(form).items()))})"
    return done


def _items(n: int) -> str:
    return f"{n} item{'' if n == 1 else 's'}"


def _voice_problem(voice: str) -> str | None:
    """Why espeak-ng cannot speak in ``voice``, or None (also when espeak-ng is not installed:
    then no voice can be checked, and the cue says so when it is first spoken)."""
    if shutil.which("espeak-ng") is None:
        return None
    result = subprocess.run(["espeak-ng", "-q", "-v", voice, ""], capture_output=True, text=True, timeout=10)
    if result.returncode == 0:
        return None
    return "espeak-ng has no such voice; `espeak-ng --voices` lists them (e.g. en-us, tr, ru, ar, hr)"
