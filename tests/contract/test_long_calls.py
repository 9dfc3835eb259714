"""A shift-long live call keeps its memory bounded: the live recogniser's frame queue holds at
most ``runners._MAX_LAG_S`` of audio. Reading a file as fast as possible, the audio loop waits
for recognition (nothing is lost); with audio arriving at the pace of speech (a device, a paced
replay), recognition skips ahead instead, with one warning per gap, and Vosk's word times stay
call times across the gap. On the real Korean Vosk model (see test_vosk.py for the audio).
The bound is lowered to 1 s here so the tests need seconds of audio, not minutes."""

from __future__ import annotations

import dataclasses
import logging
import math
import threading
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import soxr

from voiceassist.asr import runners
from voiceassist.asr.runners import AheadRunner, ThreadedRunner
from voiceassist.asr import load_engine, models_dir
from voiceassist.config import load_config
from voiceassist.data import demo_call_path
from voiceassist.frames import HOP_SAMPLES, SAMPLE_RATE, Frame
from voiceassist.sources.replay import ReplaySource
from voiceassist.sources.wav import WavSource

from clitools import frame_by_frame

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "asr"
LAG_S = 1.0


@pytest.fixture(scope="module")
def engine():
    cfg = load_config(None, {"asr.engine": "vosk"}).asr
    return load_engine(cfg, "ko", models_dir(cfg))


@pytest.fixture(scope="module")
def ko() -> np.ndarray:
    x, rate = sf.read(str(FIXTURES / "ko_espeak.wav"), dtype="float32")
    return soxr.resample(x, rate, SAMPLE_RATE)


def pcm(x: np.ndarray, lead_s: float = 0.0, tail_s: float = 0.0) -> np.ndarray:
    x = np.concatenate([np.zeros(int(lead_s * SAMPLE_RATE), np.float32), x, np.zeros(int(tail_s * SAMPLE_RATE), np.float32)])
    y = (np.clip(x, -1, 1) * 32767).astype(np.int16)
    return np.pad(y, (0, -len(y) % HOP_SAMPLES))


