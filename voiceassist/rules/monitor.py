"""The voice monitor's prompts (PLAYBOOK rows 1, 2 and 4), from both speakers' Measurements.

Pure: given Measurements in time order it returns events, timed by the audio, so a recorded
call replays to the same prompts. Every prompt has a trigger level that must hold for a while,
a lower clear level (hysteresis), a minimum display time and a cool-down, so nothing flickers
or nags:

- ``lower_voice``: the agent is ``raise_db`` over their own baseline (``raise_db - mirror_db``
  while the caller is getting louder than *their* baseline: a louder caller calls for a lower
  agent);
- ``slow_down``: the agent's rate is over the language's maximum, or over their own calm rate
  by ``relative_max`` (but not under ``min_sps``); lower while the caller is agitated;
- ``let_them_finish``: the agent talked over the caller ``count`` times within ``window_s``;
- ``acknowledge``: the caller has spoken ``monologue_s`` with no sound from the agent;
- ``check_in``: the reverse, the agent has spoken ``monologue_s`` with no sound from the caller;
- ``dead_air``: neither side has spoken for ``silence_s`` mid-call: once both have spoken (not
  the ringing or hold music before), and not after the agent's closing words (the call is
  ending); it clears when anyone speaks.

It also keeps the call's talk shares (``rules.talk``), which ``level`` events carry.
"""

from __future__ import annotations

import math
from collections import deque

from voiceassist.analysis.monitor import Measurement
from voiceassist.config import RateMonitorConfig
from voiceassist.events import Event
from voiceassist.frames import HOP_MS
from voiceassist.rules.phrasebook import Phrasebook
from voiceassist.rules.prompt import Prompt
from voiceassist.rules.talk import TalkShare

__all__ = ["MonitorRules", "rate_limit_sps"]

# A level prompt also clears once the agent has not spoken for this long: the level it reacts
# to is no longer there.
_QUIET_CLEAR_S = 3.0
# The caller counts as agitated (for mirroring) while their last speech was this recent.
_CALLER_RECENT_S = 5.0
# A caller's monologue ends when they fall silent this long: the agent had room to speak.
_MONOLOGUE_GAP_S = 2.0
# After the agent's closing words, an utterance this long (not a "bye" back) means the call goes on.
_RESUMED_S = 2.0
# Dead air is a silence in a conversation: both sides have talked this long (a click or the VAD
# settling on line noise at the start is not the conversation beginning).
_CONVERSATION_S = 1.0


def rate_limit_sps(rate: RateMonitorConfig, language: str, baseline_sps: float | None, agitated: bool = False) -> float:
    """The agent's speech rate over which ``slow_down`` shows: the language's maximum, or their
    own calm rate by ``relative_max`` when that is lower (but not under ``min_sps``); lower
    while the caller is agitated."""
    maximum = rate.max_sps_by_language.get(language, rate.max_sps)
    if baseline_sps is not None:
        maximum = min(maximum, max(rate.min_sps, baseline_sps * rate.relative_max))
    return maximum - (rate.mirror_sps if agitated else 0.0)


class _Level:
    """A level prompt: shows when ``over`` holds ``hold_s``, clears when ``under`` holds
    ``clear_hold_s`` or the agent has been quiet ``_QUIET_CLEAR_S``."""

    def __init__(self, prompt: Prompt, hold_s: float, clear_hold_s: float):
        self.prompt = prompt
        self.hold_s = hold_s
        self.clear_hold_s = clear_hold_s
        self._over_since: float | None = None
        self._under_since: float | None = None

    def update(self, t: float, over: bool, under: bool, reason) -> list[Event]:
        self._over_since = (self._over_since or t) if over else None
        self._under_since = (self._under_since or t) if under else None
        if self._over_since is not None and t - self._over_since >= self.hold_s:
            return self.prompt.show(t, **reason(t - self._over_since))
        if self._under_since is not None and t - self._under_since >= self.clear_hold_s:
            self.prompt.request_clear()
        return []

    def quiet(self, t: float, since: float) -> None:
        self._over_since = None
        if t - since >= _QUIET_CLEAR_S:
            self.prompt.request_clear()


