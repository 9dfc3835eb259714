#!/usr/bin/env python3
"""Build the bundled demo call (and other scripted test calls) from system speech packages.

The call is a stereo 8 kHz 8-bit mu-law WAV, caller on channel 0 and agent on channel 1, made
from real recordings where they exist (Debian's Asterisk prompts, pocketsphinx test data) and
espeak-ng for everything else. `build_call(turns)` is reusable for golden test calls: give it a
list of `Turn`s, get the two channels and the ground-truth timeline.

    python scripts/build_demo_call.py                      # call.wav, script.json, transcript.txt
    python scripts/build_demo_call.py --check-model DIR    # also measures Whisper WER per channel

Deterministic: the same packages give the same bytes (espeak-ng and soxr are deterministic; the
line noise comes from a seeded generator).
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import re
import subprocess
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Sequence, Union

import numpy as np
import soundfile as sf
import soxr

log = logging.getLogger(__name__)

SAMPLE_RATE = 8000
CHANNELS = {"caller": 0, "agent": 1}
ASTERISK_DIR = Path("/usr/share/asterisk/sounds/en")
ASTERISK_TEXTS = Path("/usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz")
SPHINX_DIR = Path("/usr/share/pocketsphinx/test/data")
OUT_DIR = Path(__file__).resolve().parent.parent / "voiceassist" / "data" / "demo"


@dataclass(frozen=True)
class Asterisk:
    """A prompt recorded by Allison Smith; text comes from the package's transcript file."""

    name: str  # e.g. "im-sorry", "digits/3"


@dataclass(frozen=True)
class Sphinx:
    """A pocketsphinx test recording (16 kHz raw int16 or WAV) with its known transcript."""

    path: str  # relative to SPHINX_DIR
    text: str


@dataclass(frozen=True)
class Espeak:
    text: str
    rate_wpm: int = 140  # espeak-ng -s
    amplitude: int = 100  # espeak-ng -a (0-200)
    voice: str | None = None  # default: the turn's speaker voice
    spoken: str | None = None  # respelling fed to espeak when its pronunciation misleads Whisper


Part = Union[Asterisk, Sphinx, Espeak]


@dataclass(frozen=True)
class Turn:
    speaker: str  # "caller" | "agent"
    parts: tuple[Part, ...]
    # Start relative to the latest end of the turns before; negative = talks over the other speaker.
    gap_s: float = 0.5
    level_dbfs: float = -28.0  # RMS of the active speech on the channel
    tags: tuple[str, ...] = ()  # ground-truth labels: "loud", "fast", "overlap", ...
    pause_s: float = 0.25  # between parts of one turn


@dataclass(frozen=True)
class Voices:
    # Chosen by measuring Whisper base WER after 8 kHz mu-law (see README): of the male variants
    # "max" and of the female ones "f5" lose the fewest words.
    caller: str = "en-us+max"
    agent: str = "en-us+f5"
    word_gap: int = 6  # espeak-ng -g, in 10 ms units: clearer word boundaries survive mu-law


# --------------------------------------------------------------------------- the demo call
S = Espeak
FAST, LOUD = 220, 200  # the agent's rushed stretch: words/min and espeak amplitude