def stereo(caller: np.ndarray, t0: float = 0.0) -> list[Frame]:
    """The caller speaking, the agent silent: frames interleaved as a source yields them."""
    out = []
    for i in range(len(caller) // HOP_SAMPLES):
        t = round(t0 + i * HOP_SAMPLES / SAMPLE_RATE, 3)
        out.append(Frame("caller", t, caller[i * HOP_SAMPLES : (i + 1) * HOP_SAMPLES]))
        out.append(Frame("agent", t, np.zeros(HOP_SAMPLES, np.int16)))
    return out


def finals(transcripts) -> list[tuple]:
    return [(tr.speaker, tr.text, tr.start, tr.end) for tr in transcripts if tr.final]


@pytest.fixture
def small_lag(monkeypatch):
    monkeypatch.setattr(runners, "_MAX_LAG_S", LAG_S)
    monkeypatch.setattr(runners, "_AHEAD_S", LAG_S)
    return ThreadedRunner.max_frames(2)


def run_worker(engine, frames: list[Frame], block: bool, parallel: bool):
    worker = ThreadedRunner({s: engine.recognizer(s) for s in ("caller", "agent")}, block=block, parallel=parallel)
    out = [tr for f in frames for tr in worker.accept(f)]
    return worker, out + worker.finish()


def inline_finals(engine, frames: list[Frame]) -> list[tuple]:
    return finals(frame_by_frame(engine, frames))


@pytest.mark.parametrize("parallel", [False, True], ids=["in-turns", "side-by-side"])
def test_offline_recognition_ahead_of_the_loop_gives_exactly_the_frame_by_frame_transcripts(engine, ko, small_lag, parallel):
    frames = stereo(pcm(np.concatenate([ko, ko]), lead_s=0.5, tail_s=1.0))
    assert len(frames) > 3 * small_lag  # the readers fill their lookahead and wait for the loop
    ahead = AheadRunner({s: engine.recognizer(s) for s in ("caller", "agent")}, lambda: iter(frames), parallel)
    got = [tr for f in frames for tr in ahead.accept(f)] + ahead.finish()
    assert got == frame_by_frame(engine, frames) and any(tr.final for tr in got)


def test_offline_recognition_stopped_early_ends_at_once(engine, ko, small_lag):
    frames = stereo(pcm(np.concatenate([ko, ko]), lead_s=0.5, tail_s=1.0))
    ahead = AheadRunner({s: engine.recognizer(s) for s in ("caller", "agent")}, lambda: iter(frames), True)
    for f in frames[: len(frames) // 4]:  # Ctrl-C a quarter of the way in
        ahead.accept(f)
    last = ahead.finish()
    assert not any(t.is_alive() for t in threading.enumerate() if t.name.startswith("asr-"))
    stop = frames[len(frames) // 4 - 1].end
    assert all(tr.t <= stop and tr.end <= stop for tr in last)


# Vosk runs a thread per speaker (parallel); Whisper one thread for both.
@pytest.mark.parametrize("parallel", [False, True], ids=["one-thread", "thread-per-speaker"])
def test_a_file_read_fast_waits_for_recognition_and_loses_nothing(engine, ko, small_lag, parallel):
    frames = stereo(pcm(np.concatenate([ko, ko]), lead_s=0.5, tail_s=1.0))
    assert len(frames) > 3 * small_lag  # the audio loop outruns recognition many times over
    worker, got = run_worker(engine, frames, block=True, parallel=parallel)
    assert worker.dropped == 0
    assert worker.peak <= small_lag
    assert finals(got) == inline_finals(engine, frames) and finals(got)


def test_with_a_thread_per_speaker_both_speakers_are_recognised_side_by_side(engine, ko):
    talk = pcm(ko, lead_s=0.5, tail_s=1.0)
    frames = [f for c, a in zip(stereo(talk)[::2], stereo(talk[::-1].copy())[::2])
              for f in (c, dataclasses.replace(a, speaker="agent"))]
    worker = ThreadedRunner({s: engine.recognizer(s) for s in ("caller", "agent")}, block=True, parallel=True)
    assert {t.name for t in threading.enumerate()} >= {"asr-caller", "asr-agent"}
    got = [tr for f in frames for tr in worker.accept(f)] + worker.finish()
    assert not {"asr-caller", "asr-agent"} & {t.name for t in threading.enumerate()}  # both ended
    expected = inline_finals(engine, frames)
    assert {tr[0] for tr in expected} == {"caller", "agent"}
    # each speaker's words as inline (the order between the two speakers may differ)
    assert sorted(finals(got)) == sorted(expected)


@pytest.mark.parametrize("parallel", [False, True], ids=["one-thread", "thread-per-speaker"])
def test_live_audio_skips_ahead_once_per_gap(engine, ko, small_lag, caplog, parallel):
    frames = stereo(pcm(np.concatenate([ko, ko]), lead_s=0.5, tail_s=1.0))
    with caplog.at_level(logging.WARNING, logger="voiceassist.pipeline"):
        worker, got = run_worker(engine, frames, block=False, parallel=parallel)
    warnings = [r for r in caplog.records if "skipped" in r.getMessage()]
    assert worker.dropped > len(frames) / 2  # fed in a burst: most of it was skipped
    assert worker.peak <= small_lag
    # one line per gap (a full queue dropped at once) and thread, never one per frame
    assert 1 <= len(warnings) <= math.ceil(len(frames) / small_lag) * (2 if parallel else 1)
    end = frames[-1].end
    assert all(0.0 <= w.start <= w.end <= end + 0.5 for tr in got for w in tr.words)


def test_vosk_word_times_stay_call_times_across_skipped_audio(engine, ko):
    rec = engine.recognizer("caller")
    before = stereo(np.zeros(SAMPLE_RATE, np.int16))[::2]  # 1 s of silence, then 29 s skipped
    after = stereo(pcm(ko, lead_s=0.5, tail_s=1.5), t0=30.0)[::2]
    out = [tr for f in before + after for tr in rec.accept(f)] + rec.finish()
    words = [w for tr in out if tr.final for w in tr.words]
    assert words
    assert 30.0 <= words[0].start <= 30.0 + 0.5 + 1.0  # speech begins 0.5 s after the gap
    assert words[-1].end <= after[-1].end


def test_sources_say_whether_audio_arrives_at_the_pace_of_speech():
    with WavSource(demo_call_path()) as wav:
        assert wav.info.realtime is False  # read as fast as possible: the audio loop may wait
        assert ReplaySource(wav).info.realtime is True
        assert ReplaySource(wav).info.duration_s == wav.info.duration_s


def test_vosk_renews_its_recogniser_at_an_endpoint_and_keeps_call_times(engine, ko, monkeypatch):
    """A shift-long call: the recogniser is renewed at an endpoint after ``_RENEW_AFTER_S`` of
    audio (here 2 s instead of 10 min). The same speech said three times is heard each time,
    at the same call times as without renewal (the words may differ a little: a fresh
    recogniser has not adapted to the speaker yet)."""
    from voiceassist.asr import vosk as vosk_asr

    said = pcm(ko, lead_s=0.5, tail_s=1.5)
    frames = stereo(np.concatenate([said] * 3))[::2]
    span = len(said) / SAMPLE_RATE

    def run():
        rec = engine.recognizer("caller")
        return [tr for f in frames for tr in rec.accept(f)] + rec.finish(), rec

    kept, _ = run()
    monkeypatch.setattr(vosk_asr, "_RENEW_AFTER_S", 2.0)
    renewing, rec = run()
    assert rec._offset is None or rec._offset > 0.0  # it was renewed: counts from a later frame
    assert [f[2:] for f in finals(renewing)] == [f[2:] for f in finals(kept)]
    by_round = [[tr.text for tr in renewing if tr.final and i * span <= tr.start < (i + 1) * span] for i in range(3)]
    assert all(by_round), by_round
