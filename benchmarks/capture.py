"""The caller's side through the headset's output monitor: how soon speech played into the
headset reaches voiceassist, against an input device reading the same monitor.

    .venv/bin/python benchmarks/capture.py [--runs N]

On a sound server of its own (tests/pulsetools.py: PulseAudio, then PipeWire with
pipewire-pulse when installed), with a null sink `headset`: the caller's real speech is played
into it (paplay, as a softphone) while three readers record `headset.monitor` at once — the
monitor as `live` records it (``MonitorStream``: parec with a block's latency), parec with its
default latency, and PortAudio through an ALSA `pulse` device (an input device, the reference).
Prints, per reader, the wall time from starting the player to the first block that holds speech
(median of the runs).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from pulsetools import PipeWire, Pulse  # noqa: E402

from voiceassist.sources.monitor import MonitorStream  # noqa: E402

SPEECH = ROOT / "tests" / "fixtures" / "calls" / "vm-nobodyavail.wav"


def one_run(env: dict) -> dict[str, float]:
    """Seconds from starting the player to the first speech block, per reader."""
    import sounddevice as sd  # after the server's environment is in place: ALSA reads ~/.asoundrc at start

    arrivals: dict[str, list[tuple[float, np.ndarray]]] = {"monitor (live)": [], "parec default": [],
                                                           "ALSA pulse device": []}

    def keep(name):
        return lambda block, *_: arrivals[name].append((time.monotonic(), block.copy()))

    monitor = MonitorStream("headset.monitor", samplerate=16000, channels=1, blocksize=320, callback=keep("monitor (live)"))
    default = subprocess.Popen(["parec", "--device=headset.monitor", "--format=s16le", "--rate=16000", "--channels=1",
                                "--raw"], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0)

    def read_default():
        while block := default.stdout.read(640):
            arrivals["parec default"].append((time.monotonic(), np.frombuffer(block, "<i2")))

    threading.Thread(target=read_default, daemon=True).start()
    device = next(d["index"] for d in sd.query_devices() if d["name"] == "viaalsa")
    stream = sd.InputStream(device=device, channels=1, samplerate=16000, dtype="int16", blocksize=320,
                            callback=keep("ALSA pulse device"))
    monitor.start()
    stream.start()
    time.sleep(2.5)  # every reader flowing
    played = time.monotonic()
    subprocess.run(["paplay", "-d", "headset", str(SPEECH)], env=env, check=True)
    monitor.close()
    stream.close()
    default.kill()
    out = {}
    for name, blocks in arrivals.items():
        hit = next((t for t, x in blocks if len(x) and np.abs(x).max() > 1000), None)
        out[name] = float("nan") if hit is None else hit - played
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for kind in (Pulse, PipeWire):
        if kind is PipeWire and subprocess.run(["which", "pipewire-pulse"], capture_output=True).returncode:
            print("PipeWire: not installed (./run setup installs it)")
            continue
        with tempfile.TemporaryDirectory() as folder:
            server = kind(Path(folder), sinks={"headset": "USB-Headset"})
            (Path(folder) / ".asoundrc").write_text('pcm.viaalsa { type pulse device "headset.monitor" }\n')
            server.start()
            try:
                env = {k: v for k, v in server.env.items() if k != "PYTHONPATH"}
                # each run in a child: PortAudio reads the ALSA config once per process
                code = ("import json, os, sys; sys.path[:0] = sys.argv[1:]; import capture; "
                        "print(json.dumps(capture.one_run(dict(os.environ))))")
                runs = []
                for _ in range(args.runs):
                    result = subprocess.run([sys.executable, "-c", code, str(ROOT / "benchmarks"), str(ROOT / "tests")],
                                            capture_output=True, text=True, env=env, timeout=120)
                    assert result.returncode == 0, result.stderr[-2000:]
                    runs.append(json.loads(result.stdout.strip().splitlines()[-1]))
            finally:
                server.kill()
        print(f"{kind.__name__}: speech reaches the reader after (median of {args.runs} runs)")
        for name in runs[0]:
            print(f"  {name:18s} {1000 * statistics.median(r[name] for r in runs):6.0f} ms")


if __name__ == "__main__":
    main()
