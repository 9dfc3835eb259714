"""The QA scorecard of one call: each item of a team's form scored from the call's events, with
its evidence — when, and the words — or why it failed.

Pure: events (the contract format), a form (``config.scorecard``) and the phrasebook of the
call's language in, scores out. The words an item listens for are the phrasebook's intents
(``rules.said``), so a team that edits its phrasebook changes what the scorecard hears too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Literal

from voiceassist.config.scorecard import Form
from voiceassist.events import Event, clock
from voiceassist.rules.matching import fold, surface, tokens
from voiceassist.rules.phrasebook import Phrasebook
from voiceassist.rules.said import Said

__all__ = ["Score", "Scorecard", "score_call"]

Result = Literal["pass", "fail", "n/a"]


@dataclass(frozen=True)
class Score:
    item: str  # the form's item: greeting, name_used, …
    label: str
    result: Result
    why: str  # what was found, or what was missing
    t: float | None = None  # when the evidence was said
    words: str | None = None  # what was said


@dataclass(frozen=True)
class Scorecard:
    title: str
    scores: list[Score]

    @property
    def scored(self) -> list[Score]:
        return [s for s in self.scores if s.result != "n/a"]

    @property
    def percent(self) -> float | None:
        """Passed items of those that apply to this call, in percent; None when none apply."""
        return None if not self.scored else 100.0 * sum(s.result == "pass" for s in self.scored) / len(self.scored)


@dataclass(frozen=True)
class _Sentence:
    speaker: str
    start: float
    end: float
    text: str


# A recogniser that punctuates (Whisper) ends sentences with these; not after a title ("Mr. Miller").
_SENTENCE_END = re.compile(r"[.!?؟。]+\s+")
_TITLE = re.compile(r"\b(mr|mrs|ms|dr|st|g|gđa|gđica)\.$", re.IGNORECASE)


def _sentences(e: Event) -> list[_Sentence]:
    """A final transcript's sentences, each timed by its words: the recogniser's words spell
    its text, so a sentence starts at the word holding its first letter (letters counted
    without spaces); by the utterance's times when they do not."""
    text = e["text"].strip()
    cuts = [m.end() for m in _SENTENCE_END.finditer(text) if not _TITLE.search(text[: m.start() + 1])]
    spans = [(a, b) for a, b in zip([0, *cuts], [*cuts, len(text)]) if text[a:b].strip()]
    words = e.get("words") or []
    ends, n = [], 0  # letters (no spaces) up to the end of each word
    for w in words:
        n += len("".join(w["w"].split()))
        ends.append(n)
    timed = bool(words) and n == len("".join(text.split()))
    out = []
    for a, b in spans:
        start, end = e["start"], e["end"]
        if timed:
            first, last = len("".join(text[:a].split())), len("".join(text[:b].split()))
            i = next(k for k, x in enumerate(ends) if x > first)
            j = next(k for k, x in enumerate(ends) if x >= last)
            start, end = words[i]["start"], words[j]["end"]
        out.append(_Sentence(e["speaker"], start, end, text[a:b].strip()))
    return out


_LABELS = {
    "greeting": "Greeting", "name_used": "Caller's name used", "specific_apology": "Specific apology",
    "no_blame": "No blame left unowned", "solution": "Solution offered", "callback_time": "Call-back time agreed",
    "closing": "Closing",
}


def score_call(events: Iterable[Event], form: Form, book: Phrasebook, fuzzy_min: float = 85.0) -> Scorecard:
    evs = list(events)
    said = sorted((x for e in evs if e["type"] == "transcript.final" for x in _sentences(e)), key=lambda x: x.start)
    ended = next((e for e in evs if e["type"] == "call.ended"), None)
    duration = ended["duration"] if ended else max((e["t"] for e in evs), default=0.0)
    promises = [e for e in evs if e["type"] == "callback.promised"]
    call = _Call(Said(book, fuzzy_min), said, duration, promises)
    scores = []
    for name, item in form.items():
        result, why, t, words = getattr(call, name)(item)
        scores.append(Score(name, item.label or _LABELS[name], result, why, t, words))
    return Scorecard(form.title, scores)