DEMO_TURNS: list[Turn] = [
    Turn("agent", (Asterisk("hello"), S("Thanks for calling customer service, this is Anna. How can I help you?")),
         gap_s=0.6),
    Turn("caller", (S("Hello. I ordered a coat from you and I have been waiting for two weeks."),
                    S("Where is my order? This is ridiculous.")), level_dbfs=-23.0, tags=("angry",)),
    Turn("agent", (Asterisk("im-sorry"),), tags=("bare_sorry",)),
    Turn("caller", (S("Sorry is not enough. I've called three times already and nobody does anything about it."),),
         level_dbfs=-22.0, tags=("angry",)),
    # Whisper hears espeak's "courier" as "career"; the respelling keeps the blame phrase audible.
    Turn("agent", (S("No. That's the courier's fault, not ours.", spoken="No. That's the koorier's fault, not ours."),),
         gap_s=-1.6, tags=("overlap", "blame")),
    Turn("caller", (S("I don't care whose fault it is. This is useless."),
                    S("Why don't you do something about it?")), level_dbfs=-21.0, tags=("angry", "frustration")),
    Turn("agent", (Asterisk("sorry"), S("Can I have your order number, please?")), tags=("bare_sorry", "question")),
    Turn("caller", (S("My name is John Miller. The order number is"),
                    Sphinx("numbers.raw", "three three four six nine two")), tags=("name", "order_number")),
    Turn("agent", (Asterisk("digits/3"), Asterisk("digits/3"), Asterisk("digits/4"), Asterisk("digits/6"),
                   Asterisk("digits/9"), Asterisk("digits/2"), Asterisk("one-moment-please")), pause_s=0.12),
    Turn("agent", (S("Okay, I can see the order. We shipped it on Monday, and now the delivery company has it. There "
                     "are a lot of delays this month, so there is nothing I can do from here. You just have to "
                     "wait a few more days.", rate_wpm=FAST, amplitude=LOUD),),
         gap_s=2.0, level_dbfs=-18.0, tags=("fast", "loud")),
    Turn("caller", (S("Wait a few more days? No. I want to speak to your manager right now. Enough is enough."),),
         level_dbfs=-21.0, tags=("angry", "manager")),
    Turn("agent", (S("Sir, please, I already told you, I cannot change the delivery.", rate_wpm=FAST, amplitude=LOUD),),
         gap_s=-2.2, level_dbfs=-18.0, tags=("overlap", "fast", "loud")),
    Turn("caller", (S("So what are you there for?"),), level_dbfs=-21.0, tags=("angry",)),
    Turn("agent", (S("Mister Miller, I am sorry you have waited two weeks for your coat, and sorry you had to "
                     "call us three times. This should never have happened."),), gap_s=0.8, tags=("specific_apology",)),
    Turn("agent", (S("I will send you a replacement today, with free express delivery. Or, if you prefer, "
                     "a full refund."),), gap_s=0.4, tags=("solution",)),
    Turn("caller", (S("A replacement is fine. But I still want to talk to a manager."),), tags=("manager",)),
    Turn("agent", (S("Of course. I will report this to my manager, and I'll call you back tomorrow at 3 pm "
                     "to confirm the delivery."),), tags=("commit", "callback")),
    Turn("caller", (S("Okay. Tomorrow at three. Thank you."),), level_dbfs=-24.0),
    Turn("agent", (Asterisk("queue-thankyou"), Asterisk("goodbye")), gap_s=0.4),
]


# --------------------------------------------------------------------------- rendering
@cache
def asterisk_texts() -> dict[str, str]:
    texts = {}
    with gzip.open(ASTERISK_TEXTS, "rt", encoding="utf-8") as f:
        for line in f:
            name, sep, text = line.partition(":")
            if sep and not line.startswith(";"):
                texts[name.strip()] = text.strip()
    return texts


def _espeak(part: Espeak, voice: str, word_gap: int) -> np.ndarray:
    with tempfile.NamedTemporaryFile(suffix=".wav") as f:
        cmd = ["espeak-ng", "-v", part.voice or voice, "-s", str(part.rate_wpm), "-a", str(part.amplitude),
               "-g", str(word_gap), "-w", f.name, part.spoken or part.text]
        subprocess.run(cmd, check=True, capture_output=True)
        x, sr = sf.read(f.name, dtype="float32")
    return soxr.resample(x, sr, SAMPLE_RATE)


