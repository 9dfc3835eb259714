"""Prompts from what is said (PLAYBOOK rows 3, 5-10, 12), from transcript events.

Pure: given transcript events in time order it returns events. Partials are matched for speed
and finals to confirm; an intent fires once per utterance, however many partials repeat it.

| heard | from | prompt |
|---|---|---|
| insult | caller | ``dont_take_personally`` |
| frustration, a complaint topic | caller | ``empathy`` (lines for the topic) |
| anger or complaints, no question asked yet | caller | ``ask_questions`` |
| the agent asks a question, a topic is known | agent | ``offer_solution`` (lines for the topic) |
| "why don't you do something", repeated contact | caller | ``commit_action`` |
| asks for a manager | caller | ``offer_supervisor`` |
| "my name is …" | caller | ``use_name`` |
| courier / manufacturer blamed, excuses | agent | ``no_blame`` |
| bare "sorry" again and again | agent | ``specific_apology`` (with the name and problem) |
| a call-back promise | agent | ``callback.promised`` |
"""

from __future__ import annotations

import re
from collections import deque

from voiceassist.events import Event
from voiceassist.rules.matching import Match, Negation, Phrase, Tokens, compile_phrase, expand, find, tokens
from voiceassist.rules.phrasebook import INTENTS, MONITOR_KINDS, TOPICS, Phrasebook
from voiceassist.rules.prompt import Prompt

__all__ = ["TriggerEngine", "AGENT_INTENTS"]

AGENT_INTENTS = ("agent_blame", "agent_excuse", "agent_sorry", "agent_question", "agent_callback")
_AGITATION = ("insult", "frustration", *TOPICS)
# An unless-phrase cancels a match it overlaps or comes within this many words of.
_UNLESS_REACH = 3
# A sentence of at least this many words ending in "?" is the agent asking something.
_QUESTION_MIN_WORDS = 3
_QUESTION_MARK = Phrase("?", (), (), negated=False, has_name=False, anchored=False)


