"""The spine, end to end: a stereo 8 kHz μ-law call recording → `voiceassist analyze` →
contract events with both speakers' transcripts, right labels and audio timestamps.

Runs the real command on real telephone speech with the real Whisper model."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

FIXTURES = Path(__file__).parents[1] / "fixtures" / "calls"
RATE = 8000


def words(text):
    return set("".join(c if c.isalnum() else " " for c in text.lower()).split())


@pytest.fixture(scope="module")
def call(tmp_path_factory):
    """Caller: 'Nobody is available…' at 1.0 s; agent: 'Please leave your message…' 0.7 s after
    the caller stops; caller again: 'Please hold…' 1 s after the agent stops."""
    clips = {name: sf.read(FIXTURES / f"{name}.wav")[0] for name in ("vm-nobodyavail", "vm-intro", "pls-hold-while-try")}
    plan = [("vm-nobodyavail", 0, 1.0)]
    plan.append(("vm-intro", 1, plan[-1][2] + len(clips["vm-nobodyavail"]) / RATE + 0.7))
    plan.append(("pls-hold-while-try", 0, plan[-1][2] + len(clips["vm-intro"]) / RATE + 1.0))
    total = plan[-1][2] + len(clips["pls-hold-while-try"]) / RATE + 1.0
    stereo = np.zeros((int(total * RATE), 2))
    for name, channel, start in plan:
        i = int(start * RATE)
        stereo[i : i + len(clips[name]), channel] = clips[name]
    path = tmp_path_factory.mktemp("call") / "call.wav"
    sf.write(path, stereo, RATE, subtype="ULAW")
    spans = {name: (start, start + len(clips[name]) / RATE) for name, _, start in plan}
    return path, spans


def analyze(*args):
    result = subprocess.run(
        [sys.executable, "-m", "voiceassist", "analyze", *map(str, args), "--engine", "whisper", "--events", "-"],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.fixture(scope="module")
def events(call):
    return analyze(call[0])


def finals(events, speaker):
    return [e for e in events if e["type"] == "transcript.final" and e["speaker"] == speaker]


def test_call_is_framed_by_start_and_end(events, call):
    assert events[0]["type"] == "call.started"
    assert events[0] == {**events[0], "engine": "whisper", "sample_rate_in": 8000, "channels": 2, "language": "en"}
    assert events[-1]["type"] == "call.ended"
    assert events[-1]["duration"] == pytest.approx(sf.info(call[0]).duration, abs=0.03)
    assert events[-1]["summary"]["utterances"] == {"caller": 2, "agent": 1}


def test_each_speaker_gets_their_own_words(events):
    caller = " ".join(e["text"] for e in finals(events, "caller"))
    agent = " ".join(e["text"] for e in finals(events, "agent"))
    assert {"nobody", "available", "call", "hold", "connect"} <= words(caller)
    assert {"leave", "message", "tone"} <= words(agent)
    assert not {"nobody", "hold"} & words(agent)
    assert not {"leave", "message"} & words(caller)


def test_timestamps_are_call_audio_times(events, call):
    spans = call[1]
    by_clip = {"vm-nobodyavail": finals(events, "caller")[0], "vm-intro": finals(events, "agent")[0],
               "pls-hold-while-try": finals(events, "caller")[1]}
    for clip, e in by_clip.items():
        start, end = spans[clip]
        assert e["start"] == pytest.approx(start, abs=0.5), clip
        assert e["end"] == pytest.approx(end, abs=0.5), clip
        assert end <= e["t"] <= end + 1.5, clip  # known shortly after the speaker stops
        for w in e["words"]:
            assert start - 0.5 <= w["start"] <= w["end"] <= end + 0.5
            assert 0.0 <= w["conf"] <= 1.0


def test_events_are_in_time_order_and_each_line_is_a_contract_event(events):
    from voiceassist.events import problem

    times = [e["t"] for e in events]
    assert times == sorted(times)
    assert [problem(e) for e in events] == [None] * len(events)


def test_swapping_the_caller_channel_swaps_the_labels(call):
    swapped = analyze(call[0], "--caller-channel", "1")
    assert {"leave", "message"} <= words(" ".join(e["text"] for e in finals(swapped, "caller")))
    assert {"nobody", "hold"} <= words(" ".join(e["text"] for e in finals(swapped, "agent")))


def test_replaying_the_events_derives_prompts_and_summary_afresh(events, tmp_path):
    """`analyze EVENTS.jsonl` runs the rules again on the file's transcripts: a caller's line
    edited in the file gets the prompts of what it now says, and the summary is counted anew."""
    first = finals(events, "caller")[0]
    said = "my name is Sarah Johnson and my parcel still hasn't arrived"
    edited = [dict(e, text=said) if e is first else e for e in events]
    recorded = tmp_path / "call.jsonl"
    recorded.write_text("".join(json.dumps(e) + "\n" for e in edited))
    replayed = analyze(recorded)
    assert [e for e in replayed if e["type"].startswith("transcript.")] == [e for e in edited if e["type"].startswith("transcript.")]
    assert not [e for e in events if e["type"] == "prompt.shown"]
    shown = {e["kind"] for e in replayed if e["type"] == "prompt.shown"}
    assert {"use_name", "empathy"} <= shown, shown
    summary = replayed[-1]["summary"]
    assert summary["utterances"] == events[-1]["summary"]["utterances"]
    assert summary["words"]["caller"] != events[-1]["summary"]["words"]["caller"]
    assert "late_delivery" in summary["topics"] and summary["prompts"]["use_name"] == 1
