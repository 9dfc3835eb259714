"""One call as the post-call report shows it, read from its events (the contract format).

Everything here is plain data built from events: the utterances (with the words that
triggered a prompt marked), the prompts, the call-back promises, the `call.ended` summary and
the `level` samples. No HTML and no plotting, so it can be checked on its own.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from voiceassist import events
from voiceassist.config import Config, load_config
from voiceassist.config.scorecard import load_form
from voiceassist.errors import InputError, VoiceAssistError
from voiceassist.events import MONITOR_KINDS, Event, clock, heard_phrase, read_events
from voiceassist.languages import LANGUAGES
from voiceassist.report.scorecard import Scorecard, score_call
from voiceassist.rules.phrasebook import load_phrasebook

from voiceassist.redact import redact_events
from voiceassist.rules.matching import tokens

__all__ = ["Prompt", "Promise", "Segment", "Utterance", "Call", "build_call", "load_call", "heard_phrase", "clock"]

# A word-triggered prompt fires on a partial while the words are said, or on the final a few
# seconds after (a Whisper decode); its words are looked for in utterances this close to it.
_NEAR_S = 20.0
_VALID = "a report reads the JSON lines written by voiceassist analyze --events"


@dataclass
class Prompt:
    number: int  # 1, 2, … in the order shown: the label on the plot
    id: str
    kind: str
    t: float
    text: str
    reason: str
    suggestions: list[str]
    heard: str | None
    cleared_t: float | None = None
    found: bool = False  # the heard words were found (and marked) in a final transcript

    @property
    def monitor(self) -> bool:
        return self.kind in MONITOR_KINDS


@dataclass
class Promise:
    t: float
    text: str
    due: str | None  # ISO 8601 local time; None when no time was agreed or the call's start is unknown
    said_at: float
    due_said: str | None = None  # "tomorrow 15:00", "vague" (files from before it was added: None)

    @property
    def vague(self) -> bool:
        return self.due_said == "vague" if self.due_said else self.due is None

    @property
    def when(self) -> str:
        return " = ".join(x for x in (self.due_said, self.due) if x)


@dataclass
class Segment:
    text: str
    prompt: Prompt | None = None  # the prompt these words triggered


@dataclass
class Utterance:
    speaker: str
    start: float
    end: float
    text: str
    segments: list[Segment] = field(default_factory=list)


@dataclass
class Call:
    name: str
    language: str
    engine: str
    model: str
    duration: float
    ended: bool  # the file has a `call.ended` (a call cut short has none)
    summary: dict
    utterances: list[Utterance]
    prompts: list[Prompt]
    promises: list[Promise]
    levels: dict[str, list[Event]]  # per speaker, in time order
    agent: str = ""  # the agent's name, when the events carry it (--agent, or the floor's)
    scorecard: Scorecard | None = None  # the team's QA form scored on this call (None: language without a phrasebook)

    @property
    def talk_share(self) -> dict[str, float] | None:
        """The whole call's talk shares: the last ``level`` event's (None without them)."""
        last = max((e for side in self.levels.values() for e in side if "talk_share" in e), key=lambda e: e["t"], default=None)
        return None if last is None else last["talk_share"]

    @property
    def prompt_counts(self) -> Counter:
        return Counter(p.kind for p in self.prompts)

    @property
    def vague_promises(self) -> list[Promise]:
        return [p for p in self.promises if p.vague]


def load_call(path: Path, redact: bool = False, cfg: Config | None = None) -> Call:
    """The call in an events file; a file that is not events is a `VoiceAssistError`."""
    try:
        evs = list(read_events(path))
    except UnicodeDecodeError:
        raise InputError(f"{path}: not an events file (not UTF-8 text); {_VALID}") from None
    except VoiceAssistError as e:
        raise InputError(f"{e}; {_VALID}") from None
    if not evs:
        raise InputError(f"{path}: no events in it; {_VALID}")
    return build_call(evs, path.stem, redact=redact, cfg=cfg)


def build_call(evs: Iterable[Event], name: str, redact: bool = False, cfg: Config | None = None) -> Call:
    """``redact``: with card numbers, phone numbers and e-mail addresses replaced. ``cfg``
    names the scorecard form and the phrasebooks (default: the packaged ones)."""
    evs = sorted(redact_events(evs) if redact else evs, key=lambda e: e["t"])  # stable: same-time events keep their order
    started = next((e for e in evs if e["type"] == "call.started"), {})
    ended = next((e for e in evs if e["type"] == "call.ended"), None)
    found = next((e for e in evs if e["type"] == "language.detected"), {})
    language = found.get("language") or started.get("language", "")
    utterances = [
        Utterance(e["speaker"], e["start"], e["end"], e["text"])
        for e in sorted((e for e in evs if e["type"] == "transcript.final"), key=lambda e: e["start"])
    ]
    prompts: list[Prompt] = []
    by_id: dict[str, Prompt] = {}
    promises: list[Promise] = []
    levels: dict[str, list[Event]] = {"caller": [], "agent": []}
    for e in evs:
        if e["type"] == "prompt.shown":
            p = Prompt(len(prompts) + 1, e["id"], e["kind"], e["t"], e["text"], e["reason"], e["suggestions"], heard_phrase(e["reason"]))
            prompts.append(p)
            by_id[p.id] = p
        elif e["type"] == "prompt.updated" and e["id"] in by_id:  # shown once, in the final's words
            p = by_id[e["id"]]
            p.text, p.reason, p.suggestions, p.heard = e["text"], e["reason"], e["suggestions"], heard_phrase(e["reason"])
        elif e["type"] == "prompt.cleared" and e["id"] in by_id:
            by_id[e["id"]].cleared_t = e["t"]
        elif e["type"] == "callback.promised":
            promises.append(Promise(e["t"], e["text"], e.get("due"), e["said_at"], e.get("due_said")))
        elif e["type"] == "level":
            levels[e["speaker"]].append(e)
    _mark(utterances, prompts, language)
    duration = ended["duration"] if ended else max((e["t"] for e in evs), default=0.0)
    if ended:
        summary = ended["summary"]
    else:  # cut short: sum up what is there, as call.ended would have
        summary = {**events.summary(evs), "topics": [], "promises": [vars(p) for p in promises]}
    agent = started.get("agent") or next((e["agent"] for e in evs if isinstance(e.get("agent"), str)), "")
    return Call(
        name=name, language=language, engine=started.get("engine", ""), model=started.get("model", ""),
        duration=duration, ended=ended is not None, summary=summary, utterances=utterances,
        prompts=prompts, promises=promises, levels=levels, agent=agent, scorecard=_score(evs, language, cfg),
    )


def _score(evs: list[Event], language: str, cfg: Config | None) -> Scorecard | None:
    if language not in LANGUAGES:
        return None
    cfg = cfg or load_config()
    book = load_phrasebook(language, cfg.triggers.phrasebooks_dir)
    return score_call(evs, load_form(cfg.report.scorecard), book, cfg.triggers.fuzzy_min)


def _words(text: str, language: str) -> list[tuple[str, tuple[str, ...]]]:
    """The text's surface words (as shown) with the matcher's tokens of each."""
    out = []
    for word in text.split():
        try:
            toks = tokens(word, language).words if language else tuple(re.findall(r"\w+", word.lower()))
        except KeyError:  # a language with no stemmer: compare plain lower-cased words
            toks = tuple(re.findall(r"\w+", word.lower()))
        out.append((word, toks))
    return out


def _find(heard: tuple[str, ...], words: list[tuple[str, tuple[str, ...]]]) -> range | None:
    """The surface words whose tokens contain ``heard`` as a contiguous run."""
    flat = [(tok, i) for i, (_, toks) in enumerate(words) for tok in toks]
    n = len(heard)
    for k in range(len(flat) - n + 1):
        if tuple(tok for tok, _ in flat[k : k + n]) == heard:
            return range(flat[k][1], flat[k + n - 1][1] + 1)
    return None


def _mark(utterances: list[Utterance], prompts: list[Prompt], language: str) -> None:
    """Split each utterance into segments, marking the words each prompt quotes as heard.

    A prompt's words are looked for in the utterances nearest to it in time; words heard only
    in a partial that the final transcript changed are not found (``Prompt.found`` False).
    """
    words = [_words(u.text, language) for u in utterances]
    marks: list[dict[int, Prompt]] = [{} for _ in utterances]
    for p in prompts:
        if not p.heard:
            continue
        heard = tuple(tok for _, toks in _words(p.heard, language) for tok in toks)
        near = sorted(
            (abs(p.t - min(max(p.t, u.start), u.end)), i) for i, u in enumerate(utterances)
        )
        for distance, i in near:
            if distance > _NEAR_S:
                break
            if heard and (span := _find(heard, words[i])) is not None:
                for j in span:
                    marks[i].setdefault(j, p)
                p.found = True
                break
    for u, ws, m in zip(utterances, words, marks):
        for j, (word, _) in enumerate(ws):
            prompt = m.get(j)
            if not u.segments:
                u.segments.append(Segment(word, prompt))
            elif u.segments[-1].prompt is prompt:
                u.segments[-1].text += " " + word
            elif u.segments[-1].prompt is None:  # the space stays outside a mark
                u.segments[-1].text += " "
                u.segments.append(Segment(word, prompt))
            elif prompt is None:
                u.segments.append(Segment(" " + word))
            else:
                u.segments += [Segment(" "), Segment(word, prompt)]
