"""The queue between PortAudio's thread and the reading one never makes PortAudio wait: when
the reader falls behind, new blocks are dropped and counted."""

from __future__ import annotations

import queue

from voiceassist import events
from voiceassist.sources.device import _offer


def test_a_full_queue_drops_what_comes_and_counts_it():
    q: queue.Queue = queue.Queue(maxsize=3)
    assert [_offer(q, i) for i in range(5)] == [0, 0, 0, 1, 1]
    assert [q.get_nowait() for _ in range(3)] == [0, 1, 2]
    assert _offer(q, 5) == 0 and q.get_nowait() == 5


def test_device_events_honour_the_contract():
    lost = events.device_lost(3.5, device="USB headset", speakers=["agent"])
    back = events.device_restored(6.0, device="USB headset", speakers=["agent"], lost_s=2.5)
    assert events.problem(lost) is None and events.problem(back) is None
    assert events.problem({**back, "lost_s": "long"}) == "device.restored event needs 'lost_s' of type number"
