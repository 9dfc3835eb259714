"""The floor under load: N simulated agents, one broker, one board, on this machine.

    .venv/bin/python benchmarks/floor.py [--agents 50 200 500] [--seconds 60] [--agent-cost]

- Agents: N agents replay the demo call's events (tests/fixtures/floor/demo.events.jsonl, ~6
  events/s with levels) at real-time pace, no recognition, each on its own NATS connection,
  published as ``FloorPublisher`` does (JetStream, acknowledged, with a Nats-Msg-Id). Each
  starts at a random point of the call (a mid-shift floor), and begins a new call when one
  ends. They run in two worker processes.
- Broker: a nats-server with JetStream (``voiceassist.floor.broker``), file storage.
- Board: a real ``voiceassist floor --broker …`` process.
- event → board: from an agent's publish of an event to the first state the board pushes to
  its pages (server-sent events, what a browser draws) whose row for that call has reached
  the event's audio time; p50 and p95 over every event (those of one audio time count once,
  from the first one's publish). The reference, in the same process: the same events read
  straight from the stream by a bare JetStream consumer (the broker's share of the latency).
- CPU (% of one core, averaged over the run) and resident memory (peak) of the broker and the
  board, read from /proc; events lost: published and acknowledged, less those the board took.
- ``--agent-cost``: one agent's paced call (the demo call, voice monitor on) through the
  pipeline without and with a publisher to the broker: process CPU and prompt latency.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import multiprocessing as mp
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import nats

from voiceassist.floor.broker import EmbeddedBroker
from voiceassist.sinks.floor import subject

ROOT = Path(__file__).parents[1]
EVENTS = ROOT / "tests" / "fixtures" / "floor" / "demo.events.jsonl"
_TICK = os.sysconf("SC_CLK_TCK")


def proc_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime


def proc_peak_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


# -- the simulated agents (worker processes) ----------------------------------------------------

def agents_worker(url: str, names: list[str], seconds: float, out: str, seed: int) -> None:
    asyncio.run(_agents(url, names, seconds, out, seed))


async def _agents(url: str, names: list[str], seconds: float, out: str, seed: int) -> None:
    events = [json.loads(line) for line in EVENTS.read_text(encoding="utf-8").splitlines()]
    length = events[-1]["t"]
    rng = random.Random(seed)
    sent: list[tuple[str, str, float]] = []
    counts = {"published": 0, "retried": 0}
    deadline = time.monotonic() + seconds

    async def agent(name: str) -> None:
        nc = await nats.connect(url, max_reconnect_attempts=-1)
        js = nc.jetstream(timeout=5)
        offset = rng.uniform(0, length - 10)
        calls = 0
        while time.monotonic() < deadline:
            call, calls = f"{name}-{calls}", calls + 1
            begin = time.monotonic() - offset
            seq = 0
            for e in events:
                if e["type"] != "call.started" and e["t"] < offset:
                    continue
                wait = begin + e["t"] - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                if time.monotonic() >= deadline:
                    break
                seq += 1
                payload = json.dumps({**e, "agent": name, "call": call, "team": "bench"}, ensure_ascii=False).encode()
                at = time.time()
                while True:
                    try:
                        await js.publish(subject("bench", name, call, e["type"]), payload,
                                         headers={"Nats-Msg-Id": f"{call}/{seq}"})
                        break
                    except Exception:  # noqa: BLE001 - as the publisher: the event waits and goes again
                        counts["retried"] += 1
                        await asyncio.sleep(0.2)
                counts["published"] += 1
                sent.append((call, round(e["t"], 1), at))
            offset = 0.0
        await nc.close()

    await asyncio.gather(*(agent(n) for n in names))
    Path(out).write_text(json.dumps({"sent": sent, **counts}))


# -- what arrives where ---------------------------------------------------------------------------

async def watch_board(board_url: str, progress: dict, stop: asyncio.Event) -> None:
    """``progress[call]``: (time, duration) each time a pushed state shows the call further on;
    the duration on a row is the audio time of the call's latest event the board has taken."""
    base, token = board_url.split("/?token=")
    async with httpx.AsyncClient(timeout=None) as client:
        async with client.stream("GET", base + "/events", params={"token": token}) as answer:
            async for line in answer.aiter_lines():
                if stop.is_set():
                    return
                if line.startswith("data: "):
                    now = time.time()
                    for row in json.loads(line[6:])["calls"]:
                        steps = progress.setdefault(row["call"], [])
                        if not steps or row["duration"] > steps[-1][1]:
                            steps.append((now, row["duration"]))