class _Call:
    """One call's sentences, asked item by item; each answer is (result, why, time, words)."""

    def __init__(self, said: Said, sentences: list[_Sentence], duration: float, promises: list[Event]):
        self.said = said
        self.language = said.language
        self.agent = [x for x in sentences if x.speaker == "agent"]
        self.caller = [x for x in sentences if x.speaker == "caller"]
        self.duration = duration
        self.promises = promises

    def _first(self, intent: str, sentences: list[_Sentence]) -> _Sentence | None:
        return next((x for x in sentences if self.said.match(intent, x.text)), None)

    def greeting(self, item):
        early = [x for x in self.agent if x.start <= item.within_s]
        if (x := self._first("agent_greeting", early)) is not None:
            return "pass", f"greeted at {clock(x.start)}", x.start, x.text
        if not self.agent:
            return "fail", "the agent said nothing", None, None
        first = self.agent[0]
        if first.start > item.within_s:
            return "fail", f"the agent's first words came at {clock(first.start)}, after {item.within_s:.0f} s", first.start, first.text
        return "fail", f"no greeting in the agent's words of the first {item.within_s:.0f} s", first.start, first.text

    def _caller_name(self) -> tuple[float, list[str]] | None:
        """When the caller gave their name, and its words (folded)."""
        for x in self.caller:
            found = self.said.match("name", x.text)
            if found is None or not found[0].name:
                continue
            # the recogniser writes names with capitals: the words of the match that are names
            written = surface(x.text, self.language)
            cased = {fold(w.lower()) for w in written if w[:1].isupper()} if any(w[:1].isupper() for w in written) else None
            words = [w for w in map(fold, found[0].name.split()) if cased is None or w in cased]
            if words:
                return x.start, words
        return None

    def _names(self, sentence: _Sentence, names: set[str]) -> bool:
        return bool(names & {fold(w) for w in tokens(sentence.text, self.language).words})

    def name_used(self, item):
        name = self._caller_name()
        if name is None:
            return "n/a", "the caller gave no name", None, None
        t, words = name
        if (x := next((x for x in self.agent if x.start >= t and self._names(x, set(words))), None)) is not None:
            return "pass", f"the caller's name, said at {clock(x.start)}", x.start, x.text
        return "fail", f"the caller gave their name ({' '.join(words).title()}) at {clock(t)}; the agent never said it", t, None

    def specific_apology(self, item):
        name = self._caller_name()
        names = set(name[1]) if name else set()
        bare = None
        for x in self.agent:
            if self.said.match("agent_sorry", x.text) is None:
                continue
            if len(tokens(x.text, self.language).words) >= item.min_words or self._names(x, names):
                return "pass", f"a specific apology at {clock(x.start)}", x.start, x.text
            bare = bare or x
        if bare is not None:
            return "fail", f"only a bare apology (under {item.min_words} words, no name)", bare.start, bare.text
        if not item.required:
            return "n/a", "no apology was needed or made", None, None
        return "fail", "no apology", None, None

    def no_blame(self, item):
        blames = [x for x in self.agent if self.said.match("agent_blame", x.text) or self.said.match("agent_excuse", x.text)]
        if not blames:
            return "pass", "no blame or excuse heard", None, None
        owned = None
        for blame in blames:  # each one owned afterwards, within own_within_s of its end
            later = [x for x in self.agent if blame.start <= x.start <= blame.end + item.own_within_s]
            if (owned := self._first("agent_owning", later)) is None:
                return "fail", f"blamed others or made an excuse, not owned within {item.own_within_s:.0f} s", blame.start, blame.text
        first = blames[0]
        return ("pass", f"blamed at {clock(first.start)} (\u201c{first.text}\u201d), then owned it at {clock(owned.start)}",
                owned.start, owned.text)

    def solution(self, item):
        if (x := self._first("agent_solution", self.agent)) is not None:
            return "pass", f"offered at {clock(x.start)}", x.start, x.text
        return "fail", "no replacement, refund, discount or other fix offered", None, None

    def callback_time(self, item):
        if not self.promises:
            return ("fail", "no call-back was promised", None, None) if item.required else ("n/a", "no call-back promised", None, None)
        timed = [p for p in self.promises if p.get("due_said", "vague" if p.get("due") is None else "") != "vague"]
        if timed:
            p = timed[0]
            return "pass", f"a time agreed: {p.get('due_said') or p.get('due')}", p["said_at"], p["text"]
        p = self.promises[0]
        return "fail", "a call-back promised with no time agreed", p["said_at"], p["text"]

    def closing(self, item):
        last = [x for x in self.agent if x.end >= self.duration - item.last_s]
        if (x := self._first("agent_closing", last)) is not None:
            return "pass", f"closed at {clock(x.start)}", x.start, x.text
        if not last:
            return "fail", f"the agent said nothing in the last {item.last_s:.0f} s", None, None
        return "fail", f"no closing in the agent's last {item.last_s:.0f} s", last[-1].start, last[-1].text
