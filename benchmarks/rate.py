"""Speech-rate analyser: real-time factor, and rates measured on real telephone prompts.

    .venv/bin/python benchmarks/rate.py [--asterisk]

1. RTF per speaker: a minute of espeak-ng speech (the rate fixtures, concatenated) pushed as
   20 ms Frames through ``SpeechRate``; for reference, the time of ``np.abs(np.fft.rfft(...))``
   over the same 20 ms frames. Target: ≤ 0.005 (the whole monitor ≤ 0.01 per speaker).
2. ``--asterisk``: the Debian asterisk-core-sounds-{en,ru} prompts (8 kHz, resampled to 16 kHz
   with soxr). For each prompt with ≥ 2 s of phonation, the measured rate, and the rate from
   the transcript's syllables (Russian: vowel letters, exact; English: vowel groups with a
   silent-e rule, approximate) over the same phonation time. Prints medians and p90s.

Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import time
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr
import webrtcvad

from voiceassist.analysis.rate import SpeechRate, phonation_seconds, speech_rate
from voiceassist.frames import HOP_SAMPLES, SAMPLE_RATE, Frame

ROOT = Path(__file__).parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "rate"
ASTERISK = Path("/usr/share/asterisk/sounds")
TRANSCRIPTS = Path("/usr/share/doc")


def vad_flags(x: np.ndarray) -> list[bool]:
    vad = webrtcvad.Vad(2)
    return [vad.is_speech(x[i : i + HOP_SAMPLES].tobytes(), SAMPLE_RATE) for i in range(0, len(x) - HOP_SAMPLES + 1, HOP_SAMPLES)]


def minute_of_speech() -> np.ndarray:
    manifest = json.loads((FIXTURES / "manifest.json").read_text(encoding="utf-8"))
    parts, total = [], 0
    for item in manifest:
        x, _ = sf.read(FIXTURES / item["file"], dtype="int16")
        parts.append(x)
        total += len(x)
        if total >= 60 * SAMPLE_RATE:
            break
    x = np.concatenate(parts)[: 60 * SAMPLE_RATE]
    return x[: len(x) // HOP_SAMPLES * HOP_SAMPLES]


def rtf() -> None:
    x = minute_of_speech()
    seconds = len(x) / SAMPLE_RATE
    flags = vad_flags(x)
    frames = [Frame("agent", i / SAMPLE_RATE, x[i : i + HOP_SAMPLES]) for i in range(0, len(x), HOP_SAMPLES)]
    best = float("inf")
    for _ in range(3):
        analyser = SpeechRate()
        start = time.perf_counter()
        for frame, voiced in zip(frames, flags):
            analyser.push(frame, voiced)
        best = min(best, time.perf_counter() - start)
    ref = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for frame in frames:
            np.abs(np.fft.rfft(frame.samples))
        ref = min(ref, time.perf_counter() - start)
    print(f"audio: {seconds:.1f} s of speech in {len(frames)} frames of 20 ms")
    print(f"SpeechRate.push: {best * 1e3:.1f} ms  RTF {best / seconds:.5f}  ({best / len(frames) * 1e6:.1f} us/frame)")
    print(f"reference |rfft| per frame: {ref * 1e3:.1f} ms  RTF {ref / seconds:.5f}  (SpeechRate = {best / ref:.1f} x reference)")


def _en_syllables(text: str) -> int:
    count = 0
    for word in re.findall(r"[a-z']+", text.lower()):
        n = len(re.findall(r"[aeiouy]+", word))
        if word.endswith("e") and not word.endswith(("le", "ee")) and n > 1:
            n -= 1  # silent final e ("please", "enter")
        count += max(1, n)
    return count


def _ru_syllables(text: str) -> int:
    return sum(ch in "аеёиоуыэюя" for ch in text.lower())


def asterisk() -> None:
    for lang, count in (("en", _en_syllables), ("ru", _ru_syllables)):
        path = TRANSCRIPTS / f"asterisk-core-sounds-{lang}" / f"core-sounds-{lang}.txt.gz"
        if not path.exists():
            print(f"{lang}: {path} not installed")
            continue
        texts = {}
        for line in gzip.open(path, "rt", encoding="utf-8", errors="replace"):
            name, sep, text = line.partition(":")
            if sep and not line.startswith(";") and not re.search(r"\d|\[|<", text):
                texts[name.strip()] = text.strip()
        measured, truth, errors = [], [], []
        for name, text in texts.items():
            wav = ASTERISK / lang / f"{name}.wav"
            if not wav.exists() or not text:
                continue
            y, rate = sf.read(wav, dtype="float32")
            x = np.clip(np.round(soxr.resample(y, rate, SAMPLE_RATE) * 32767), -32768, 32767).astype(np.int16)
            flags = vad_flags(x)
            phonation = phonation_seconds(flags)
            if phonation < 2.0:
                continue
            result = speech_rate(x, flags)
            measured.append(result.rate_sps)
            truth.append(count(text) / phonation)
            errors.append(100 * (result.syllables - count(text)) / count(text))
        m, t, e = np.array(measured), np.array(truth), np.array(errors)
        print(f"{lang}: {len(m)} prompts with >= 2 s phonation")
        print(f"  measured rate  sps: median {np.median(m):.2f}  p90 {np.percentile(m, 90):.2f}  max {m.max():.2f}")
        print(f"  transcript rate sps: median {np.median(t):.2f}  p90 {np.percentile(t, 90):.2f}  max {t.max():.2f}")
        print(f"  syllable count error %: median {np.median(e):+.1f}  mean |e| {np.mean(np.abs(e)):.1f}  p90 |e| {np.percentile(np.abs(e), 90):.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--asterisk", action="store_true", help="also measure the Asterisk prompts")
    args = parser.parse_args()
    rtf()
    if args.asterisk:
        asterisk()


if __name__ == "__main__":
    main()
