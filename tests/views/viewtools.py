"""Helpers for the view tests: paths, and a real pseudo-terminal (tmux) to run a panel in."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "fixtures" / "golden"


class Tmux:
    """One tmux session running one command in a 100x40 terminal."""

    def __init__(self, command: list[str], width: int = 100, height: int = 40, env: dict[str, str] | None = None):
        self.name = f"va-{uuid.uuid4().hex[:8]}"
        variables = {
            "PYTHONPATH": str(ROOT),
            "VOICEASSIST_MODELS_DIR": os.environ.get("VOICEASSIST_MODELS_DIR", str(ROOT / "models")),
            "XDG_DATA_HOME": os.environ.get("XDG_DATA_HOME", ""),  # the test's promises file
            **(env or {}),
        }
        env = " ".join(f"{k}={shlex.quote(v)}" for k, v in variables.items())
        line = f"cd {shlex.quote(str(ROOT))} && env {env} {shlex.join(command)}; echo EXIT=$?; sleep 60"
        subprocess.run(["tmux", "new-session", "-d", "-s", self.name, "-x", str(width), "-y", str(height), line], check=True)

    def screen(self) -> str:
        return subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True, check=True).stdout

    def keys(self, *keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True)

    def wait_for(self, predicate, timeout_s: float, every_s: float = 0.1) -> str:
        """The first screen for which ``predicate(screen)`` holds; fails with the last one."""
        deadline = time.monotonic() + timeout_s
        while True:
            screen = self.screen()
            if predicate(screen):
                return screen
            if time.monotonic() > deadline:
                pytest.fail(f"not on screen within {timeout_s} s; last screen:\n{screen}")
            time.sleep(every_s)

    def kill(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


PYTHON = sys.executable
