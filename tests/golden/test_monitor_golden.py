"""Golden calls for the voice monitor: recorded stereo calls (tests/fixtures/golden, built by
scripts/build_golden_calls.py, ground truth in manifest.json) give the expected prompts at the
expected times, and nothing else. The monitor runs on the real audio without recognition
(it needs none), so this is fast."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from voiceassist.config import load_config
from voiceassist.events import dumps
from voiceassist.pipeline import run_call
from voiceassist.sinks.memory import ListSink
from voiceassist.sources.wav import WavSource

GOLDEN = Path(__file__).parents[1] / "fixtures" / "golden"
MANIFEST = json.loads((GOLDEN / "manifest.json").read_text(encoding="utf-8"))
CALLS = {entry["file"]: entry for entry in MANIFEST["files"]}


def monitor(name: str, **overrides) -> list[dict]:
    sink = ListSink()
    with WavSource(GOLDEN / name) as source:
        run_call(source, None, [sink], load_config(None, overrides))
    return sink.events


_RESULTS: dict[str, list[dict]] = {}


def prompts(name: str) -> list[dict]:
    if name not in _RESULTS:
        _RESULTS[name] = monitor(name)
    return [e for e in _RESULTS[name] if e["type"].startswith("prompt.")]


def shown(name):
    return [(e["kind"], e["t"]) for e in prompts(name) if e["type"] == "prompt.shown"]


def test_raised_voice_gives_one_lower_voice_within_2_s_and_clears_after():
    rise = CALLS["loud_agent.wav"]["events"]["rise"]
    assert [k for k, _ in shown("loud_agent.wav")] == ["lower_voice"]
    (_, t), = shown("loud_agent.wav")
    assert rise["start"] <= t <= rise["start"] + 2.0
    cleared = [e["t"] for e in prompts("loud_agent.wav") if e["type"] == "prompt.cleared"]
    assert len(cleared) == 1 and rise["end"] <= cleared[0] <= rise["end"] + 10.0


@pytest.mark.parametrize("variant", ["loud_agent_quiet_headset.wav", "loud_agent_loud_headset.wav"])
def test_quiet_and_loud_headsets_give_the_same_prompts(variant):
    base = prompts("loud_agent.wav")
    other = prompts(variant)
    assert [(e["type"], e["kind"]) for e in other] == [(e["type"], e["kind"]) for e in base]
    for a, b in zip(base, other):
        assert a["t"] == pytest.approx(b["t"], abs=0.5)


def test_speeding_up_by_half_gives_one_slow_down_within_6_s():
    fast = CALLS["fast_agent.wav"]["events"]["fast"]
    assert [k for k, _ in shown("fast_agent.wav")] == ["slow_down"]
    (_, t), = shown("fast_agent.wav")
    assert fast["start"] <= t <= fast["start"] + 6.0


def test_talking_over_the_caller_three_times_but_not_back_channels():
    overtalks = CALLS["overtalk.wav"]["events"]["overlaps"]
    assert [k for k, _ in shown("overtalk.wav")] == ["let_them_finish"]
    (_, t), = shown("overtalk.wav")
    third = sorted(o["t"] for o in overtalks)[2]
    assert third <= t <= third + 3.0


def test_a_long_monologue_asks_for_acknowledgement():
    start = CALLS["monologue.wav"]["events"]["monologue"]["start"]
    assert [k for k, _ in shown("monologue.wav")] == ["acknowledge"]
    (_, t), = shown("monologue.wav")
    assert start + 29.0 <= t <= start + 33.0


@pytest.mark.parametrize(
    "name", ["calm.wav", "calm_quiet_headset.wav", "calm_loud_headset.wav", "monologue_ack.wav"]
)
def test_calm_calls_get_no_monitor_prompt(name):
    assert prompts(name) == []


@pytest.mark.parametrize("name", sorted(CALLS))
def test_expected_and_forbidden_kinds_from_the_manifest(name):
    entry = CALLS[name]
    kinds = [k for k, _ in shown(name)]
    for forbidden in entry["forbidden_kinds"]:
        assert forbidden not in kinds
    for expected in entry["expected_prompts"]:
        assert kinds.count(expected["kind"]) == 1


def test_the_same_call_gives_the_same_events_byte_for_byte():
    once = [dumps(e) for e in monitor("overtalk.wav", **{"asr.language": "en"})]
    again = [dumps(e) for e in monitor("overtalk.wav", **{"asr.language": "en"})]
    assert once == again
