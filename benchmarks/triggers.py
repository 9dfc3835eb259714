"""Trigger benchmark: how well, how fast and how soon.

1. Precision and recall of intent detection per language, on the golden sets the phrasebooks
   were tuned against (tests/fixtures/triggers), on the held-out sets nobody tuned against
   (tests/fixtures/triggers_heldout), and on the sets written blind from the intents' spec
   alone (tests/fixtures/triggers_blind): the gap is how much the tuning overfits. With the
   promised-time accuracy of each.
   Each with the phrase lists alone (the reference) and with the learned layer (as shipped);
   ``--intents``: per intent.
2. Time per transcript update with all five phrasebooks loaded: every golden utterance fed
   word by word as growing partials, then as a final, to its language's engine (median, p95,
   max, partials and finals apart), and the ratio to tokenising the same text alone (the
   reference, same process).
3. With ``--latency``: phrase end → ``prompt.shown`` on the demo call replayed in real time
   through the live pipeline, per engine (the words' end in call audio to the wall-clock
   moment the prompt reached the sink).

    .venv/bin/python benchmarks/triggers.py [--intents] [--latency] [--engines whisper,vosk] [--seconds S]
"""

from __future__ import annotations

import argparse
import itertools
import re
import statistics
import sys
import time

import numpy as np
from pathlib import Path

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT))

from voiceassist.config import load_config  # noqa: E402
from voiceassist.events import heard_phrase  # noqa: E402
from voiceassist.languages import LANGUAGES  # noqa: E402
from voiceassist.rules.matching import tokens  # noqa: E402
from voiceassist.rules.phrasebook import INTENTS, load_phrasebook  # noqa: E402
from voiceassist.rules.trigger_sets import Score, due_right, load_set, score  # noqa: E402
from voiceassist.rules.triggers import TriggerEngine, speaker_of  # noqa: E402

SETS = {
    "golden": ROOT / "tests/fixtures/triggers",
    "held-out": ROOT / "tests/fixtures/triggers_heldout",
    "blind": ROOT / "tests/fixtures/triggers_blind",  # written from an intent spec alone: never tune on it
}


def summary(per: dict[str, Score], times: float) -> str:
    p, r = statistics.mean(x.precision for x in per.values()), statistics.mean(x.recall for x in per.values())
    lowest = [min(x.precision, x.recall) for x in per.values()]
    return f"P {p:.2f} R {r:.2f} min {min(lowest):.2f} {sum(x >= 0.9 for x in lowest):2d}/16 due {times:.2f}"


def speed(engines: dict[str, TriggerEngine], golden: dict[str, dict]) -> None:
    updates: list[tuple[str, str, str, bool]] = []  # (language, speaker, text, final)
    for language, sets in golden.items():
        for intent in INTENTS:
            for text in sets[intent]["positives"] + sets[intent]["negatives"]:
                words = text.split()
                updates += [(language, speaker_of(intent), " ".join(words[:n]), n == len(words)) for n in range(1, len(words) + 1)]
    spent: dict[bool, list[float]] = {False: [], True: []}  # per update: partial, final
    reference = []
    for i, (language, speaker, text, final) in enumerate(updates):
        event = {"t": float(i), "type": "transcript.final" if final else "transcript.partial", "speaker": speaker,
                 "text": text, "start": float(i), "end": float(i), "words": []}
        started = time.perf_counter()
        engines[language].on_transcript(event)
        spent[final].append(time.perf_counter() - started)
        started = time.perf_counter()
        tokens(text, language)
        reference.append(time.perf_counter() - started)
    print(f"\ntime per transcript update, 5 phrasebooks loaded, {len(updates)} updates (partials growing word by word):")
    for final, label in ((False, "partials"), (True, "finals")):
        q, ms = statistics.quantiles(spent[final], n=20), statistics.median(spent[final])
        print(f"  {label:8} median {ms * 1e3:.2f} ms, p95 {q[18] * 1e3:.2f} ms, max {max(spent[final]) * 1e3:.2f} ms"
              f"  (x{ms / statistics.median(reference):.0f} tokenising alone)")


