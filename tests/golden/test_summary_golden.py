"""``call.ended``'s summary is counted as the events go by (a shift-long call keeps counts, not
its events) and still sums up every event the call emitted: utterances and words per speaker
from the final transcripts, prompts per kind. Checked on the golden calls (the voice
monitor's prompts) and on a recorded call's transcripts re-run through the rules."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from voiceassist.config import load_config
from voiceassist.pipeline import run_call, run_events
from voiceassist.sinks.memory import ListSink
from voiceassist.sources.wav import WavSource

FIXTURES = Path(__file__).parents[1] / "fixtures"
GOLDEN = sorted((FIXTURES / "golden").glob("*.wav"))
MANIFEST = {f["file"]: f for f in json.loads((FIXTURES / "golden" / "manifest.json").read_text(encoding="utf-8"))["files"]}


def counted(events: list[dict]) -> dict:
    """The summary of ``events``, counted here independently of ``voiceassist.events``."""
    finals = [e for e in events if e["type"] == "transcript.final"]
    words: Counter = Counter()
    for e in finals:
        words[e["speaker"]] += len(e["text"].split())
    return {
        "utterances": dict(Counter(e["speaker"] for e in finals)),
        "words": dict(words),
        "prompts": dict(Counter(e["kind"] for e in events if e["type"] == "prompt.shown")),
    }


def check(events: list[dict]) -> dict:
    *before, ended = events
    assert ended["type"] == "call.ended"
    summary = {k: ended["summary"][k] for k in ("utterances", "words", "prompts")}
    assert summary == counted(before)
    return summary


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: p.stem)
def test_golden_call_summary_counts_its_prompts(path):
    sink = ListSink()
    with WavSource(path) as source:
        run_call(source, None, [sink], load_config())
    summary = check(sink.events)
    if MANIFEST[path.name]["expected_prompts"]:  # a call with prompts to count has them counted
        assert summary["prompts"]


def test_recorded_call_summary_counts_utterances_words_and_prompts():
    sink = ListSink()
    run_events(FIXTURES / "views" / "monologue.events.jsonl", [sink], load_config())
    summary = check(sink.events)
    assert summary["utterances"] and summary["words"]
