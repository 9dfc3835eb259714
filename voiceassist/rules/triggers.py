"""Prompts from what is said (PLAYBOOK rows 3, 5-10, 12), from transcript events.

Pure: given transcript events in time order it returns events. Partials are matched for speed
and finals to confirm; an intent fires once per utterance, however many partials repeat it.
The final corrects its partials: a prompt a partial showed is shown again with the final's words
(``prompt.updated``: the name, the quoted phrase) or, when the final no longer says it, cleared.

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
| a call-back promise | agent | ``callback.promised`` with its due time |
| a call-back promise with no time | agent | ``callback_reminder`` a little later |
| agitation stays high (``rules.escalation``) | caller | ``pause_callback``, ``offer_supervisor``, ``goodwill`` |
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, deque

from voiceassist.events import Event
from voiceassist.config import EscalationConfig
from voiceassist.rules import due, learned, names
from voiceassist.rules.escalation import Escalation
from voiceassist.rules.matching import fold, lower, Match, Negation, Phrase, Similar, Tokens, Words, compile_phrase, expand, find, tokens
from voiceassist.events import MONITOR_KINDS
from voiceassist.rules.phrasebook import INTENTS, TOPICS, Phrasebook, load_phrasebook
from voiceassist.rules.prompt import Prompt

__all__ = ["TriggerEngine", "AGENT_INTENTS", "speaker_of"]

AGENT_INTENTS = ("agent_blame", "agent_excuse", "agent_sorry", "agent_question", "agent_callback")
_AGITATION = ("insult", "frustration", *TOPICS)
# An unless-phrase cancels a match it overlaps or comes within this many words of.
_UNLESS_REACH = 3
# A sentence of at least this many words ending in "?" is the agent asking something.
_QUESTION_MIN_WORDS = 3
_NOT_NAMES = tuple(i for i in INTENTS if i != "name" and i not in AGENT_INTENTS)
_QUESTION_MARK = Phrase("?", (), (), negated=False, has_name=False, anchored=False)
_LEARNED = Phrase("(learned)", (), (), negated=False, has_name=False, anchored=False)  # found by the learned layer alone


def speaker_of(intent: str) -> str:
    """Who says ``intent``: the agent's habits and promises, or the caller."""
    return "agent" if intent in AGENT_INTENTS else "caller"


