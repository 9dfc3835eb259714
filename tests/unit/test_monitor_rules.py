"""The voice monitor's rules on synthetic measurement streams: hold, hysteresis, minimum
display, cool-down, mirroring, over-talk versus back-channels, monologues."""

from __future__ import annotations

import pytest

from voiceassist.analysis.monitor import Measurement
from voiceassist.config import load_config
from voiceassist.rules.monitor import MonitorRules
from voiceassist.rules.phrasebook import load_phrasebook

HOP = 0.02
BASE = -30.0


def rules(language="en", **overrides):
    cfg = load_config(None, overrides)
    return MonitorRules(cfg.monitor, load_phrasebook(language))


class Call:
    """Feeds both speakers' measurements hop by hop, as the pipeline does."""

    def __init__(self, r: MonitorRules):
        self.r = r
        self.t = 0.0
        self.events: list[dict] = []

    def run(self, seconds, agent=None, caller=None):
        """``agent``/``caller``: None (silent) or a dict of loudness over baseline ``db``, ``sps``."""
        for _ in range(round(seconds / HOP)):
            self.t = round(self.t + HOP, 6)
            for speaker, state in (("caller", caller), ("agent", agent)):
                voiced = state is not None
                self.speaking[speaker] = voiced or (self.t - self.last_voiced.get(speaker, -9) < 0.5)
                if voiced:
                    self.last_voiced[speaker] = self.t
                    self.level[speaker] = (BASE + state.get("db", 0.0), state.get("sps", 3.5))
                loudness, rate = self.level.get(speaker, (None, None))  # held through pauses, as measured
                m = Measurement(speaker, self.t, voiced, self.speaking[speaker], loudness, BASE, rate, 3.5)
                self.events += self.r.on_measurement(m)
        return self

    speaking: dict = {}
    last_voiced: dict = {}
    level: dict = {}

    def end(self):
        self.events += self.r.finish(self.t)
        return self.events

    def kinds(self, type_="prompt.shown"):
        return [(e["kind"], e["t"]) for e in self.events if e["type"] == type_]


@pytest.fixture
def call():
    Call.speaking, Call.last_voiced, Call.level = {}, {}, {}
    return Call(rules())


CALM = {"db": 0.0, "sps": 3.5}


def test_a_calm_agent_gets_no_prompt(call):
    for _ in range(6):
        call.run(10, agent=CALM).run(0.7).run(15, caller=CALM).run(0.7)
    assert call.end() == []


def test_raised_voice_shows_lower_voice_once_after_the_hold_and_clears_after(call):
    call.run(10, agent=CALM).run(10, agent={"db": 8.0, "sps": 3.5}).run(10, agent=CALM)
    assert [k for k, _ in call.kinds()] == ["lower_voice"]
    (_, shown), = call.kinds()
    assert shown == pytest.approx(10.5, abs=0.05)  # hold_s = 0.5
    (_, cleared), = call.kinds("prompt.cleared")
    assert cleared == pytest.approx(21.0, abs=0.05)  # back under raise - hysteresis for clear_hold_s


def test_reason_carries_the_measured_numbers(call):
    call.run(2, agent={"db": 8.1, "sps": 3.5})
    shown = [e for e in call.events if e["type"] == "prompt.shown"][0]
    assert shown["reason"] == "+8.1 dB over your usual level for 0.5 s"
    assert shown["id"] == "lower_voice-1" and shown["language"] == "en"


def test_hysteresis_keeps_the_prompt_between_clear_and_trigger_levels(call):
    call.run(10, agent={"db": 8.0}).run(20, agent={"db": 4.0})  # 4 dB: under 6, over 6 - 3
    assert call.kinds("prompt.cleared") == []


def test_minimum_display_time(call):
    call.run(0.8, agent={"db": 8.0}).run(10, agent=CALM)
    (_, shown), = call.kinds()
    (_, cleared), = call.kinds("prompt.cleared")
    assert cleared - shown == pytest.approx(4.0, abs=0.05)


def test_cool_down_stops_nagging(call):
    call.run(5, agent={"db": 8.0}).run(5, agent=CALM).run(5, agent={"db": 8.0}).run(30, agent=CALM)
    call.run(5, agent={"db": 8.0})
    shows = [t for k, t in call.kinds() if k == "lower_voice"]  # 50 s of the agent alone also asks to check in
    assert len(shows) == 2 and shows[1] - shows[0] > 20


