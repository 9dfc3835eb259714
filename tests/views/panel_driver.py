"""Runs the terminal panel on a golden call, paced by ``ReplaySource``, with the voice monitor
only (no recogniser: these tests look at prompts and meters, and a recogniser would only cost
CPU). Started by test_terminal.py inside tmux, a real pseudo-terminal:

    python panel_driver.py CALL.wav EVENTS.jsonl SPEED
"""

from __future__ import annotations

import _thread
import sys

from voiceassist.config import load_config
from voiceassist.pipeline import run_call
from voiceassist.sinks.jsonl import JsonlSink
from voiceassist.sinks.terminal import TerminalView
from voiceassist.sinks.view import Serialized, ViewState
from voiceassist.sources.replay import ReplaySource
from voiceassist.sources.wav import WavSource


def main(call: str, events: str, speed: str) -> None:
    cfg = load_config()
    log = Serialized(JsonlSink(events))
    view = TerminalView(ViewState(cfg, record=log.handle), on_quit=_thread.interrupt_main)
    try:
        with ReplaySource(WavSource(call), speed=float(speed)) as source:
            run_call(source, None, [log, view], cfg, levels=True, live=True)
        view.wait_for_quit()
    except KeyboardInterrupt:
        pass  # q: run_call has ended the call in order
    finally:
        view.close()
        log.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
