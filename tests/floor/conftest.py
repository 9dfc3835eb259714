"""Fixtures for the floor: a real nats-server with JetStream on a free port (its store in a
temporary folder), the board as a real ``voiceassist floor`` process, agents as real
``voiceassist`` processes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from clitools import ROOT
from floortools import DEMO_EVENTS

from voiceassist.floor.broker import EmbeddedBroker


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}


@pytest.fixture
def broker(tmp_path):
    with EmbeddedBroker(tmp_path / "store", port=0) as b:
        yield b


class Processes:
    """``voiceassist`` child processes, ended (SIGTERM, then SIGKILL) after the test."""

    def __init__(self, tmp_path: Path):
        self._tmp = tmp_path
        self._started: list[subprocess.Popen] = []

    def start(self, *args, name: str) -> subprocess.Popen:
        out = open(self._tmp / f"{name}.out", "w")
        err = open(self._tmp / f"{name}.err", "w")
        p = subprocess.Popen([sys.executable, "-m", "voiceassist", *map(str, args)], stdout=out, stderr=err,
                             stdin=subprocess.DEVNULL, env=_env(), cwd=self._tmp)
        p.out_path, p.err_path = self._tmp / f"{name}.out", self._tmp / f"{name}.err"
        self._started.append(p)
        return p

    def board(self, broker_url: str, name: str = "board") -> tuple[subprocess.Popen, str]:
        """A board joined to ``broker_url`` on a free port; returns it and its page's URL."""
        p = self.start("floor", "--broker", broker_url, "--port", "0", name=name)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            found = re.search(r"board: (http://\S+)", p.out_path.read_text())
            if found:
                return p, found.group(1)
            assert p.poll() is None, p.err_path.read_text()
            time.sleep(0.05)
        raise AssertionError(f"the board printed no address: {p.err_path.read_text()}")

    def agent(self, broker_url: str, name: str, events: Path = DEMO_EVENTS, speed: float = 4.0, *extra) -> subprocess.Popen:
        """An agent replaying a call's events to the floor, ``speed`` times real time."""
        return self.start("analyze", events, "--floor", broker_url, "--agent", name, "--speed", speed, *extra,
                          name=f"agent-{name}")

    def stop_all(self) -> None:
        for p in self._started:
            if p.poll() is None:
                p.terminate()
        for p in self._started:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


@pytest.fixture
def processes(tmp_path):
    procs = Processes(tmp_path)
    yield procs
    procs.stop_all()