def test_a_louder_caller_tightens_the_agents_threshold():
    for caller_db, expected in ((0.0, []), (5.0, ["lower_voice"])):
        Call.speaking, Call.last_voiced, Call.level = {}, {}, {}
        c = Call(rules()).run(3, caller={"db": caller_db}).run(5, agent={"db": 4.0})
        assert [k for k, _ in c.kinds()] == expected


def test_fast_speech_over_the_language_maximum(call):
    call.run(10, agent=CALM).run(5, agent={"sps": 6.0})
    assert [k for k, _ in call.kinds()] == ["slow_down"]
    assert call.events[0]["reason"] == "6.0 syllables/s, over 4.9"  # own calm 3.5 × 1.4


def test_russian_has_its_own_maximum():
    Call.speaking, Call.last_voiced, Call.level = {}, {}, {}
    cfg = {"monitor.rate.relative_max": 3.0}  # only the absolute maximum applies
    assert Call(rules("ru", **cfg)).run(5, agent={"sps": 6.0}).kinds() == []
    Call.speaking, Call.last_voiced, Call.level = {}, {}, {}
    assert [k for k, _ in Call(rules("en", **cfg)).run(5, agent={"sps": 6.0}).kinds()] == ["slow_down"]


def test_talking_over_the_caller_three_times(call):
    for _ in range(3):
        call.run(2, caller=CALM).run(1.5, caller=CALM, agent=CALM).run(1, caller=CALM).run(2)
    assert [k for k, _ in call.kinds()] == ["let_them_finish"]
    assert "3 times in 60 s" in call.events[0]["reason"]


def test_back_channels_are_not_over_talk(call):
    for _ in range(5):
        call.run(2, caller=CALM).run(0.5, caller=CALM, agent=CALM).run(2, caller=CALM).run(1)
    assert "let_them_finish" not in [k for k, _ in call.kinds()]


def test_answering_after_the_caller_stops_is_not_over_talk(call):
    for _ in range(5):
        call.run(3, caller=CALM).run(0.6).run(3, agent=CALM).run(0.6)
    assert call.end() == []


def test_a_long_monologue_asks_for_acknowledgement_and_a_back_channel_clears_it(call):
    call.run(31, caller=CALM)
    assert [k for k, _ in call.kinds()] == ["acknowledge"]
    call.run(4, caller=CALM).run(0.4, caller=CALM, agent=CALM).run(2, caller=CALM)
    assert [k for k, _ in call.kinds("prompt.cleared")] == ["acknowledge"]


def test_back_channels_every_few_seconds_mean_no_acknowledge_prompt(call):
    for _ in range(8):
        call.run(8, caller=CALM).run(0.4, caller=CALM, agent=CALM)
    assert call.end() == []


def test_prompts_still_up_at_the_end_are_cleared(call):
    call.run(3, agent={"db": 8.0})
    events = call.end()
    assert [e["type"] for e in events] == ["prompt.shown", "prompt.cleared"]


@pytest.mark.parametrize("language", ["en", "tr", "ru", "ar", "hr"])
def test_every_language_has_the_monitor_prompts(language):
    Call.speaking, Call.last_voiced, Call.level = {}, {}, {}
    c = Call(rules(language)).run(3, agent={"db": 8.0})
    shown = c.events[0]
    assert shown["language"] == language and shown["text"] and "8.0" in shown["reason"]


def test_an_agent_monologue_asks_to_check_in_and_a_word_from_the_caller_clears_it(call):
    call.run(3, caller=CALM).run(0.6).run(44, agent=CALM)
    assert call.kinds() == []  # 44 s: not yet
    call.run(2, agent=CALM)
    (kind, t), = call.kinds()
    assert kind == "check_in" and t == pytest.approx(3.62 + 45.0, abs=0.05)
    assert call.events[0]["reason"] == "you have talked for 45 s without a word from the caller"
    call.run(6, agent=CALM).run(0.4, agent=CALM, caller=CALM).run(1, agent=CALM)
    assert [k for k, _ in call.kinds("prompt.cleared")] == ["check_in"]


def test_a_caller_who_answers_now_and_then_means_no_check_in(call):
    for _ in range(8):
        call.run(8, agent=CALM).run(0.4, agent=CALM, caller=CALM)
    assert call.end() == []


