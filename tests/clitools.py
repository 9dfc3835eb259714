"""Helpers shared by the test folders (on the path through pytest's ``pythonpath``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]


def voiceassist(*args, env: dict | None = None, cwd=None, timeout: float = 300) -> subprocess.CompletedProcess:
    """``python -m voiceassist ARGS`` in a child process, as a user runs it, with this checkout
    first on the path; ``env`` adds to the environment."""
    base = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run(
        [sys.executable, "-m", "voiceassist", *map(str, args)], capture_output=True, text=True, timeout=timeout,
        env={**base, **(env or {})}, cwd=cwd, stdin=subprocess.DEVNULL,
    )


def user_error(result: subprocess.CompletedProcess, *needles: str) -> str:
    """The one stderr line of a user error, after checking exit 2, no traceback, and that the
    line holds every needle (the file/key/device named, what would be valid)."""
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]
