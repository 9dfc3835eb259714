"""An utterance's Whisper decodes chained on a pool (``whisper_stream._Decodes``), with a real
``ThreadPoolExecutor`` and decodes that stand in for Whisper's (what they return is all the
chain sees)."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from voiceassist.asr.whisper_stream import _Decodes


def test_an_utterances_decodes_run_one_after_the_other_in_order():
    ran: list[tuple[str, float, float]] = []

    def decode(name: str, s: float):
        def run():
            start = time.monotonic()
            time.sleep(s)
            ran.append((name, start, time.monotonic()))
            return [name]
        return run

    with ThreadPoolExecutor(2) as pool:
        decodes = _Decodes()
        futures = [f for name, s in (("a", 0.2), ("b", 0.0), ("c", 0.1)) for f in decodes.run(decode(name, s), pool)]
        assert [f.result(5) for f in futures] == [["a"], ["b"], ["c"]]
    assert [name for name, _, _ in ran] == ["a", "b", "c"]
    assert all(later[1] >= earlier[2] for earlier, later in zip(ran, ran[1:]))


def test_a_decode_due_after_the_pool_shut_down_is_cancelled_not_an_error(caplog):
    """At SIGTERM the interpreter shuts the pool down while a decode runs: the one chained
    after it is never decoded, and no callback error is logged (a traceback on stderr)."""
    pool = ThreadPoolExecutor(1)
    running, release = threading.Event(), threading.Event()

    def first():
        running.set()
        release.wait(5)
        return ["first"]

    decodes = _Decodes()
    [head] = decodes.run(first, pool)
    [chained] = decodes.run(lambda: ["chained"], pool)
    assert running.wait(5)
    pool.shutdown(wait=False)
    with caplog.at_level(logging.ERROR, logger="concurrent.futures"):
        release.set()
        assert head.result(5) == ["first"]
        until = time.monotonic() + 5
        while not chained.done() and time.monotonic() < until:  # (wait() does not count a cancel() as done)
            time.sleep(0.01)
    assert chained.cancelled()
    assert caplog.records == []
