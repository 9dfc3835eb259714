"""Voice-monitor benchmark: its cost, and how soon a prompt follows what triggered it.

    .venv/bin/python benchmarks/monitor.py [--paced]

- cost: real-time factor per speaker of the monitor (VAD + loudness + rate + rules) over each
  golden call, against the reference of decoding the same file into frames (the work every
  run does anyway), as a ratio. Target: <= 0.01 per speaker, so it never competes with
  speech recognition.
- latency: audio time from the onset of the behaviour (manifest) to the prompt, per golden
  call; with --paced, also wall time through the paced replay source (real time, ~4 min).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from voiceassist.analysis.monitor import VoiceMonitor
from voiceassist.config import load_config
from voiceassist.pipeline import run_call
from voiceassist.rules.monitor import MonitorRules
from voiceassist.rules.phrasebook import load_phrasebook
from voiceassist.sinks.memory import ListSink
from voiceassist.sources.replay import ReplaySource
from voiceassist.sources.wav import WavSource

GOLDEN = Path(__file__).parents[1] / "tests" / "fixtures" / "golden"
ONSETS = {  # manifest event -> the prompt it should bring
    "loud_agent.wav": ("rise", "lower_voice"),
    "fast_agent.wav": ("fast", "slow_down"),
    "overtalk.wav": ("overlaps", "let_them_finish"),
    "monologue.wav": ("monologue", "acknowledge"),
}


def onset(entry: dict, key: str) -> float:
    value = entry["events"][key]
    if key == "overlaps":
        return sorted(o["t"] for o in value)[2]  # the third over-talk is the trigger
    if key == "monologue":
        return value["start"] + 30.0  # monologue_s: the prompt is due then
    return value["start"]


def cost(path: Path, cfg) -> tuple[float, float, float]:
    started = time.perf_counter()
    with WavSource(path) as source:
        frames = list(source.frames())
        duration = source.info.duration_s
    decode_s = time.perf_counter() - started
    monitors = {s: VoiceMonitor(s, cfg.monitor) for s in ("caller", "agent")}
    rules = MonitorRules(cfg.monitor, load_phrasebook("en"))
    started = time.perf_counter()
    for frame in frames:
        rules.on_measurement(monitors[frame.speaker].push(frame))
    monitor_s = time.perf_counter() - started
    return duration, monitor_s, decode_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--paced", action="store_true", help="also measure wall-clock latency in real time")
    args = parser.parse_args()
    cfg = load_config()
    manifest = {e["file"]: e for e in json.loads((GOLDEN / "manifest.json").read_text())["files"]}

    print(f"{'call':32} {'audio s':>8} {'RTF/speaker':>12} {'decode RTF':>11} {'ratio':>6}")
    total_audio = total_monitor = total_decode = 0.0
    for name in sorted(manifest):
        duration, monitor_s, decode_s = cost(GOLDEN / name, cfg)
        total_audio, total_monitor, total_decode = total_audio + duration, total_monitor + monitor_s, total_decode + decode_s
        print(f"{name:32} {duration:8.1f} {monitor_s / duration / 2:12.5f} {decode_s / duration:11.5f} {monitor_s / decode_s:6.2f}")
    print(f"{'all':32} {total_audio:8.1f} {total_monitor / total_audio / 2:12.5f} {total_decode / total_audio:11.5f} "
          f"{total_monitor / total_decode:6.2f}")

    print(f"\n{'call':20} {'prompt':16} {'onset s':>8} {'audio latency s':>16} {'wall latency s':>15}")
    for name, (key, kind) in ONSETS.items():
        t0 = onset(manifest[name], key)
        timed = ListSink()
        with WavSource(GOLDEN / name) as wav:
            source = ReplaySource(wav) if args.paced else wav
            run_call(source, None, [timed], cfg)
        hit = next(((w, e) for w, e in zip(timed.arrived, timed.events)
                    if e["type"] == "prompt.shown" and e["kind"] == kind), None)
        if hit is None:
            print(f"{name:20} {kind:16} {t0:8.2f} {'none':>16}")
            continue
        wall = f"{hit[0] - (source.started_at + t0):15.2f}" if args.paced else f"{'-':>15}"
        print(f"{name:20} {kind:16} {t0:8.2f} {hit[1]['t'] - t0:16.2f} {wall}")


if __name__ == "__main__":
    main()
