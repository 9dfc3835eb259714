"""VoiceActivity / Endpointer on real speech (Asterisk prompts), digital silence, line noise
and clicks. Reference speech spans come from the clip's own energy, not from the detector."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import soxr

from voiceassist.analysis.vad import Boundary, Endpointer, VoiceActivity
from voiceassist.frames import HOP_SAMPLES, SAMPLE_RATE, Frame

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "asr"
RNG_SEED = 1234


def clip(name: str) -> np.ndarray:
    x, rate = sf.read(str(FIXTURES / name), dtype="float32")
    return soxr.resample(x, rate, SAMPLE_RATE)


def noise(seconds: float, dbfs: float, seed: int = RNG_SEED) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(int(seconds * SAMPLE_RATE)).astype(np.float32) * 10 ** (dbfs / 20)


def frames(x: np.ndarray) -> list[Frame]:
    pcm = (np.clip(x, -1, 1) * 32767).astype(np.int16)
    pcm = np.pad(pcm, (0, -len(pcm) % HOP_SAMPLES))
    return [Frame("caller", i * HOP_SAMPLES / SAMPLE_RATE, pcm[i * HOP_SAMPLES : (i + 1) * HOP_SAMPLES]) for i in range(len(pcm) // HOP_SAMPLES)]


def run(x: np.ndarray, **kw) -> tuple[list[bool], list[Boundary]]:
    ep = Endpointer(**kw)
    voiced, bounds = [], []
    for f in frames(x):
        v, b = ep.push(f)
        voiced.append(v)
        bounds += b
    return voiced, bounds + ep.finish()


def utterances(bounds: list[Boundary]) -> list[tuple[float, float]]:
    starts = [b.t for b in bounds if b.kind == "start"]
    ends = [b for b in bounds if b.kind != "start"]
    assert len(starts) == len(ends), bounds
    return [(s, e.t) for s, e in zip(starts, ends) if e.kind == "end"]


def energy_span(x: np.ndarray, floor_db: float = -40.0) -> tuple[float, float]:
    """First and last 10 ms block louder than ``floor_db`` RMS: where the speech really is."""
    blocks = x[: len(x) // 160 * 160].reshape(-1, 160)
    loud = np.flatnonzero(20 * np.log10(np.sqrt((blocks**2).mean(axis=1)) + 1e-12) > floor_db)
    return loud[0] * 0.01, (loud[-1] + 1) * 0.01


def test_voice_activity_per_frame_speech_vs_silence():
    vad = VoiceActivity(2)
    speech = [vad.push(f) for f in frames(clip("en/agent-incorrect.flac"))]
    silence = [VoiceActivity(2).push(f) for f in frames(np.zeros(SAMPLE_RATE * 2, np.float32))]
    assert np.mean(speech) > 0.6
    assert not any(silence)


def test_silence_has_no_utterance():
    voiced, bounds = run(np.zeros(SAMPLE_RATE * 5, np.float32))
    assert not any(voiced) and bounds == []


@pytest.mark.parametrize("dbfs", [-60.0, -40.0])
def test_steady_line_noise_is_not_speech(dbfs):
    # webrtcvad needs a few frames to learn a noise floor; those become a short burst that
    # min_speech_ms drops, never a kept utterance.
    _, bounds = run(noise(10, dbfs))
    assert utterances(bounds) == []


def test_click_is_dropped():
    x = noise(4, -60)
    x[SAMPLE_RATE * 2 : SAMPLE_RATE * 2 + 480] += noise(0.03, -6, seed=7)  # a 30 ms loud click
    _, bounds = run(x)
    assert utterances(bounds) == []


def test_two_utterances_found_where_the_speech_is():
    a, b = clip("en/agent-incorrect.flac"), clip("en/conf-full.flac")
    gap = np.zeros(int(1.5 * SAMPLE_RATE), np.float32)
    lead = np.zeros(SAMPLE_RATE, np.float32)
    x = np.concatenate([lead, a, gap, b, lead])
    x += noise(len(x) / SAMPLE_RATE, -60)
    a0, a1 = energy_span(a)
    b0, b1 = energy_span(b)
    offset_b = (len(lead) + len(a) + len(gap)) / SAMPLE_RATE
    expected = [(1.0 + a0, 1.0 + a1), (offset_b + b0, offset_b + b1)]
    found = utterances(run(x)[1])
    assert len(found) == 2, found
    for (s, e), (rs, re) in zip(found, expected):
        assert abs(s - rs) <= 0.1, (s, rs)
        assert abs(e - re) <= 0.15, (e, re)


def test_pause_shorter_than_endpoint_silence_does_not_split():
    # agent-incorrect.flac: "Login incorrect. <~0.26 s> Please enter your agent number ..."
    x = np.concatenate([clip("en/agent-incorrect.flac"), np.zeros(SAMPLE_RATE, np.float32)])
    assert len(utterances(run(x, endpoint_silence_ms=500)[1])) == 1
    assert len(utterances(run(x, endpoint_silence_ms=200)[1])) == 2


def test_end_is_reported_after_endpoint_silence():
    x = np.concatenate([np.zeros(SAMPLE_RATE // 2, np.float32), clip("en/conf-full.flac"), np.zeros(SAMPLE_RATE * 2, np.float32)])
    ep = Endpointer(endpoint_silence_ms=500)
    reported = {}
    for f in frames(x):
        for b in ep.push(f)[1]:
            reported[b.kind] = (b.t, f.end)
    t_end, when = reported["end"]
    assert 0.5 <= when - t_end <= 0.5 + 0.021


def test_finish_closes_speech_without_trailing_silence():
    _, bounds = run(clip("en/conf-full.flac"))
    assert [b.kind for b in bounds] == ["start", "end"]
    assert bounds[-1].voiced_s >= 0.5
