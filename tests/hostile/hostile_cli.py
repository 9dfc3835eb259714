"""Helpers for the hostile-input suite (a module of its own: every test folder has a conftest): run the real command as a user would, and check that a
user mistake ends in exit code 2 with one line on stderr and no traceback."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import numpy as np
from clitools import user_error, voiceassist  # noqa: F401 (the hostile tests take them from here)

MODELS = Path(os.environ.get("VOICEASSIST_MODELS_DIR") or Path(__file__).parents[2] / "models")


def events_of(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def ok_events(result: subprocess.CompletedProcess) -> list[dict]:
    """The events of a run that must succeed (``--events -``), ending in one ``call.ended``."""
    assert result.returncode == 0, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr, result.stderr
    evs = events_of(result.stdout)
    assert evs[0]["type"] == "call.started" and evs[-1]["type"] == "call.ended", evs[-1:]
    assert [e["type"] for e in evs].count("call.ended") == 1
    return evs


def tone(seconds: float, rate: int, hz: float = 440.0, amplitude: float = 0.1) -> np.ndarray:
    return amplitude * np.sin(2 * np.pi * hz * np.arange(int(seconds * rate)) / rate)


def wav_bytes(
    samples: np.ndarray, rate: int, *, channels: int = 1, format_tag: int = 1,
    rate_field: int | None = None, data_size: int | None = None,
) -> bytes:
    """A WAV file written by hand, so its header can lie: ``rate_field`` and ``data_size``
    replace the true values in the header while the samples stay as given (int16 PCM)."""
    import struct

    data = np.asarray(samples, dtype="<i2").tobytes()
    rate_field = rate if rate_field is None else rate_field
    data_size = len(data) if data_size is None else data_size
    fmt = struct.pack("<HHIIHH", format_tag, channels, rate_field, rate_field * channels * 2, channels * 2, 16)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", data_size) + data
    return b"RIFF" + struct.pack("<I", 4 + len(body) - 4 + 4) + body