class TriggerEngine:
    """``cfg``: the ``[triggers]`` config; ``escalation``: the ``[escalation]`` config;
    ``call_start``: when the call started (local time), to resolve promised times."""

    def __init__(self, book: Phrasebook, cfg, escalation: EscalationConfig | None = None,
                 call_start: dt.datetime | None = None):
        self._call_start = call_start
        self.escalation = Escalation(escalation or EscalationConfig())
        self._reminder: tuple[float, str] | None = None  # (when, the vague promise)
        self._prompts: dict[str, Prompt] = {}
        self._fired: dict[str, set[str]] = {"caller": set(), "agent": set()}
        self.topics: list[str] = []  # in the order first heard (for the summary)
        self.name = ""  # the caller's name, in the nominative, as said
        self.address = ""  # ... as the agent says it to them ("Mr Miller")
        # Per speaker, what the partials of the utterance under way fired: intent -> the
        # prompts it showed (kind, id), and what it changed: the name (and address) before it,
        # or the topics before it (a misheard name or topic is taken back).
        self._early: dict[str, dict[str, tuple[list[tuple[str, str]], tuple[str, ...]]]] = {"caller": {}, "agent": {}}
        self.promises: list[Event] = []
        self._agitation = 0
        self._asked = False
        self._bare_sorry: deque[float] = deque()
        self.configure(book, cfg, escalation)

    def configure(self, book: Phrasebook, cfg, escalation: EscalationConfig | None = None) -> None:
        """The phrasebook and the ``[triggers]`` and ``[escalation]`` settings; mid-call (a
        reload, or the call's language found), what was heard and shown so far stays."""
        self._book = book
        self.language = book.language
        self._cfg = cfg
        escalation = escalation or EscalationConfig()
        self.escalation.configure(escalation)
        self._reminder_after_s = escalation.reminder_after_s
        neg = book.intents.get("negation")
        self._negation = Negation.of(book.language, neg.words, neg.after, neg.affixes) if neg else Negation()

        def compiled(phrases: list[str]) -> list[Phrase]:
            return [compile_phrase(x, book.language, self._negation) for p in phrases for x in expand(p)]

        self._phrases = {i: compiled(book.intents[i].phrases) for i in INTENTS if i in book.intents}
        self._unless = {i: compiled(book.intents[i].unless) for i in INTENTS if i in book.intents}
        every = [p for table in (self._phrases, self._unless) for phrases in table.values() for p in phrases]
        self._words = Words(every, cfg.fuzzy_min, self._negation)
        # Each phrase filed under its rarest word: only phrases whose rarest word was heard are
        # tried (a phrasebook expands to thousands of phrases; an utterance has a few words).
        counts = Counter(key for p in every for key in _keys(p))
        self._phrase_index = {i: _file(phrases, counts) for i, phrases in self._phrases.items()}
        self._unless_index = {i: _file(phrases, counts) for i, phrases in self._unless.items()}
        self._names = names.Reader(book, (w for phrases in self._phrases.values() for p in phrases for w in p.folded))
        self._learned = learned.load(book.language) if cfg.learned else None
        # The model overrules only phrases it was trained with: a phrase a team adds always counts.
        shipped = load_phrasebook(book.language).intents if self._learned else {}
        self._trained = {i: frozenset(x for p in shipped[i].phrases for x in expand(p)) for i in shipped}
        for kind in [k for k in book.prompts if k not in MONITOR_KINDS]:  # in the book's order: events stay byte-stable
            if kind in self._prompts:
                self._prompts[kind].configure(book, cfg.min_show_s, cfg.cooldown_s)
            else:
                self._prompts[kind] = Prompt(kind, book, cfg.min_show_s, cfg.cooldown_s)

    def intents(self, speaker: str, t: Tokens, only: tuple[str, ...] | None = None, final: bool = True) -> dict[str, Match]:
        """The intents of ``speaker`` (or just those in ``only``) found in ``t``, each with its
        best match: the phrase lists' findings, weighed by the learned layer (``rules.learned``;
        on a partial, whose sentence may still turn, it alone fires only when surer)."""
        found = self._matched(speaker, t, only)
        if self._learned is None or only is not None or not t.words:
            return found
        # The model reads each sentence (long ones in windows), and the clauses of one with commas,
        # knowing which phrases matched there.
        read, sentences = [], learned.windows(t)
        for w in sentences + learned.clauses(t):
            part, matched = learned.part(t, w), frozenset(i for i, m in found.items() if _within(m, w))
            read.append((w, part, matched, self._learned.probabilities(part, matched)))
        for intent, phrases in self._phrases.items():
            if speaker_of(intent) != speaker or not phrases:  # no phrases: switched off
                continue
            if intent in found:
                m = found[intent]
                if m.phrase.text in self._trained.get(intent, ()) and max(p[intent] for w, _, _, p in read if _within(m, w)) < learned.VETO:
                    del found[intent]
                continue
            w, part, matched, p = max(read[: len(sentences)], key=lambda r: r[3][intent])
            if intent == "name" or p[intent] < (learned.FIRE if final else learned.FIRE_PARTIAL) or len(w) < learned.MIN_WORDS:
                continue
            first, last = self._learned.span(part, matched, intent)
            m = Match(_LEARNED, round(100 * p[intent], 1), w.start + first, w.start + last)
            if self._fits(intent, m, t):
                found[intent] = m
        return found

    def _matched(self, speaker: str, t: Tokens, only: tuple[str, ...] | None) -> dict[str, Match]:
        """The intents the phrase lists find."""
        similar = self._words.compare(t)
        found = {}
        for intent, index in self._phrase_index.items():
            if speaker_of(intent) != speaker or (only is not None and intent not in only):
                continue
            matches = [m for p in _heard(index, similar) if (m := self._find(p, t, similar))]
            if intent == "name":
                matches = [named for m in matches if (named := self._names.taken(m, self._says_something))]
            else:
                matches = [m for m in matches if self._fits(intent, m, t)]
            if intent == "agent_question":
                matches += [Match(_QUESTION_MARK, 100.0, s.start, s.stop - 1) for a in t.asks
                            if len(s := t.sentence(a)) >= _QUESTION_MIN_WORDS]
            if matches and self._unless[intent]:
                unless = [u for p in _heard(self._unless_index[intent], similar) if (u := self._find(p, t, similar))]
                matches = [m for m in matches if not any(
                    u.first <= m.last + _UNLESS_REACH and m.first <= u.last + _UNLESS_REACH and not names.within_surname(u, m, t)
                    for u in unless)]
            if matches:
                found[intent] = max(matches, key=lambda m: m.score)
        return found

    def _find(self, phrase: Phrase, t: Tokens, similar: Similar) -> Match | None:
        return find(phrase, t, self._cfg.fuzzy_min, self._negation, similar)

    def _fits(self, intent: str, match: Match, t: Tokens) -> bool:
        """Whether what ``match`` found can be ``intent``: a bare apology is short and names
        neither the customer nor the problem; a sentence the recogniser closed with a full stop
        was said as a statement, whatever its words ("I will send you…", "that is the
        courier's fault")."""
        if intent == "agent_sorry":
            return self._bare(t, match)
        if intent == "agent_question":
            return t.sentence(match.first).start not in t.tells
        return True

    def _says_something(self, t: Tokens) -> bool:
        """Whether ``t``, taken for a name, says something else the caller may say: then it is none."""
        return bool(self.intents("caller", t, _NOT_NAMES))

    def on_transcript(self, event: Event) -> list[Event]:
        speaker, now = event["speaker"], event["t"]
        t = tokens(event["text"], self.language)
        found = self.intents(speaker, t, final=event["type"] == "transcript.final")
        if event["type"] == "transcript.partial":
            found.pop("agent_callback", None)  # a promise's time may come at its end: wait for the final
            if "name" in found and found["name"].last == len(t.words) - 1:
                # A partial's last word may be one cut off mid-word ("this is ready" of "this is
                # ridiculous"): a name there waits for the next decode.
                del found["name"]
        new = {i: m for i, m in found.items() if i not in self._fired[speaker]}
        self._fired[speaker] |= set(new)
        if event["type"] == "transcript.final":
            self._fired[speaker] = set()
            if speaker == "agent":
                self.escalation.agent_spoke()
        out: list[Event] = []
        if event["type"] == "transcript.final":
            out += self._correct(speaker, found, t, now, event["text"])
        for intent, match in new.items():
            before = (self.name, self.address) if intent == "name" else tuple(self.topics)
            reacted = self._react(intent, match, t, speaker, now, event)
            if event["type"] == "transcript.partial":
                shown = [(e["kind"], e["id"]) for e in reacted if e["type"] == "prompt.shown"]
                self._early[speaker][intent] = (shown, before)
            out += reacted
        return out

    def _correct(self, speaker: str, found: dict[str, Match], t: Tokens, now: float, text: str) -> list[Event]:
        """What the partials of this utterance showed, set right by its final: a prompt the
        final still supports is updated with its words (a name, the quoted phrase), one it no
        longer supports is cleared, and a misheard name leaves every line it was in."""
        out: list[Event] = []
        for intent, (shown, before) in self._early[speaker].items():
            match, old = found.get(intent), self.address
            if intent == "name":
                self.name, self.address = self._names.said(match, t, text) if match else before
            elif match is None and intent in self.topics and intent not in before:  # misheard: not a topic of the call
                self.topics.remove(intent)
            for kind, id in shown:
                prompt = self._prompts[kind]
                if prompt.id == id:
                    out += prompt.update(now, self._renamed(prompt.suggested, old), who=speaker, heard=match.heard(t)) \
                        if match else prompt.withdraw(now)
            if intent == "name":  # and from the lines of any other prompt on screen
                out += [e for p in self._prompts.values() if p.active for e in p.update(now, self._renamed(p.suggested, old))]
        self._early[speaker] = {}
        return out

    def _renamed(self, lines: list[str], old: str) -> list[str]:
        """``lines`` with the name as it is now where they said it as ``old``."""
        if not old or old == self.address:
            return lines
        return [self.address if line == old else _tidy(line.replace(old, self.address))
                for line in lines if line != old or self.address]

    def caller_voice(self, over_db: float, t: float) -> None:
        """The caller's loudness over their own baseline, while they speak."""
        self.escalation.voice(over_db, t)

    def tick(self, t: float) -> list[Event]:
        out = [e for p in self._prompts.values() if p.shown_at is not None for e in p.tick(t)]  # per frame: only what shows
        for kind in self.escalation.tick(t):
            heard = self.escalation.heard
            if kind == "goodwill":
                out += self._nudge(kind, t, minutes=round(t / 60), suggestions=self._lines(kind))
            else:
                out += self._nudge(kind, t, who="caller", heard=heard, suggestions=self._lines(kind))
        if self._reminder is not None and t >= self._reminder[0]:
            out += self._nudge("callback_reminder", t, heard=self._reminder[1], suggestions=self._lines("callback_reminder"))
            self._reminder = None
        return out

    def finish(self, t: float) -> list[Event]:
        return [e for p in self._prompts.values() for e in p.tick(t, force=True)]

    # ---------------------------------------------------------------------------------

    def _lines(self, kind: str, topic: str | None = None) -> list[str]:
        table = self._book.lines.get(kind, {})
        lines = table.get(topic or "", table.get("default", []))
        return [lines] if isinstance(lines, str) else list(lines)

    def _nudge(self, kind: str, now: float, suggestions: list[str], **reason) -> list[Event]:
        prompt = self._prompts.get(kind)
        if prompt is None:
            return []
        shown = prompt.show(now, suggestions=suggestions, **reason)
        prompt.request_clear()  # a nudge: it goes after min_show_s
        return shown

    def _react(self, intent: str, match: Match, t: Tokens, speaker: str, now: float, event: Event) -> list[Event]:
        heard = match.heard(t)
        topic = self.topics[-1] if self.topics else None
        out: list[Event] = []
        if intent in _AGITATION:
            self._agitation += 1
        if speaker == "caller":
            self.escalation.said(intent, heard, now)
        if intent in TOPICS and intent != "repeat_contact":
            if intent not in self.topics:
                self.topics.append(intent)
            topic = intent
        if intent == "insult":
            out += self._nudge("dont_take_personally", now, self._lines("dont_take_personally"), who=speaker, heard=heard)
        elif intent == "frustration" or (intent in TOPICS and intent != "repeat_contact"):
            out += self._nudge("empathy", now, self._lines("empathy", topic), who=speaker, heard=heard)
        elif intent in ("do_something", "repeat_contact"):
            out += self._nudge("commit_action", now, self._lines("commit_action", topic), who=speaker, heard=heard)
        elif intent == "manager":
            out += self._nudge("offer_supervisor", now, self._lines("offer_supervisor"), who=speaker, heard=heard)
        elif intent == "name":
            self.name, self.address = self._names.said(match, t, event["text"])
            out += self._nudge("use_name", now, [self.address], who=speaker, heard=heard)
        elif intent in ("agent_blame", "agent_excuse"):
            out += self._nudge("no_blame", now, self._lines("no_blame", topic), who=speaker, heard=heard)
        elif intent == "agent_question":
            # Any question of the phrasebook's counts; a question mark alone only once a problem
            # is heard (the greeting's "How can I help you?" is not about it).
            self._asked = self._asked or match.phrase is not _QUESTION_MARK or self._agitation > 0
            if topic:
                out += self._nudge("offer_solution", now, self._lines("offer_solution", topic), who=speaker, heard=heard)
        elif intent == "agent_sorry":
            out += self._sorry(now, speaker, heard, topic)
        elif intent == "agent_callback":
            out.append(self._promise(event, match))
        if speaker == "caller" and not self._asked and self._agitation >= self._cfg.agitation_for_questions:
            out += self._nudge("ask_questions", now, self._lines("ask_questions", topic), who=speaker, heard=heard)
        return out

    def _promise(self, event: Event, match: Match) -> Event:
        """A call-back promise with its due time, read first from the promise's own sentence; a
        vague one is followed by a reminder to agree a time, unless a promise with a time comes
        first."""
        when = due.parse(event["text"], self.language, word=match.first)
        promise = {
            "t": event["t"], "type": "callback.promised", "text": event["text"],
            "due": when.at(self._call_start, event["start"]) if self._call_start else None,
            "due_said": when.said(), "said_at": event["start"],
        }
        self.promises.append(promise)
        self._reminder = (event["t"] + self._reminder_after_s, event["text"]) if when.vague else None
        return promise

    def _bare(self, t: Tokens, match: Match) -> bool:
        """A bare apology: its sentence is short and names neither the customer nor the problem."""
        at = t.sentence(match.first)
        if len(at) > self._cfg.bare_sorry_max_words:
            return False
        sentence = Tokens(t.words[at.start : at.stop], t.stems[at.start : at.stop])
        if {fold(lower(w, self.language)) for w in self.name.split()} & set(sentence.folded):
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
            _tidy(line.format(name=self.address, problem=problem[0] if problem else ""))
            for line in self._lines("specific_apology", topic)
            if problem or "{problem}" not in line  # no problem heard yet: only lines without one
        ]
        return self._nudge("specific_apology", now, lines, who=speaker, heard=heard)


def _within(match: Match, words: range) -> bool:
    """Whether ``match`` has a word in ``words``."""
    return match.first < words.stop and match.last >= words.start


def _keys(phrase: Phrase) -> list[tuple[str, str]]:
    return [key for key in zip(phrase.stems, phrase.folded) if key[0] != "{name}"]


def _file(phrases: list[Phrase], counts: Counter) -> dict[tuple[str, str] | None, list[Phrase]]:
    """``phrases`` filed under their rarest word."""
    index: dict[tuple[str, str] | None, list[Phrase]] = {}
    for p in phrases:
        keys = _keys(p)
        index.setdefault(min(keys, key=counts.__getitem__) if keys else None, []).append(p)
    return index


def _heard(index: dict[tuple[str, str] | None, list[Phrase]], similar: Similar) -> list[Phrase]:
    """The phrases whose rarest word was heard (in the index's order: deterministic)."""
    return [p for key, phrases in index.items() if key is None or key in similar for p in phrases]


def _tidy(line: str) -> str:
    """A filled template without the gaps an unknown name leaves: "sorry, ." -> "sorry."."""
    line = re.sub(r"[\s,،]+([.!?؟])", r"\1", " ".join(line.split()))
    return re.sub(r"\s+([,،])", r"\1", line)

