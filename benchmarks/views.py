"""The agent's views: how soon an event is on screen, and what a view costs during a call.

    .venv/bin/python benchmarks/views.py [--speed 4] [--repeat 3]

- latency: each event of a golden call (tests/fixtures/views/monologue.events.jsonl, recorded
  by Whisper, with `level` events) is handed to the view at its audio time (paced, ``--speed``
  times real time); its latency is from `handle()` to the first redraw that includes it:
  written to a real pseudo-terminal for the panel, drawn by the page's script in a real
  headless Chromium for the web view (the page notes Date.now() per redraw). Median and p95.
  The floor is the redraw period (1 / ui.refresh_per_second).
- CPU: process CPU time (all threads) of a paced golden call (loud_agent.wav, voice monitor
  only, `level` events on) through the pipeline alone, then with each view attached (the web
  view with Chromium showing the page; the browser's own CPU is not counted), as a ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import threading
import time
from pathlib import Path

from rich.console import Console

from voiceassist.config import load_config
from voiceassist.pipeline import run_call
from voiceassist.sinks.memory import ListSink
from voiceassist.sinks.terminal import TerminalView
from voiceassist.sinks.view import ViewState
from voiceassist.sinks.web import WebView
from voiceassist.sources.replay import ReplaySource
from voiceassist.sources.wav import WavSource

ROOT = Path(__file__).parents[1]
EVENTS = ROOT / "tests" / "fixtures" / "views" / "monologue.events.jsonl"
CALL = ROOT / "tests" / "fixtures" / "golden" / "loud_agent.wav"


class _Pty:
    """A real pseudo-terminal for the panel, its output drained as a terminal would read it."""

    def __init__(self):
        self.master, slave = os.openpty()
        self.file = os.fdopen(slave, "w", encoding="utf-8")
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        try:
            while os.read(self.master, 65536):
                pass
        except OSError:
            pass

    def console(self) -> Console:
        return Console(file=self.file, force_terminal=True, width=100, height=40, color_system="truecolor")

    def close(self) -> None:
        self.file.close()
        os.close(self.master)


def _chromium():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=480,900"):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def feed(events: list[dict], view, speed: float, clock=time.monotonic) -> list[tuple[int, float]]:
    """Hands each event to ``view`` at its audio time; (state version, ``clock()``) after each."""
    handled = []
    start = time.monotonic()
    for event in events:
        time.sleep(max(0.0, start + event["t"] / speed - time.monotonic()))
        view.handle(event)
        handled.append((view.state.version, clock()))
    return handled


def latencies(handled: list[tuple[int, float]], drawn: list[tuple[int, float]]) -> list[float]:
    out = []
    for version, at in handled:
        shown = next((t for v, t in drawn if v >= version and t >= at), None)
        if shown is not None:
            out.append(shown - at)
    return out


def report(name: str, values: list[float], total: int) -> None:
    values = sorted(values)
    p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
    print(f"{name:9} event -> on screen: median {statistics.median(values) * 1000:6.1f} ms, "
          f"p95 {p95 * 1000:6.1f} ms, max {values[-1] * 1000:6.1f} ms ({len(values)}/{total} events)")


def terminal_latency(events: list[dict], speed: float) -> None:
    cfg = load_config()
    pty = _Pty()
    view = TerminalView(ViewState(cfg), pty.console(), keys=False, refresh_per_second=cfg.ui.refresh_per_second)
    handled = feed(events, view, speed)
    time.sleep(0.3)
    view.close()
    pty.close()
    report("terminal", latencies(handled, view.drawn), len(events))


def web_latency(events: list[dict], speed: float, driver) -> None:
    cfg = load_config(None, {"ui.port": 0})
    view = WebView(ViewState(cfg), cfg.ui)
    driver.get(view.url)
    time.sleep(1.0)  # the page and its stream are up
    handled = feed(events, view, speed, clock=lambda: time.time())  # the page stamps Date.now()
    time.sleep(0.5)
    drawn = [(v, ms / 1000) for v, ms in driver.execute_script("return window.drawn")]
    view.close()
    report("web", latencies(handled, drawn), len(events))


def cpu(speed: float, views: str, driver) -> float:
    cfg = load_config(None, {"ui.port": 0})
    sinks: list = [ListSink()]
    pty = view = None
    if views == "terminal":
        pty = _Pty()
        view = TerminalView(ViewState(cfg), pty.console(), keys=False, refresh_per_second=cfg.ui.refresh_per_second)
    elif views == "web":
        view = WebView(ViewState(cfg), cfg.ui)
        driver.get(view.url)
    if view is not None:
        sinks.append(view)
    started = time.process_time()
    with ReplaySource(WavSource(CALL), speed=speed) as source:
        run_call(source, None, sinks, cfg, levels=True, live=True)
    used = time.process_time() - started
    if view is not None:
        view.close()
    if pty is not None:
        pty.close()
    return used


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speed", type=float, default=4.0, help="pace, times real time (default 4)")
    parser.add_argument("--repeat", type=int, default=3, help="CPU runs per configuration (default 3)")
    args = parser.parse_args()
    events = [json.loads(line) for line in EVENTS.read_text(encoding="utf-8").splitlines()]
    print(f"{EVENTS.name}: {len(events)} events over {events[-1]['t']:.1f} s of audio, paced x{args.speed:g}; "
          f"redraws at most {load_config().ui.refresh_per_second:g}/s")
    driver = _chromium()
    try:
        terminal_latency(events, args.speed)
        web_latency(events, args.speed, driver)
        print(f"\nCPU over {CALL.name} paced x{args.speed:g} (voice monitor, level events; least of "
              f"{args.repeat} runs each, interleaved, as the machine is shared):")
        runs: dict[str, list[float]] = {"none": [], "terminal": [], "web": []}
        for _ in range(args.repeat):
            for views in runs:
                runs[views].append(cpu(args.speed, views, driver))
        alone = min(runs["none"])
        print(f"  pipeline alone   {alone:6.2f} s")
        for views in ("terminal", "web"):
            used = min(runs[views])
            print(f"  with {views:9}   {used:6.2f} s  (x{used / alone:.2f}; the view adds {used - alone:+.2f} s)")
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