def render_part(part: Part, speaker: str, voices: Voices) -> tuple[np.ndarray, str, str]:
    """Return (8 kHz float mono audio trimmed to its speech, text, source description)."""
    if isinstance(part, Asterisk):
        path = ASTERISK_DIR / f"{part.name}.wav"
        x, sr = sf.read(path, dtype="float32")
        text, src = asterisk_texts()[part.name], f"asterisk:{part.name}"
    elif isinstance(part, Sphinx):
        path = SPHINX_DIR / part.path
        if path.suffix == ".raw":
            x, sr = np.fromfile(path, dtype="<i2").astype(np.float32) / 32768.0, 16000
        else:
            x, sr = sf.read(path, dtype="float32")
        text, src = part.text, f"pocketsphinx:{part.path}"
    else:
        voice = getattr(voices, speaker)
        x, sr = _espeak(part, voice, voices.word_gap), SAMPLE_RATE
        text = part.text
        src = f"espeak-ng:-v {part.voice or voice} -s {part.rate_wpm} -a {part.amplitude} -g {voices.word_gap}"
    if sr != SAMPLE_RATE:
        x = soxr.resample(x, sr, SAMPLE_RATE)
    return _trim(x.astype(np.float32)), text, src


def _frame_db(x: np.ndarray, frame: int = 80) -> np.ndarray:
    n = len(x) // frame
    rms = np.sqrt(np.mean(x[: n * frame].reshape(n, frame) ** 2, axis=1) + 1e-12)
    return 20 * np.log10(rms)


def _trim(x: np.ndarray) -> np.ndarray:
    # Start/end times in script.json must be speech, not the prompt's recorded lead-in silence.
    db = _frame_db(x)
    active = np.flatnonzero(db > db.max() - 40)
    return x[active[0] * 80 : (active[-1] + 1) * 80]


def _set_level(x: np.ndarray, level_dbfs: float) -> np.ndarray:
    # Level of the active speech only (frames within 30 dB of the loudest), so pauses don't count.
    db = _frame_db(x)
    active = db[db > db.max() - 30]
    rms_db = 10 * np.log10(np.mean(10 ** (active / 10)))
    return x * 10 ** ((level_dbfs - rms_db) / 20)


def build_call(turns: Sequence[Turn], voices: Voices = Voices(), *, noise_dbfs: float = -60.0,
               lead_in_s: float = 0.5, tail_s: float = 0.8, seed: int = 0) -> tuple[np.ndarray, dict]:
    """Render turns into a (n, 2) float32 array (caller ch 0, agent ch 1) and the ground truth."""
    rendered, t, prev_end = [], lead_in_s, None
    for turn in turns:
        clips = [render_part(p, turn.speaker, voices) for p in turn.parts]
        pause = np.zeros(int(turn.pause_s * SAMPLE_RATE), np.float32)
        start = t if prev_end is None else prev_end + turn.gap_s
        parts_meta, chunks, pos = [], [], start
        for j, (x, text, src) in enumerate(clips):
            if j:
                chunks.append(pause)
                pos += len(pause) / SAMPLE_RATE
            parts_meta.append({"start": round(pos, 3), "end": round(pos + len(x) / SAMPLE_RATE, 3),
                               "text": text, "source": src})
            chunks.append(x)
            pos += len(x) / SAMPLE_RATE
        audio = _set_level(np.concatenate(chunks), turn.level_dbfs)
        end = start + len(audio) / SAMPLE_RATE
        rendered.append((turn, start, audio, parts_meta))
        prev_end = end if prev_end is None else max(prev_end, end)

    n = int((prev_end + tail_s) * SAMPLE_RATE)
    rng = np.random.default_rng(seed)
    out = (rng.standard_normal((n, 2)) * 10 ** (noise_dbfs / 20)).astype(np.float32)
    meta_turns = []
    for i, (turn, start, audio, parts_meta) in enumerate(rendered):
        s = int(round(start * SAMPLE_RATE))
        text = " ".join(p["text"] for p in parts_meta)
        out[s : s + len(audio), CHANNELS[turn.speaker]] += audio
        meta_turns.append({
            "index": i, "speaker": turn.speaker, "channel": CHANNELS[turn.speaker],
            "start": round(s / SAMPLE_RATE, 3), "end": round((s + len(audio)) / SAMPLE_RATE, 3),
            "text": text, "tags": list(turn.tags),
            "level_dbfs": turn.level_dbfs,
            "words_per_min": round(len(text.split()) * 60 * SAMPLE_RATE / len(audio)),
            "parts": parts_meta,
        })
    peak = float(np.abs(out).max())
    if peak > 0.99:
        raise ValueError(f"call clips (peak {peak:.2f}): lower a turn's level_dbfs")
    return out, {"sample_rate": SAMPLE_RATE, "channels": CHANNELS, "duration_s": round(n / SAMPLE_RATE, 3),
                 "noise_dbfs": noise_dbfs, "turns": meta_turns, "overlaps": _overlaps(meta_turns)}


