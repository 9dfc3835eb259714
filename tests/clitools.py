"""Helpers shared by the test folders (on the path through pytest's ``pythonpath``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

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


def alsa_devices(home: Path, devices: dict[str, np.ndarray], pace: float | None = None,
                 late: dict[str, float] | None = None) -> dict[str, str]:
    """Real PortAudio input devices without sound hardware: one ALSA ``file`` PCM per entry of
    ``devices`` (name -> int16 samples, (n,) or (n, channels)) in ``home/.asoundrc``. Returns
    the environment that makes a child see them (alsa-lib reads ``~/.asoundrc`` when PortAudio
    starts).

    The plugin hands over the file as fast as the stream reads (it does not pace), then repeats
    its last period forever. With ``pace``, each file is a named pipe fed at ``pace`` times
    real time (16 kHz), as a real device delivers: then a reader that falls behind loses blocks
    as it would on a call, and two devices are not one flooding the other's share of the queue.
    ``late`` (name -> seconds) starts a paced device's feed that long after the others'.
    """
    lines = []
    for name, samples in devices.items():
        path = home / f"{name}.raw"
        data = np.ascontiguousarray(samples, dtype="<i2")
        if pace is None:
            data.tofile(path)
        else:
            os.mkfifo(path)
            _feed(path, data, pace, (late or {}).get(name, 0.0))
        lines.append(f'pcm.{name} {{ type file slave.pcm "null" file "/dev/null" infile "{path}" format "raw" }}')
    (home / ".asoundrc").write_text("".join(line + "\n" for line in lines))
    return {"HOME": str(home)}


def _feed(path: Path, data: np.ndarray, pace: float, delay: float) -> None:
    """Writes ``data`` into the named pipe ``path`` at ``pace`` times real time, in a thread,
    from ``delay`` seconds on.
    Opened read-write, so neither PortAudio's probing of the devices nor this waits for the
    other end; closed at the end, so the plugin then reads the end of a file. (A pipe nobody
    reads any more, the call having ended first, keeps its thread waiting until the tests end.)"""
    fd = os.open(path, os.O_RDWR)
    step = 1600 * data[:1].size * 2  # bytes of 0.1 s at 16 kHz

    def write() -> None:
        time.sleep(delay)
        raw, start = data.tobytes(), time.monotonic()
        for k, i in enumerate(range(0, len(raw), step), 1):
            os.write(fd, raw[i : i + step])  # waits while the pipe is full
            time.sleep(max(0.0, start + k * 0.1 / pace - time.monotonic()))
        os.close(fd)

    threading.Thread(target=write, daemon=True).start()


def read_events(events: Path) -> list[dict]:
    """The events a running call has written so far (a line still being written is left out)."""
    if not events.exists():
        return []
    return [json.loads(line) for line in events.read_text(encoding="utf-8").splitlines() if line.endswith("}")]


def wait_until(proc: subprocess.Popen, events: Path, done, what: str, timeout_s: float = 120) -> list[dict]:
    """The events of ``proc``'s call once ``done(events)``; fails the test (with its stderr) if
    ``proc`` dies or ``what`` has not happened within ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read()
        evs = read_events(events)
        if done(evs):
            return evs
        time.sleep(0.1)
    proc.kill()
    pytest.fail(f"timed out waiting for {what}: {proc.communicate()[1][-2000:]}")


def frame_by_frame(engine, frames: list) -> list:
    """The reference for a runner: a call's frames recognised each in turn, in this thread."""
    recognizers = {s: engine.recognizer(s) for s in ("caller", "agent")}
    return [tr for f in frames for tr in recognizers[f.speaker].accept(f)] + [
        tr for r in recognizers.values() for tr in r.finish()]
