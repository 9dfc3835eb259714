"""The caller's agitation, and what to do when it stays high (PLAYBOOK rows 11 and 13).

Agitation (0 to 1) is the caller's voice over their own calm baseline plus what they said
lately — insults, anger, complaints — fading with a half-life. When it stays high after the
agent has had their say, the agent is shown "take a pause, call back", then "offer a
supervisor"; late in a long call, "consider a goodwill gesture".
"""

from __future__ import annotations

from voiceassist.rules.phrasebook import TOPICS

__all__ = ["Escalation"]

_ANGER = ("frustration", "do_something", "manager", "repeat_contact")


class Escalation:
    def __init__(self, cfg):
        self.configure(cfg)
        self._words = 0.0  # weight of what was said, as of ``_words_t``
        self._words_t = 0.0
        self._voice = 0.0  # from the caller's loudness, as of ``_voice_t``
        self._voice_t = 0.0
        self._high_since: float | None = None
        self._agent_since_high = False  # the agent has spoken since agitation went high
        self._done: set[str] = set()  # kinds shown in this high spell (goodwill: in this call)
        self.heard = ""  # the last agitating words, for the prompt's reason

    def configure(self, cfg) -> None:
        """The ``[escalation]`` settings (a reload mid-call keeps the agitation heard so far)."""
        self._cfg = cfg

    def _fade(self, value: float, since: float, t: float) -> float:
        return value * 0.5 ** (max(0.0, t - since) / self._cfg.half_life_s)

    def level(self, t: float) -> float:
        return min(1.0, self._fade(self._voice, self._voice_t, t) + self._fade(self._words, self._words_t, t))

    def said(self, intent: str, heard: str, t: float) -> None:
        weight = (
            self._cfg.insult if intent == "insult"
            else self._cfg.anger if intent in _ANGER
            else self._cfg.complaint if intent in TOPICS
            else 0.0
        )
        if weight:
            self._words = self._fade(self._words, self._words_t, t) + weight
            self._words_t = t
            self.heard = heard

    def voice(self, over_db: float, t: float) -> None:
        """The caller's loudness over their baseline while they speak."""
        self._voice = self._cfg.voice * min(1.0, max(0.0, over_db / self._cfg.loud_db))
        self._voice_t = t

    def agent_spoke(self) -> None:
        self._agent_since_high = self._high_since is not None

    def tick(self, t: float) -> list[str]:
        """The kinds of prompt due at ``t``."""
        if self.level(t) < self._cfg.high:
            self._high_since, self._agent_since_high = None, False
            self._done -= {"pause_callback", "offer_supervisor"}
            return []
        if self._high_since is None:
            self._high_since = t
        if not self._agent_since_high:
            return []  # the agent has not had their say yet
        high_for = t - self._high_since
        due = []
        if high_for >= self._cfg.pause_after_s:
            due.append("pause_callback")
        if high_for >= self._cfg.supervisor_after_s:
            due.append("offer_supervisor")
        if high_for >= self._cfg.pause_after_s and t >= self._cfg.goodwill_after_s:
            due.append("goodwill")
        due = [kind for kind in due if kind not in self._done]
        self._done |= set(due)
        return due