def test_dead_air_after_eight_seconds_of_silence_mid_call_cleared_by_speech(call):
    call.run(3, caller=CALM).run(0.6).run(3, agent=CALM).run(7.9)
    assert call.kinds() == []
    call.run(1)
    (kind, t), = call.kinds()
    assert kind == "dead_air" and t == pytest.approx(6.62 + 8.0, abs=0.05)
    assert call.events[0]["reason"] == "8 s of silence on the line"
    call.run(5, agent=CALM)
    assert [k for k, _ in call.kinds("prompt.cleared")] == ["dead_air"]
    call.run(9)  # a second silence within the cool-down: not again
    assert len(call.kinds()) == 1
    call.run(3, caller=CALM).run(30, agent=CALM).run(9)
    assert [k for k, _ in call.kinds()] == ["dead_air", "dead_air"]


def test_silence_before_both_sides_have_spoken_is_not_dead_air(call):
    # ringing, then the caller on hold (music is heard as voice on their line) with the agent not there yet
    call.run(12).run(20, caller=CALM).run(12).run(3, agent=CALM).run(3, caller=CALM).run(5)
    assert call.end() == []


def test_silence_after_the_agents_closing_words_is_not_dead_air(call):
    call.run(3, caller=CALM).run(0.6).run(3, agent=CALM)
    call.r.closing()
    call.run(0.6).run(0.8, caller=CALM).run(12)  # the caller's "bye" back does not reopen the call
    assert call.end() == []


def test_the_call_going_on_after_closing_words_can_have_dead_air_again(call):
    call.run(3, caller=CALM).run(0.6).run(3, agent=CALM)
    call.r.closing()
    call.run(0.6).run(4, caller=CALM).run(9)  # "actually, one more thing…"
    assert [k for k, _ in call.kinds()] == ["dead_air"]


@pytest.mark.parametrize("language", ["en", "tr", "ru", "ar", "hr"])
def test_every_language_has_dead_air_and_check_in_lines(language):
    Call.speaking, Call.last_voiced, Call.level = {}, {}, {}
    c = Call(rules(language)).run(3, caller=CALM).run(0.6).run(46, agent=CALM).run(9)
    shown = {e["kind"]: e for e in c.events if e["type"] == "prompt.shown"}
    assert set(shown) == {"check_in", "dead_air"}
    english = load_phrasebook("en").prompts
    for kind, e in shown.items():
        assert e["language"] == language and len(e["suggestions"]) >= 2
        assert (e["text"] == english[kind].text) == (language == "en")


def test_a_teams_older_phrasebook_gets_the_packaged_dead_air_and_check_in_texts(tmp_path):
    from pathlib import Path

    from voiceassist.errors import ConfigError

    older = Path(__file__).parents[1] / "fixtures" / "phrasebook"  # a team's copy from before these prompts
    book = load_phrasebook("en", older)
    assert book.prompts["dead_air"] == load_phrasebook("en").prompts["dead_air"]
    assert book.prompts["check_in"].text == "Check in with the caller"
    assert book.intents["agent_closing"] == load_phrasebook("en").intents["agent_closing"]  # the scorecard's words too
    assert book.intents["frustration"] != load_phrasebook("en").intents["frustration"]  # the team's own stay
    text = (older / "en.toml").read_text(encoding="utf-8")
    start = text.index("[prompts.acknowledge]")
    (tmp_path / "en.toml").write_text(text[:start] + text[text.index("[prompts.", start + 1):], encoding="utf-8")
    with pytest.raises(ConfigError, match="prompts.acknowledge missing in"):
        load_phrasebook("en", tmp_path)  # the prompts every phrasebook has had stay required


@pytest.mark.parametrize("language", ["tr", "ru", "ar", "hr"])
def test_dead_air_follows_the_language_found_mid_call(language):
    """``asr.language = auto``: the call starts in English; once language.detected says
    otherwise, dead air is shown in the caller's language."""
    from voiceassist.rules.call import CallRules
    from voiceassist.transcripts import LanguageFound

    out: list[dict] = []
    rules = CallRules(out.append, "en", load_config())
    t = 0.0

    def run(seconds, speaker=None):
        nonlocal t
        for _ in range(round(seconds / HOP)):
            t = round(t + HOP, 6)
            for who in ("caller", "agent"):
                voiced = who == speaker
                rules.measured(Measurement(who, t, voiced, voiced, None, None, None, None))

    run(3, "caller")
    rules.found(LanguageFound(language, 0.9, t))
    run(0.6)
    run(3, "agent")
    run(9)
    (shown,) = [e for e in out if e["type"] == "prompt.shown"]
    assert shown["kind"] == "dead_air" and shown["language"] == language
    assert shown["text"] == load_phrasebook(language).prompts["dead_air"].text
