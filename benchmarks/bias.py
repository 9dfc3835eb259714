"""Recognition biased toward the phrasebook's words: does it help the prompts?

The held-out trigger sentences of the intents whose words a recogniser mishears ("courier" as
"career"), spoken by espeak-ng and sent through a telephone line (8 kHz), are decoded by Whisper
as finals twice: as voiceassist decodes them, and with the phrasebook's words as faster-whisper's
``hotwords`` (a prompt before the transcript). Each transcript goes through the call language's
trigger engine. Printed per language: recall on the positives and false alarms on the
negatives, with and without the bias; and decode time, with the unbiased run as the reference
(same process, same audio).

    .venv/bin/python benchmarks/bias.py [--languages en,ru] [--per-intent N]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import Counter
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT))

from voiceassist.asr import load_engine, models_dir  # noqa: E402
from voiceassist.config import load_config  # noqa: E402
from voiceassist.rules.matching import expand, tokens  # noqa: E402
from voiceassist.rules.phrasebook import load_phrasebook  # noqa: E402
from voiceassist.rules.triggers import TriggerEngine, speaker_of  # noqa: E402

HELD_OUT = ROOT / "tests/fixtures/triggers_heldout"
# The intents the issue names: the courier, refunds, a manager, and the complaint topics.
INTENTS = ("agent_blame", "refund", "manager", "late_delivery", "broken_item", "wrong_item", "lost_parcel")
HOTWORDS = 30  # the most frequent long words of those intents' phrases


def hotwords(book) -> str:
    """The phrasebook's own words for those intents: the most frequent words of five letters
    or more in their phrases, alternatives expanded."""
    counts: Counter[str] = Counter()
    for intent in INTENTS:
        for phrase in book.intents[intent].phrases:
            for text in expand(phrase):
                counts.update(w for w in re.findall(r"\w+", text.lower()) if len(w) >= 5)
    return " ".join(w for w, _ in counts.most_common(HOTWORDS))


def spoken(text: str, language: str, tmp: Path) -> np.ndarray:
    out = tmp / "x.wav"
    subprocess.run(["espeak-ng", "-v", language, "-s", "150", "-w", str(out), text], check=True)
    x, rate = sf.read(out, dtype="float32")
    line = soxr.resample(x, rate, 8000)  # the telephone line
    return soxr.resample(line, 8000, 16000).astype(np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--languages", default="en,ru")
    parser.add_argument("--per-intent", type=int, default=8, help="positives and negatives per intent (default 8)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    print(f"{'lang':4} {'bias':5} {'recall':>7} {'false':>6} {'decode ms (median)':>19} {'ratio':>6}  hotwords")
    for language in args.languages.split(","):
        cfg = load_config(None, {"asr.engine": "whisper", "asr.language": language})
        engine = load_engine(cfg.asr, language, models_dir(cfg.asr))
        book = load_phrasebook(language, cfg.triggers.phrasebooks_dir)
        triggers = TriggerEngine(book, cfg.triggers, cfg.escalation)
        sets = tomllib.loads((HELD_OUT / f"{language}.toml").read_text(encoding="utf-8"))
        cases = [(intent, text, True) for intent in INTENTS for text in sets[intent]["positives"][: args.per_intent]]
        cases += [(intent, text, False) for intent in INTENTS for text in sets[intent]["negatives"][: args.per_intent]]
        audio = [spoken(text, language, tmp) for _, text, _ in cases]
        words = hotwords(book)
        reference = None
        for bias in ("", words):
            engine.hotwords = bias
            hits, false, times = [], [], []
            for (intent, _, positive), x in zip(cases, audio):
                started = time.perf_counter()
                _, text, _ = engine.transcribe(x, 0.0, language)
                times.append(time.perf_counter() - started)
                found = intent in triggers.intents(speaker_of(intent), tokens(text, language))
                (hits if positive else false).append(found)
            ms = statistics.median(times) * 1e3
            reference = reference or ms
            print(f"{language:4} {'on' if bias else 'off':5} {np.mean(hits):7.2f} {np.mean(false):6.2f} {ms:19.0f} "
                  f"{ms / reference:6.2f}  {bias[:60] + '…' if bias else ''}", flush=True)
        engine.hotwords = ""


if __name__ == "__main__":
    sys.exit(main())