class TriggerEngine:
    def __init__(self, book: Phrasebook, cfg):
        self._book = book
        self._cfg = cfg
        self.language = book.language
        neg = book.intents.get("negation")
        self._negation = Negation.of(book.language, neg.words, neg.after, neg.affixes) if neg else Negation()

        def compiled(phrases: list[str]) -> list[Phrase]:
            return [compile_phrase(x, book.language, self._negation) for p in phrases for x in expand(p)]

        self._phrases = {i: compiled(book.intents[i].phrases) for i in INTENTS if i in book.intents}
        self._unless = {i: compiled(book.intents[i].unless) for i in INTENTS if i in book.intents}
        # Words of the phrasebook's own phrases are not names ("this is {name}" must not take
        # "this is ridiculous").
        self._vocabulary = frozenset(
            stem for phrases in self._phrases.values() for p in phrases for stem in p.stems if stem != "{name}"
        )
        self._prompts = {
            kind: Prompt(kind, book, cfg.min_show_s, cfg.cooldown_s) for kind in book.prompts
            if kind not in MONITOR_KINDS
        }
        self._fired: dict[str, set[str]] = {"caller": set(), "agent": set()}
        self.topics: list[str] = []  # in the order first heard (for the summary)
        self.name = ""
        self.promises: list[Event] = []
        self._agitation = 0
        self._asked = False
        self._bare_sorry: deque[float] = deque()

    def intents(self, speaker: str, t: Tokens, only: tuple[str, ...] | None = None) -> dict[str, Match]:
        """The intents of ``speaker`` (or just those in ``only``) found in ``t``, each with its
        best match."""
        found = {}
        for intent, phrases in self._phrases.items():
            if (intent in AGENT_INTENTS) != (speaker == "agent") or (only is not None and intent not in only):
                continue
            matches = [m for p in phrases if (m := self._find(p, t))]
            if intent == "name":
                matches = [m for m in matches if tokens(m.name, self.language).stems[0] not in self._vocabulary]
            elif intent == "agent_sorry":
                matches = [m for m in matches if self._bare(t, m)]
            elif intent == "agent_question":
                matches += [Match(_QUESTION_MARK, 100.0, s.start, s.stop - 1) for a in t.asks
                            if len(s := t.sentence(a)) >= _QUESTION_MIN_WORDS]
            if self._unless[intent]:
                unless = [u for p in self._unless[intent] if (u := self._find(p, t))]
                matches = [m for m in matches if not any(
                    u.first <= m.last + _UNLESS_REACH and m.first <= u.last + _UNLESS_REACH for u in unless)]
            if matches:
                found[intent] = max(matches, key=lambda m: m.score)
        return found

    def _find(self, phrase: Phrase, t: Tokens) -> Match | None:
        return find(phrase, t, self._cfg.fuzzy_min, self._negation)

    def on_transcript(self, event: Event) -> list[Event]:
        speaker, now = event["speaker"], event["t"]
        t = tokens(event["text"], self.language)
        found = self.intents(speaker, t)
        new = {i: m for i, m in found.items() if i not in self._fired[speaker]}
        self._fired[speaker] |= set(new)
        if event["type"] == "transcript.final":
            self._fired[speaker] = set()
        out: list[Event] = []
        for intent, match in new.items():
            out += self._react(intent, match, t, speaker, now, event)
        return out

    def tick(self, t: float) -> list[Event]:
        return [e for p in self._prompts.values() for e in p.tick(t)]

    def finish(self, t: float) -> list[Event]:
        return [e for p in self._prompts.values() for e in p.tick(t, force=True)]

    # ---------------------------------------------------------------------------------

    def _lines(self, kind: str, topic: str | None = None) -> list[str]:
        table = self._book.lines.get(kind, {})
        lines = table.get(topic or "", table.get("default", []))
        return [lines] if isinstance(lines, str) else list(lines)

    def _nudge(self, kind: str, now: float, speaker: str, heard: str, suggestions: list[str]) -> list[Event]:
        prompt = self._prompts.get(kind)
        if prompt is None:
            return []
        shown = prompt.show(now, suggestions=suggestions, who=speaker, heard=heard)
        prompt.request_clear()  # a nudge: it goes after min_show_s
        return shown

    def _react(self, intent: str, match: Match, t: Tokens, speaker: str, now: float, event: Event) -> list[Event]:
        heard = match.heard(t)
        topic = self.topics[-1] if self.topics else None
        out: list[Event] = []
        if intent in _AGITATION:
            self._agitation += 1
        if intent in TOPICS and intent != "repeat_contact":
            if intent not in self.topics:
                self.topics.append(intent)
            topic = intent
        if intent == "insult":
            out += self._nudge("dont_take_personally", now, speaker, heard, self._lines("dont_take_personally"))
        elif intent == "frustration" or (intent in TOPICS and intent != "repeat_contact"):
            out += self._nudge("empathy", now, speaker, heard, self._lines("empathy", topic))
        elif intent in ("do_something", "repeat_contact"):
            out += self._nudge("commit_action", now, speaker, heard, self._lines("commit_action", topic))
        elif intent == "manager":
            out += self._nudge("offer_supervisor", now, speaker, heard, self._lines("offer_supervisor"))
        elif intent == "name":
            self.name = _title(match.name, event["text"])
            out += self._nudge("use_name", now, speaker, heard, [self.name])
        elif intent in ("agent_blame", "agent_excuse"):
            out += self._nudge("no_blame", now, speaker, heard, self._lines("no_blame", topic))
        elif intent == "agent_question":
            self._asked = True
            if topic:
                out += self._nudge("offer_solution", now, speaker, heard, self._lines("offer_solution", topic))
        elif intent == "agent_sorry":
            out += self._sorry(now, speaker, heard, topic)
        elif intent == "agent_callback":
            promise = {"t": now, "type": "callback.promised", "text": event["text"], "due": None, "said_at": event["start"]}
            self.promises.append(promise)
            out.append(promise)
        if speaker == "caller" and not self._asked and self._agitation >= self._cfg.agitation_for_questions:
            out += self._nudge("ask_questions", now, speaker, heard, self._lines("ask_questions", topic))
        return out

    def _bare(self, t: Tokens, match: Match) -> bool:
        """A bare apology: its sentence is short and names neither the customer nor the problem."""
        at = t.sentence(match.first)
        if len(at) > self._cfg.bare_sorry_max_words:
            return False
        sentence = Tokens(t.words[at.start : at.stop], t.stems[at.start : at.stop])
        if self.name and self.name.split()[0].lower() in sentence.words:
            return False
        return not self.intents("caller", sentence, TOPICS)

    def _sorry(self, now: float, speaker: str, heard: str, topic: str | None) -> list[Event]:
        self._bare_sorry.append(now)
        while now - self._bare_sorry[0] > self._cfg.bare_sorry_window_s:
            self._bare_sorry.popleft()
        if len(self._bare_sorry) < self._cfg.bare_sorry_count:
            return []
        self._bare_sorry.clear()
        problem = self._lines("problems", topic) if topic else []
        lines = [
            _tidy(line.format(name=self.name, problem=problem[0] if problem else ""))
            for line in self._lines("specific_apology", topic)
            if problem or "{problem}" not in line  # no problem heard yet: only lines without one
        ]
        return self._nudge("specific_apology", now, speaker, heard, lines)


def _tidy(line: str) -> str:
    """A filled template without the gaps an unknown name leaves: "sorry, ." -> "sorry."."""
    line = re.sub(r"[\s,،]+([.!?؟])", r"\1", " ".join(line.split()))
    return re.sub(r"\s+([,،])", r"\1", line)


def _title(name: str, text: str) -> str:
    """The name as the recogniser wrote it (its capitals), else title-cased."""
    lower = text.lower()
    at = lower.find(name)
    return text[at : at + len(name)] if at >= 0 and text[at : at + len(name)] != name else name.title()
