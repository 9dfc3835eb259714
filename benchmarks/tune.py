"""Supervisor tools benchmark: ``analyze`` cold vs cached, and ``tune`` over a folder of calls.

1. A call of ``--minutes`` (the demo call looped, 8 kHz stereo μ-law) is analysed cold — the
   real recogniser (Whisper base, or Vosk with ``--engine vosk``) and voice monitor, writing
   the cache entry — and then again from the cache (load + replay of the rules), the way
   ``voiceassist analyze`` does both. The ratio is what the cache saves.
2. ``tune`` over ``--calls`` such calls (target: at most 1 s per call) with a candidate that
   changes a monitor threshold and the fuzzy-match floor, through ``voiceassist.tune.compare``
   as the command runs it: each call's entry loaded and replayed under both configs. The calls
   are copies of the analysed one, each with its last sample changed so it has its own hash
   and cache folder, and the entry copied there: the same work per call as distinct calls of
   that length (the analysis is the same size), without analysing 20 calls cold. Reference:
   one cached ``analyze`` of the same call, in the same process.

    .venv/bin/python benchmarks/tune.py [--calls 20] [--minutes 5] [--engine whisper|vosk]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT))

from voiceassist import cache, tune  # noqa: E402
from voiceassist.asr import choose_model, load_engine, models_dir  # noqa: E402
from voiceassist.config import load_config  # noqa: E402
from voiceassist.data import demo_call_path  # noqa: E402
from voiceassist.pipeline import replay_analysis, run_call  # noqa: E402
from voiceassist.sinks.memory import ListSink  # noqa: E402
from voiceassist.sources.wav import WavSource  # noqa: E402


def long_call(folder: Path, minutes: float) -> Path:
    audio, rate = sf.read(demo_call_path(), dtype="int16")
    n = int(minutes * 60 * rate)
    looped = np.concatenate([audio] * (n // len(audio) + 1))[:n]
    path = folder / "call-00.wav"
    sf.write(path, looped, rate, subtype="ULAW")
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=20)
    ap.add_argument("--minutes", type=float, default=5.0)
    ap.add_argument("--engine", default="whisper", choices=("whisper", "vosk"))
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        os.environ["XDG_CACHE_HOME"] = str(tmp / "cache")
        cfg = load_config(None, {"asr.engine": args.engine})
        calls = tmp / "calls"
        calls.mkdir()
        first = long_call(calls, args.minutes)
        print(f"call: {args.minutes:g} min ({first.stat().st_size / 1e6:.1f} MB), engine {args.engine}")

        # 1. cold, as analyze does it: hash, model, recognition + monitor + rules, cache written
        started_at = time.perf_counter()
        digest = cache.audio_hash(first)
        model = choose_model(cfg.asr, cfg.asr.language, models_dir(cfg.asr))
        engine = load_engine(cfg.asr, cfg.asr.language, models_dir(cfg.asr), cfg.audio.vad_aggressiveness, model)
        cold_events = ListSink()
        with WavSource(first) as source:
            info = source.info
            writer = cache.CacheWriter(cfg, digest, {"language": "en", "engine": model.engine, "model": model.name,
                                                     "sample_rate_in": info.sample_rate_in, "channels": info.channels})
            run_call(source, engine, [cold_events], cfg, recorder=writer)
        entry = writer.save()
        cold = time.perf_counter() - started_at
        print(f"analyze cold:   {cold:7.2f} s  (RTF {cold / (args.minutes * 60):.3f}; cache entry {entry.stat().st_size / 1e3:.0f} kB)")

        # 1b. cached, as analyze does it: hash, lookup, load, replay
        runs = []
        for _ in range(3):
            started_at = time.perf_counter()
            cached = cache.load(cache.lookup(cfg, cache.audio_hash(first), model.engine, model.name))
            warm_events = ListSink()
            replay_analysis(cached.started, cached.analysis(), [warm_events], cfg)
            runs.append(time.perf_counter() - started_at)
        warm = statistics.median(runs)
        same = [e for e in cold_events.events if e["type"] != "call.started"] == \
               [e for e in warm_events.events if e["type"] != "call.started"]
        print(f"analyze cached: {warm:7.2f} s  (median of 3; x{cold / warm:.0f} faster; same events: {same})")

        # 2. tune over N copies
        audio, rate = sf.read(first, dtype="int16")
        for i in range(1, args.calls):
            audio[-1, 0] = i  # one sample of the last frame: its own hash, the same analysis
            path = calls / f"call-{i:02d}.wav"
            sf.write(path, audio, rate, subtype="PCM_16")
            folder = cache.cache_dir(cfg) / cache.audio_hash(path)
            folder.mkdir(parents=True)
            shutil.copy(entry, folder / entry.name)
        candidate = load_config(None, {"asr.engine": args.engine, "monitor.loudness.raise_db": 5.0, "triggers.fuzzy_min": 80.0})
        paths = tune.calls_in([calls])
        started_at = time.perf_counter()
        results = tune.compare(paths, cfg, candidate)
        took = time.perf_counter() - started_at
        per_call = took / len(paths)
        changed = sum(len(r.appear) + len(r.disappear) + len(r.moved) for r in results)
        print(f"tune:           {took:7.2f} s for {len(paths)} calls of {args.minutes:g} min = {per_call:.2f} s per call "
              f"(target 1 s: x{per_call:.2f}; x{per_call / warm:.2f} a cached analyze; {changed} prompt changes)")


if __name__ == "__main__":
    main()
