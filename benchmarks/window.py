"""Whisper's short-window decoding against the full 30 s window, on real speech.

For each utterance, the same Whisper model decodes it twice through the product's own engine:
with ``asr.whisper.window_pad_s = 0`` (the full window: the reference, same process) and with
the configured short window. Prints word error rate of each against the transcripts, decode
time of each and their ratio, and how often the short window fell back to the full one.

Sets:
- ``en``, ``ru``: Asterisk's recorded prompts (Debian ``asterisk-core-sounds-{en,ru}-wav`` and
  ``asterisk-core-sounds-{en,ru}``, for the transcripts; ``apt install`` them first), the ones
  of at least 5 words, 8 kHz telephone speech;
- ``demo``: the bundled demo call's turns (``voiceassist/data/demo/script.json``).

    .venv/bin/python benchmarks/window.py [--sets en,ru,demo] [--limit N] [--pad S]
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import re
import sys
import time
from pathlib import Path

import jiwer
import numpy as np
import soundfile as sf

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT))

from voiceassist.asr import load_engine, models_dir  # noqa: E402
from voiceassist.config import load_config  # noqa: E402
from voiceassist.sources.convert import StreamConverter  # noqa: E402

SOUNDS = Path("/usr/share/asterisk/sounds")
DOCS = Path("/usr/share/doc")
_DIGITS = dict(zip("0123456789", "zero one two three four five six seven eight nine".split()))


def _normal(text: str) -> str:
    """Lower case, no punctuation, digits as words (Whisper writes "3, 3, 4" for "three three four")."""
    words = re.sub(r"[^\w\s]", " ", text.lower().replace("ё", "е").replace("'", "")).split()
    return " ".join(" ".join(_DIGITS[c] for c in w) if w.isdigit() else w for w in words)


def _16k(audio: np.ndarray, rate: int) -> np.ndarray:
    return StreamConverter(rate, 1).push(audio[:, None].astype(np.float32), last=True)[:, 0]


def asterisk(language: str, limit: int) -> list[tuple[np.ndarray, str]]:
    listing = DOCS / f"asterisk-core-sounds-{language}" / f"core-sounds-{language}.txt.gz"
    if not listing.is_file():
        raise SystemExit(f"{listing}: missing; apt install asterisk-core-sounds-{language}-wav asterisk-core-sounds-{language}")
    out = []
    for line in gzip.open(listing, "rt", encoding="utf-8"):
        name, sep, text = line.partition(":")
        path = SOUNDS / language / f"{name.strip()}.wav"
        if not sep or line.startswith(";") or len(text.split()) < 5 or not path.is_file():
            continue
        audio, rate = sf.read(path, dtype="float32")
        out.append((_16k(audio, rate), text.strip()))
        if len(out) == limit:
            break
    return out


def demo() -> list[tuple[np.ndarray, str]]:
    from voiceassist.data import demo_call_path

    script = json.loads((demo_call_path().parent / "script.json").read_text(encoding="utf-8"))
    audio, rate = sf.read(demo_call_path(), dtype="float32", always_2d=True)
    out = []
    for turn in script["turns"]:
        channel = audio[int((turn["start"] - 0.2) * rate) : int((turn["end"] + 0.2) * rate), script["channels"][turn["speaker"]]]
        out.append((_16k(channel, rate), turn["text"]))
    return out


class _Fallbacks(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += "full window" in record.getMessage()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default="en,ru,demo")
    parser.add_argument("--limit", type=int, default=80, help="utterances per Asterisk language (default 80)")
    parser.add_argument("--pad", type=float, help="window_pad_s of the short window (default: the config's)")
    args = parser.parse_args()
    fallbacks = _Fallbacks()
    whisper_log = logging.getLogger("voiceassist.asr.whisper")
    whisper_log.addHandler(fallbacks)
    whisper_log.setLevel(logging.DEBUG)
    print(f"{'set':6} {'n':>4} {'audio s':>8} {'WER full':>9} {'WER short':>10} {'Δ WER':>7} {'full s':>7} {'short s':>8} {'speed-up':>9} {'fallbacks':>10}")
    for name in args.sets.split(","):
        language = "en" if name == "demo" else name
        utterances = demo() if name == "demo" else asterisk(name, args.limit)
        short_over = {"asr.engine": "whisper", "asr.language": language}
        if args.pad is not None:
            short_over["asr.whisper.window_pad_s"] = args.pad
        engines = {}
        for kind, overrides in (("full", {**short_over, "asr.whisper.window_pad_s": 0.0}), ("short", short_over)):
            cfg = load_config(None, overrides)
            engines[kind] = load_engine(cfg.asr, language, models_dir(cfg.asr))
        texts: dict[str, list[str]] = {"full": [], "short": []}
        seconds = {"full": 0.0, "short": 0.0}
        fallbacks.count = 0
        for audio, _ in utterances:
            for kind, engine in engines.items():
                started = time.perf_counter()
                texts[kind].append(_normal(engine.transcribe(audio, 0.0)[1]))
                seconds[kind] += time.perf_counter() - started
        refs = [_normal(text) for _, text in utterances]
        wer = {kind: jiwer.wer(refs, [t or "-" for t in texts[kind]]) for kind in texts}
        audio_s = sum(len(a) for a, _ in utterances) / 16000
        print(f"{name:6} {len(utterances):4d} {audio_s:8.1f} {wer['full']:9.3f} {wer['short']:10.3f} {wer['short'] - wer['full']:+7.3f} "
              f"{seconds['full']:7.1f} {seconds['short']:8.1f} {seconds['full'] / seconds['short']:8.2f}x {fallbacks.count:10d}", flush=True)


if __name__ == "__main__":
    main()