async def watch_stream(url: str, seen: dict, stop: asyncio.Event) -> None:
    nc = await nats.connect(url)
    js = nc.jetstream()

    async def took(msg) -> None:
        e = json.loads(msg.data)
        seen.setdefault((e["call"], round(e["t"], 1)), time.time())

    from nats.js.api import DeliverPolicy

    await js.subscribe("voiceassist.>", ordered_consumer=True, cb=took, deliver_policy=DeliverPolicy.NEW)
    await stop.wait()
    await nc.close()


async def _watch(url: str, board_url: str, seconds: float, board_seen: dict, stream_seen: dict) -> None:
    stop = asyncio.Event()
    tasks = [asyncio.create_task(watch_board(board_url, board_seen, stop)),
             asyncio.create_task(watch_stream(url, stream_seen, stop))]
    await asyncio.sleep(seconds)
    stop.set()
    await asyncio.sleep(0.5)
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else float("nan")


def run(n: int, seconds: float) -> dict:
    with tempfile.TemporaryDirectory() as tmp, EmbeddedBroker(Path(tmp) / "store", port=0) as broker:
        board = subprocess.Popen([sys.executable, "-m", "voiceassist", "floor", "--broker", broker.url, "--port", "0"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            board_url = ""
            while not board_url:
                line = board.stdout.readline()
                if not line:
                    raise SystemExit(f"the board did not start: {board.stderr.read()}")
                if line.startswith("board: "):
                    board_url = line.split()[1]
            pids = {"broker": broker.pid, "board": board.pid}
            cpu0 = {k: proc_cpu_s(p) for k, p in pids.items()}
            began = time.monotonic()
            names = [f"agent{i:03d}" for i in range(n)]
            outs = [str(Path(tmp) / f"w{k}.json") for k in range(2)]
            workers = [mp.Process(target=agents_worker, args=(broker.url, names[k::2], seconds, outs[k], k)) for k in range(2)]
            for w in workers:
                w.start()
            board_seen: dict = {}
            stream_seen: dict = {}
            asyncio.run(_watch(broker.url, board_url, seconds + 3, board_seen, stream_seen))
            for w in workers:
                w.join()
            wall = time.monotonic() - began
            cpu = {k: (proc_cpu_s(p) - cpu0[k]) / wall * 100 for k, p in pids.items()}
            peak = {k: proc_peak_mb(p) for k, p in pids.items()}
            results = [json.loads(Path(o).read_text()) for o in outs]
            base, token = board_url.split("/?token=")
            time.sleep(1.0)
            received = httpx.get(base + "/api/floor", params={"token": token}).json()["received"]
        finally:
            board.terminate()
            board.wait(10)
    sent = [s for r in results for s in r["sent"]]
    published = sum(r["published"] for r in results)
    first: dict = {}
    for c, t, at in sent:  # events of the same audio time: from the first one's publish
        first.setdefault((c, t), at)
    board_ms = []
    for (c, t), at in first.items():
        steps = board_seen.get(c, [])
        k = bisect.bisect_left([d for _, d in steps], t)
        if k < len(steps):
            board_ms.append((steps[k][0] - at) * 1000)
    stream_ms = [(stream_seen[key] - at) * 1000 for key, at in first.items() if key in stream_seen]
    return {
        "agents": n, "events_per_s": published / seconds, "timed": len(first), "on_board": len(board_ms),
        "board_p50": pct(board_ms, 50), "board_p95": pct(board_ms, 95),
        "stream_p50": pct(stream_ms, 50), "stream_p95": pct(stream_ms, 95),
        "broker_cpu": cpu["broker"], "broker_mb": peak["broker"], "board_cpu": cpu["board"], "board_mb": peak["board"],
        "published": published, "received": received, "lost": published - received,
        "retried": sum(r["retried"] for r in results),
    }


# -- one agent's call, with and without the floor -------------------------------------------------

def agent_cost(speed: float = 1.0) -> None:
    from voiceassist.config import load_config
    from voiceassist.pipeline import run_call, run_events
    from voiceassist.sinks.floor import FloorPublisher
    from voiceassist.sinks.memory import ListSink
    from voiceassist.sources.replay import ReplaySource
    from voiceassist.sources.wav import WavSource

    from voiceassist.data import demo_call_path

    call = demo_call_path()
    cfg = load_config()
    with tempfile.TemporaryDirectory() as tmp, EmbeddedBroker(Path(tmp) / "store", port=0) as broker:
        for floor in (False, True):
            kept = ListSink()
            sinks = [kept]
            publisher = None
            if floor:
                publisher = FloorPublisher(broker.url, cfg.floor, agent="bench", call=f"cost-{time.time_ns()}",
                                           language="en", redact=True)
                sinks.append(publisher)
            cpu, began = time.process_time(), time.monotonic()
            with ReplaySource(WavSource(call), speed=speed) as source:
                run_call(source, None, sinks, cfg, levels=True, live=True)
            if publisher is not None:
                publisher.close()
            used = time.process_time() - cpu
            lat = [(a - (began + e["t"] / speed)) * 1000 for e, a in zip(kept.events, kept.arrived) if e["type"] == "prompt.shown"]
            print(f"  audio, {'with --floor' if floor else 'without':<13} CPU {used:5.2f} s for a {kept.events[-1]['t']:.0f} s call; "
                  f"prompt latency median {statistics.median(lat):5.1f} ms, max {max(lat):5.1f} ms ({len(lat)} prompts)"
                  + (f"; published {publisher.published}, dropped {publisher.dropped}" if publisher else ""))
        # Its transcripts, for more prompts: the rules on the demo call's recorded events, paced.
        for floor in (False, True):
            kept = ListSink()
            publisher = None
            if floor:
                publisher = FloorPublisher(broker.url, cfg.floor, agent="bench", call=f"cost-{time.time_ns()}",
                                           language="en", redact=True)
            cpu, began = time.process_time(), time.monotonic()
            run_events(EVENTS, [kept, publisher] if publisher else [kept], cfg, speed=speed * 2)
            if publisher is not None:
                publisher.close()
            used = time.process_time() - cpu
            lat = [(a - (began + e["t"] / (speed * 2))) * 1000 for e, a in zip(kept.events, kept.arrived)
                   if e["type"] == "prompt.shown"]
            print(f"  events, {'with --floor' if floor else 'without':<12} CPU {used:5.2f} s at {speed * 2:g}x; "
                  f"prompt latency median {statistics.median(lat):5.2f} ms, max {max(lat):5.2f} ms ({len(lat)} prompts)"
                  + (f"; published {publisher.published}, dropped {publisher.dropped}" if publisher else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, nargs="+", default=[50, 200, 500])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--agent-cost", action="store_true", help="also one agent's call without and with --floor")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; each run {args.seconds:.0f} s of agents at real-time pace")
    print("agents  events/s  events seen    board p50/p95 ms   stream p50/p95 ms   broker CPU  MB   board CPU  MB   lost")
    r = None
    for n in args.agents:
        r = run(n, args.seconds)
        print(f"{r['agents']:>6}  {r['events_per_s']:8.0f}  {r['on_board']:>6}/{r['timed']:<6}  "
              f"{r['board_p50']:7.0f} / {r['board_p95']:<7.0f}  {r['stream_p50']:7.1f} / {r['stream_p95']:<7.1f}  "
              f"{r['broker_cpu']:8.0f}% {r['broker_mb']:4.0f}  {r['board_cpu']:8.0f}% {r['board_mb']:4.0f}  "
              f"{r['lost']:>5} (of {r['published']}, {r['retried']} retried)", flush=True)
    if r is not None and r["board_cpu"] > 0:
        # Where it tops out, from the largest floor measured, as if cost grew linearly with agents:
        # the board's state and pages are one Python thread (one core); broker and board share two.
        board_max = r["agents"] * 100 / r["board_cpu"]
        both_max = r["agents"] * 200 / (r["board_cpu"] + r["broker_cpu"])
        print(f"tops out (linear from {r['agents']} agents): the board's core full at ~{board_max:.0f} agents; "
              f"broker and board filling 2 cores at ~{both_max:.0f} (the simulated agents' own CPU not counted)")
    if args.agent_cost:
        print("one agent's call (the demo call, voice monitor only, paced at real time):")
        agent_cost()


if __name__ == "__main__":
    main()