def _overlaps(turns: list[dict]) -> list[dict]:
    """Intervals where both speak, naming who started talking over whom."""
    found = []
    for a in turns:
        for b in turns:
            if a["speaker"] != b["speaker"] and a["start"] < b["start"] < a["end"]:
                found.append({"start": b["start"], "end": min(a["end"], b["end"]),
                              "interrupter": b["speaker"], "interrupted_turn": a["index"],
                              "interrupting_turn": b["index"]})
    return found


def write_call(turns: Sequence[Turn], wav_path: Path, json_path: Path, voices: Voices = Voices()) -> dict:
    """Write the mu-law WAV, its ground truth (JSON) and a plain transcript.txt beside the JSON."""
    audio, truth = build_call(turns, voices)
    wav_path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(wav_path, audio, SAMPLE_RATE, subtype="ULAW", format="WAV")
    truth["voices"] = {"caller": voices.caller, "agent": voices.agent, "word_gap": voices.word_gap}
    json_path.write_text(json.dumps(truth, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    lines = [f"[{t['start']:7.2f}-{t['end']:7.2f}] {t['speaker']:6s} {t['text']}" for t in truth["turns"]]
    json_path.with_name("transcript.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    log.info("wrote %s (%.1f s) and %s", wav_path, truth["duration_s"], json_path)
    return truth


# --------------------------------------------------------------------------- Whisper check
_DIGITS = "zero one two three four five six seven eight nine".split()


def normalize(text: str) -> list[str]:
    """Words for WER: digits spelled one by one (order numbers), punctuation and case dropped."""
    t = text.lower().replace("p.m.", "pm").replace("mr.", "mister").replace("mr ", "mister ")
    t = re.sub(r"(\d)", lambda m: f" {_DIGITS[int(m.group(1))]} ", t)
    return re.sub(r"[^a-z' ]", " ", t).split()


def check(wav_path: Path, truth: dict, model_dir: Path) -> dict[str, float]:
    """Whisper base WER per channel on the written file (what `voiceassist demo` will hear)."""
    import jiwer
    from faster_whisper import WhisperModel

    model = WhisperModel(str(model_dir), device="cpu", compute_type="int8", cpu_threads=2)
    audio, sr = sf.read(wav_path, dtype="float32")
    result = {}
    for speaker, ch in CHANNELS.items():
        x = soxr.resample(audio[:, ch], sr, 16000).astype(np.float32)
        segments, _ = model.transcribe(x, language="en", beam_size=1, vad_filter=True)
        hyp = " ".join(s.text.strip() for s in segments)
        ref = " ".join(t["text"] for t in truth["turns"] if t["speaker"] == speaker)
        wer = jiwer.wer(" ".join(normalize(ref)), " ".join(normalize(hyp)))
        log.info("%s WER %.3f\n  ref: %s\n  hyp: %s", speaker, wer, ref, hyp)
        result[speaker] = round(wer, 3)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT_DIR, help="directory for call.wav and script.json")
    ap.add_argument("--check-model", type=Path, help="faster-whisper model dir: report WER per channel")
    ap.add_argument("--caller-voice", default=Voices.caller, help="espeak-ng voice (trying alternatives)")
    ap.add_argument("--agent-voice", default=Voices.agent)
    ap.add_argument("--word-gap", type=int, default=Voices.word_gap)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    wav, js = args.out / "call.wav", args.out / "script.json"
    truth = write_call(DEMO_TURNS, wav, js, Voices(args.caller_voice, args.agent_voice, args.word_gap))
    if args.check_model:
        print(json.dumps({"wer": check(wav, truth, args.check_model)}))


if __name__ == "__main__":
    main()