def latency(engines: list[str], seconds: float | None) -> None:
    """Phrase end → prompt on the demo call, replayed in real time through the live pipeline."""
    from voiceassist.asr import load_engine, models_dir
    from voiceassist.data import demo_call_path
    from voiceassist.pipeline import run_call
    from voiceassist.sources.replay import ReplaySource
    from voiceassist.sources.wav import WavSource

    class Stamp:
        """Notes the wall-clock moment each event reaches the sink."""

        def __init__(self):
            self.events: list[tuple[float, dict]] = []

        def handle(self, event):
            self.events.append((time.monotonic(), event))

        def close(self):
            pass

    print("\nphrase end -> prompt.shown, demo call replayed in real time (live pipeline):")
    for name in engines:
        language = "en" if name == "vosk" else "auto"  # Whisper as shipped: the language found; Vosk needs it given
        cfg = load_config(None, {"asr.engine": name, "asr.language": language})
        try:
            engine = load_engine(cfg.asr, language, models_dir(cfg.asr), cfg.audio.vad_aggressiveness)
        except Exception as e:  # a missing model: say so and go on with the next engine
            print(f"  {name}: not measured ({e})")
            continue
        sink = Stamp()
        with WavSource(demo_call_path()) as wav:
            source = ReplaySource(wav)
            frames = source.frames
            if seconds:
                source.frames = lambda: itertools.takewhile(lambda f: f.t < seconds, frames())  # type: ignore[method-assign]
            run_call(source, engine, [sink], cfg, live=True)
        delays, last, shown = [], None, []
        for wall, e in sink.events:
            if e["type"].startswith("transcript."):
                last = e
            elif e["type"] == "prompt.shown" and last and e["t"] == last["t"] and (heard := heard_phrase(e["reason"])):
                end_word = re.sub(r"[^\w']", "", heard.split()[-1])
                ends = [w["end"] for w in last["words"] if re.sub(r"[^\w']", "", w["w"].lower()) == end_word]
                if ends:
                    delays.append(wall - (source.started_at + ends[-1]))
                    shown.append(f"{e['id']} {delays[-1]:.2f}")
        if delays:
            print(f"  {name}: {len(delays)} prompts from what was said, median {statistics.median(delays):.2f} s, "
                  f"p95 {float(np.percentile(delays, 95)):.2f} s, max {max(delays):.2f} s "
                  f"(wall clock: call-audio latency plus recognition time)\n    {', '.join(shown)}")
        else:
            print(f"  {name}: no word-triggered prompts (the only Vosk model here is Korean: it cannot hear English)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency", action="store_true", help="also measure phrase end -> prompt in real time")
    parser.add_argument("--intents", action="store_true", help="also print precision and recall per intent")
    parser.add_argument("--engines", default="whisper,vosk")
    parser.add_argument("--seconds", type=float, help="replay only the first S seconds of the demo call")
    args = parser.parse_args()

    cfg = load_config()
    alone = load_config(None, {"triggers.learned": False})
    loaded = {name: {lang: load_set(folder, lang) for lang in LANGUAGES} for name, folder in SETS.items() if folder.is_dir()}
    measured = {}
    for label, c in (("phrase lists alone (the reference)", alone), ("phrase lists + learned layer (as shipped)", cfg)):
        engines = {lang: TriggerEngine(load_phrasebook(lang), c.triggers) for lang in LANGUAGES}
        print(f"\nintent detection, {label}: mean precision, mean recall, lowest intent, intents at 0.9/0.9, promised times right")
        print(f"  {'':4}" + "".join(f"{name:>41}" for name in loaded))
        for lang in LANGUAGES:
            measured[label, lang] = {name: (score(engines[lang], sets[lang], lang), due_right(sets[lang], lang))
                                     for name, sets in loaded.items()}
            print(f"  {lang:4}" + "".join(f"{summary(*m):>41}" for m in measured[label, lang].values()))
    if args.intents:
        print("\nper intent, as shipped: precision/recall on " + ", ".join(loaded))
        print(f"  {'':16}" + "".join(f"{lang:>{15 * len(loaded)}}" for lang in LANGUAGES))
        for intent in INTENTS:
            cells = [f"{per[intent].precision:.2f}/{per[intent].recall:.2f}" for lang in LANGUAGES
                     for per, _ in measured["phrase lists + learned layer (as shipped)", lang].values()]
            print(f"  {intent:16}" + "".join(f"{c:>15}" for c in cells))
    speed({lang: TriggerEngine(load_phrasebook(lang), cfg.triggers) for lang in LANGUAGES}, loaded["golden"])
    if args.latency:
        latency(args.engines.split(","), args.seconds)


if __name__ == "__main__":
    main()
