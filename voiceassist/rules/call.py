"""What the rules make of one call: prompts, promises, sampled ``level`` events and the
closing ``call.ended``, from the call's analysis (or from its transcript events).

Pure and timed by the audio: the same analysis in the same order gives the same events, byte
for byte, whatever the machine.
"""

from __future__ import annotations

import datetime as dt
from typing import Callable

from voiceassist import events
from voiceassist.analysis.monitor import Measurement
from voiceassist.config import Config
from voiceassist.events import Event
from voiceassist.frames import Speaker
from voiceassist.rules.monitor import MonitorRules
from voiceassist.rules.phrasebook import load_phrasebook
from voiceassist.rules.said import Said
from voiceassist.rules.triggers import TriggerEngine
from voiceassist.transcripts import LanguageFound, Transcript

__all__ = ["CallRules", "LEVEL_EVERY_S"]

# `level` events are sampled: at most one per speaker per this many seconds (the contract).
LEVEL_EVERY_S = 0.5


class CallRules:
    """The voice monitor's rules and the triggers of one call, emitting what they make.

    It takes the analysis, not the audio: each speaker's ``Measurement`` per frame and the
    transcripts, in the order they became known. So a call analysed once (``voiceassist.cache``)
    replays to the same events under any rule settings without touching its audio again; and
    a file of transcript events (``transcribed``, ``caller_level``) runs through the same rules.
    """

    def __init__(self, emit: Callable[[Event], None], language: str, cfg: Config, *,
                 levels: bool = False, call_start: dt.datetime | None = None):
        book = load_phrasebook(language, cfg.triggers.phrasebooks_dir)
        self.language = language
        self._cfg = cfg
        self._emit = emit
        self._levels = levels
        self._next_level: dict[Speaker, float] = {}
        self.monitor = MonitorRules(cfg.monitor, book)
        self.triggers = TriggerEngine(book, cfg.triggers, cfg.escalation, call_start)
        self._said = Said(book, cfg.triggers.fuzzy_min)

    def reload(self, cfg: Config) -> None:
        """A new config mid-call (``voiceassist.reload``): the rules' thresholds and the
        phrasebook change from the next frame; what was heard and shown so far stays. The
        analysis itself (VAD, recogniser, measurement windows) keeps the call's settings."""
        self._cfg = cfg
        book = load_phrasebook(self.language, cfg.triggers.phrasebooks_dir)
        self.monitor.configure(cfg.monitor, book)
        self.triggers.configure(book, cfg.triggers, cfg.escalation)
        self._said = Said(book, cfg.triggers.fuzzy_min)

    def found(self, found: LanguageFound) -> None:
        """The call's language, found from the caller's speech: written, and from now on the
        phrasebook, the prompts and their lines are that language's."""
        self._emit(events.language_detected(found))
        if found.language != self.language:
            self.language = found.language
            self.reload(self._cfg)

    def measured(self, m: Measurement) -> None:
        caller = m.speaker == "caller"
        if caller:
            self._caller_voice(m.speaking, m.loudness_lufs, m.baseline_lufs, m.t)
        made = self.monitor.on_measurement(m)  # first: the talk shares include this frame
        if self._levels and m.t >= self._next_level.get(m.speaker, 0.0):
            agitation = self.triggers.escalation.level(m.t) if caller else None
            self._emit(events.level(m, agitation, self.monitor.talk.shares()))
            self._next_level[m.speaker] = m.t + LEVEL_EVERY_S
        for event in made + self.triggers.tick(m.t):
            self._emit(event)

    def heard(self, tr: Transcript) -> None:
        self.transcribed(events.transcript(tr))

    def transcribed(self, event: Event) -> None:
        """A transcript event (``heard``, or read from a file): written, then what it says."""
        self._emit(event)
        if event["type"] == "transcript.final" and event["speaker"] == "agent" and self._said.heard("agent_closing", event["text"]):
            self.monitor.closing()
        for derived in self.triggers.on_transcript(event):
            self._emit(derived)

    def caller_level(self, event: Event) -> None:
        """The caller's ``level`` event read from a file: their voice feeds their agitation."""
        self._caller_voice(event["speaking"], event["loudness_lufs"], event["baseline_lufs"], event["t"])

    def tick(self, t: float) -> None:
        """Call time has reached ``t`` (a file of events, between its events)."""
        for event in self.triggers.tick(t):
            self._emit(event)

    def _caller_voice(self, speaking: bool, loudness_lufs: float | None, baseline_lufs: float | None, t: float) -> None:
        if speaking and loudness_lufs is not None and baseline_lufs is not None:
            self.triggers.caller_voice(loudness_lufs - baseline_lufs, t)

    def finish(self, duration: float, counts: events.Summary) -> None:
        for event in self.monitor.finish(duration) + self.triggers.finish(duration):
            self._emit(event)
        self._emit(events.call_ended(duration=duration, summary=self._summary(counts)))

    def _summary(self, counts: events.Summary) -> dict:
        """PLAYBOOK row 14: what to look at after the call."""
        promises = [{k: p[k] for k in ("text", "due", "due_said", "said_at")} for p in self.triggers.promises]
        return {**counts.result(), "topics": list(self.triggers.topics), "promises": promises}