class _Monologue:
    """One speaker talking on with no sound from the other: shows once ``talker`` has spoken
    ``monologue_s`` (pauses under ``_MONOLOGUE_GAP_S`` go on the same monologue); any voiced
    frame of the other side ends it and clears the prompt."""

    def __init__(self, prompt: Prompt, talker: str):
        self.prompt = prompt
        self.talker = talker
        self._since: float | None = None
        self._last_voiced = -math.inf

    def update(self, m: Measurement, monologue_s: float) -> list[Event]:
        if m.speaker != self.talker:
            if m.voiced:
                self._since = None
                self.prompt.request_clear()
            return []
        if m.voiced:
            if self._since is None or m.t - self._last_voiced > _MONOLOGUE_GAP_S:
                self._since = m.t
            self._last_voiced = m.t
        if self._since is None or not m.speaking or m.t - self._since < monologue_s:
            return []
        return self.prompt.show(m.t, s=m.t - self._since)


class MonitorRules:
    def __init__(self, cfg, book: Phrasebook):
        loud, rate, over, ack = cfg.loudness, cfg.rate, cfg.overtalk, cfg.acknowledge
        self._loud = _Level(Prompt("lower_voice", book, loud.min_show_s, loud.cooldown_s), loud.hold_s, loud.clear_hold_s)
        self._fast = _Level(Prompt("slow_down", book, rate.min_show_s, rate.cooldown_s), rate.hold_s, rate.clear_hold_s)
        self._overtalk_prompt = Prompt("let_them_finish", book, over.min_show_s, over.cooldown_s)
        self._ack = _Monologue(Prompt("acknowledge", book, ack.min_show_s, ack.cooldown_s), "caller")
        self._check_in = _Monologue(Prompt("check_in", book, cfg.check_in.min_show_s, cfg.check_in.cooldown_s), "agent")
        self._dead_air = Prompt("dead_air", book, cfg.dead_air.min_show_s, cfg.dead_air.cooldown_s)
        self._prompts = [self._loud.prompt, self._fast.prompt, self._overtalk_prompt, self._ack.prompt,
                         self._check_in.prompt, self._dead_air]
        self.talk = TalkShare()
        self._closed = False  # the agent's closing words were heard and nobody spoke since
        self.configure(cfg, book)
        self._last: dict[str, Measurement] = {}
        self._speaking_since: dict[str, float | None] = {"caller": None, "agent": None}
        self._agent_quiet_since = 0.0
        self._caller_last_voiced = -math.inf
        self._overtalk_voiced_s: float | None = None  # agent's voice so far in a possible over-talk
        self._overtalks: deque[float] = deque()

    def configure(self, cfg, book: Phrasebook) -> None:
        """The ``[monitor]`` thresholds and the phrasebook's texts; mid-call (a reload), what
        has been measured and shown so far stays."""
        self._cfg = cfg
        for level, c in ((self._loud, cfg.loudness), (self._fast, cfg.rate)):
            level.prompt.configure(book, c.min_show_s, c.cooldown_s)
            level.hold_s, level.clear_hold_s = c.hold_s, c.clear_hold_s
        self._overtalk_prompt.configure(book, cfg.overtalk.min_show_s, cfg.overtalk.cooldown_s)
        for prompt, c in ((self._ack.prompt, cfg.acknowledge), (self._check_in.prompt, cfg.check_in), (self._dead_air, cfg.dead_air)):
            prompt.configure(book, c.min_show_s, c.cooldown_s)
        self._language = book.language

    def on_measurement(self, m: Measurement) -> list[Event]:
        out: list[Event] = []
        was_speaking = self._speaking_since[m.speaker] is not None
        if m.speaking and not was_speaking:
            self._speaking_since[m.speaker] = m.t
        elif not m.speaking:
            self._speaking_since[m.speaker] = None
        self._last[m.speaker] = m
        self.talk.push(m)
        if m.speaker == "caller":
            if m.voiced:
                self._caller_last_voiced = m.t
        else:
            out += self._agent(m, started=m.speaking and not was_speaking)
        out += self._ack.update(m, self._cfg.acknowledge.monologue_s)
        out += self._check_in.update(m, self._cfg.check_in.monologue_s)
        out += self._silence(m)
        for prompt in self._prompts:
            out += prompt.tick(m.t)
        return out

    def closing(self) -> None:
        """The agent's closing words were heard: the silence that follows ends the call, it is
        not dead air (until someone speaks again)."""
        self._closed = True

    def finish(self, t: float) -> list[Event]:
        return [e for prompt in self._prompts for e in prompt.tick(t, force=True)]

    # ---------------------------------------------------------------------------------

    def _caller_agitated(self, t: float) -> bool:
        c = self._last.get("caller")
        return (
            c is not None and c.loudness_lufs is not None and c.baseline_lufs is not None
            and t - self._caller_last_voiced < _CALLER_RECENT_S
            and c.loudness_lufs - c.baseline_lufs > self._cfg.loudness.caller_rise_db
        )

    def _agent(self, m: Measurement, started: bool) -> list[Event]:
        out: list[Event] = []
        if not m.speaking:
            self._loud.quiet(m.t, self._agent_quiet_since)
            self._fast.quiet(m.t, self._agent_quiet_since)
            self._overtalk_voiced_s = None
            return out
        self._agent_quiet_since = m.t
        agitated = self._caller_agitated(m.t)
        if m.voiced and m.loudness_lufs is not None and m.baseline_lufs is not None:
            lc = self._cfg.loudness
            over_db = m.loudness_lufs - m.baseline_lufs
            threshold = lc.raise_db - (lc.mirror_db if agitated else 0.0)
            out += self._loud.update(
                m.t, over_db > threshold, over_db < threshold - lc.hysteresis_db,
                lambda held: {"db": over_db, "s": held},
            )
        if m.voiced and m.rate_sps is not None:
            maximum = rate_limit_sps(self._cfg.rate, self._language, m.baseline_sps, agitated)
            out += self._fast.update(
                m.t, m.rate_sps > maximum, m.rate_sps < maximum - self._cfg.rate.hysteresis_sps,
                lambda held: {"sps": m.rate_sps, "max": maximum},
            )
        out += self._overtalk(m, started)
        return out

    def _overtalk(self, m: Measurement, started: bool) -> list[Event]:
        oc = self._cfg.overtalk
        caller_since = self._speaking_since["caller"]
        if started:
            mid_utterance = caller_since is not None and m.t - caller_since >= oc.min_caller_speech_s
            self._overtalk_voiced_s = 0.0 if mid_utterance else None
        if self._overtalk_voiced_s is None or not m.voiced:
            return []
        self._overtalk_voiced_s += HOP_MS / 1000
        if self._overtalk_voiced_s < oc.backchannel_max_s:
            return []
        self._overtalk_voiced_s = None
        if caller_since is None:  # the caller stopped: a turn change, not an interruption
            return []
        self._overtalks.append(m.t)
        while self._overtalks and m.t - self._overtalks[0] > oc.window_s:
            self._overtalks.popleft()
        if len(self._overtalks) < oc.count:
            return []
        n = len(self._overtalks)
        self._overtalks.clear()
        shown = self._overtalk_prompt.show(m.t, n=n, window=oc.window_s)
        self._overtalk_prompt.request_clear()  # a nudge, not a state: it goes after min_show_s
        return shown

    def _silence(self, m: Measurement) -> list[Event]:
        if m.voiced:
            since = self._speaking_since[m.speaker]
            if since is not None and m.t - since > _RESUMED_S:  # more than a "bye": the call goes on
                self._closed = False
            self._dead_air.request_clear()
            return []
        talk = self.talk
        if self._closed or min(talk.talk_s("caller"), talk.talk_s("agent")) < _CONVERSATION_S:
            return []
        if any(last.speaking for last in self._last.values()):
            return []
        held = m.t - max(talk.last_voiced.values())
        return self._dead_air.show(m.t, s=held) if held >= self._cfg.dead_air.silence_s else []
