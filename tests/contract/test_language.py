"""The call's language found from the caller's speech (``asr.language = "auto"``, the default),
with the real Whisper model: real English and Russian telephone speech (Asterisk), and espeak-ng
Turkish, Arabic and Croatian. Each caller then asks for a manager in their language, and the
prompt must come in that language, with no language given."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import soxr

from voiceassist.asr import load_engine, models_dir
from voiceassist.config import load_config
from voiceassist.pipeline import run_call
from voiceassist.sources.wav import WavSource


CALLS = Path(__file__).parent.parent / "fixtures" / "calls"
RATE = 16000
GAP_S = 0.8

# What each caller says: real recordings where we have them, else espeak-ng text (in the
# language's voice with the f2 variant, the most natural to Whisper; or (espeak's options, text)); the last
# line asks for a manager (the phrasebook's `manager` intent).
CALLERS = {
    "en": [CALLS / "vm-intro.wav", CALLS / "vm-nobodyavail.wav", "I want to speak to your manager right now."],
    "ru": [CALLS / "ru" / "vm-nobodyavail.wav", CALLS / "ru" / "privacy-incorrect.wav", CALLS / "ru" / "followme-sorry.wav",
           (["-v", "ru", "-s", "140"], "Я хочу поговорить с вашим руководителем.")],
    "tr": ["Merhaba, iki hafta önce bir mont sipariş ettim ve hâlâ gelmedi.", "Yöneticinizle görüşmek istiyorum."],
    "ar": ["مرحبا، طلبت معطفا قبل أسبوعين ولم يصل حتى الآن.", "اريد المدير الآن من فضلك."],
    "hr": ["Dobar dan, naručio sam kaput prije dva tjedna i još nije stigao.", "Želim razgovarati s nadređenim, odmah."],
}


def _speech(part, language: str, tmp: Path) -> np.ndarray:
    if isinstance(part, Path):
        x, rate = sf.read(part, dtype="float32")
    else:
        options, text = part if isinstance(part, tuple) else (["-v", f"{language}+f2", "-s", "120", "-g", "6"], part)
        out = tmp / f"{language}-{abs(hash(text))}.wav"
        subprocess.run(["espeak-ng", *options, "-w", str(out), text], check=True)
        x, rate = sf.read(out, dtype="float32")
    return soxr.resample(x, rate, RATE).astype(np.float32)


def build_call(language: str, tmp: Path, interrupted: int = 0) -> tuple[Path, list[tuple[float, float]]]:
    """The caller saying the language's parts (a mono call), and each part's span. With
    ``interrupted``: the caller then goes on with the first part that many times more, and the
    agent talks over each of those (a stereo call)."""
    speech = [_speech(part, language, tmp) for part in CALLERS[language]]
    speech += [speech[0]] * interrupted
    caller, agent, spans, t = [np.zeros(int(0.5 * RATE), np.float32)], [], [], 0.5
    for x in speech:
        spans.append((t, t + len(x) / RATE))
        caller += [x, np.zeros(int(GAP_S * RATE), np.float32)]
        t = spans[-1][1] + GAP_S
    caller = np.concatenate(caller + [np.zeros(RATE, np.float32)])
    if interrupted:
        voice = speech[0][int(0.2 * RATE):int(1.8 * RATE)]  # 1.6 s of speech
        agent = np.zeros_like(caller)
        for start, _ in spans[-interrupted:]:
            at = int((start + 1.2) * RATE)
            agent[at:at + len(voice)] = voice
        caller = np.stack([caller, agent], axis=1)
    path = tmp / f"{language}.wav"
    sf.write(path, caller, RATE, subtype="PCM_16")
    return path, spans[:len(CALLERS[language])]


class Events:
    def __init__(self):
        self.events = []

    def handle(self, event):
        self.events.append(event)

    def close(self):
        pass


@pytest.fixture(scope="module")
def auto():
    cfg = load_config(None, {"asr.engine": "whisper"})
    assert cfg.asr.language == "auto"  # the default
    return cfg, load_engine(cfg.asr, cfg.asr.language, models_dir(cfg.asr), cfg.audio.vad_aggressiveness)


def analyse(engine, cfg, path: Path) -> list[dict]:
    sink = Events()
    with WavSource(path) as source:
        run_call(source, engine, [sink], cfg)
    return sink.events


@pytest.mark.parametrize("language", list(CALLERS))
def test_the_language_is_found_within_ten_seconds_of_the_callers_speech(auto, language, tmp_path):
    cfg, engine = auto
    path, spans = build_call(language, tmp_path)
    evs = analyse(engine, cfg, path)
    assert evs[0]["type"] == "call.started" and evs[0]["language"] == "en"  # until it is found
    found = [e for e in evs if e["type"] == "language.detected"]
    print(f"\n{language}: found {[(e['language'], e['probability'], e['t']) for e in found]}, "
          f"speech from {spans[0][0]:.1f} s; heard: {[e['text'] for e in evs if e['type'] == 'transcript.final']}")
    assert [e["language"] for e in found] == [language]
    assert 0.5 <= found[0]["probability"] <= 1.0
    assert found[0]["t"] - spans[0][0] <= 10.0  # within 10 s of the caller's first word, the decode included


@pytest.mark.parametrize("language", list(CALLERS))
def test_after_it_the_prompts_are_in_that_language(auto, language, tmp_path):
    """The agent talks over the caller three times once the language is found: "let them
    finish" comes in the caller's language (it is the voice monitor's, so it does not depend
    on how well synthetic speech is recognised)."""
    cfg, engine = auto
    path, _ = build_call(language, tmp_path, interrupted=4)
    evs = analyse(engine, cfg, path)
    found = next(e for e in evs if e["type"] == "language.detected")
    shown = [e for e in evs if e["type"] == "prompt.shown"]
    assert found["language"] == language
    assert [e["language"] for e in shown if e["t"] >= found["t"]] and all(
        e["language"] == language for e in shown if e["t"] >= found["t"])
    assert [e for e in shown if e["kind"] == "let_them_finish"]


def test_the_callers_words_bring_the_prompt_in_their_language(auto, tmp_path):
    """Real Russian speech, then a request for a manager: the prompt and its lines are Russian."""
    cfg, engine = auto
    path, _ = build_call("ru", tmp_path)
    manager = [e for e in analyse(engine, cfg, path) if e["type"] == "prompt.shown" and e["kind"] == "offer_supervisor"]
    assert manager and manager[0]["language"] == "ru" and "руковод" in " ".join(manager[0]["suggestions"]).lower()


def test_a_given_language_is_not_looked_for(tmp_path):
    cfg = load_config(None, {"asr.engine": "whisper", "asr.language": "ru"})
    engine = load_engine(cfg.asr, "ru", models_dir(cfg.asr), cfg.audio.vad_aggressiveness)
    path, _ = build_call("ru", tmp_path)
    evs = analyse(engine, cfg, path)
    assert evs[0]["language"] == "ru"
    assert not [e for e in evs if e["type"] == "language.detected"]
    assert [e["language"] for e in evs if e["type"] == "prompt.shown"] == ["ru"] * len([e for e in evs if e["type"] == "prompt.shown"])
