"""Output monitors: what a sound server plays to a sink (the agent's headset), recorded as
an input. The caller's voice is what the softphone plays into the headset, and on Linux
PortAudio's ALSA devices do not reach it (they show only ``pulse`` and ``default``).

PulseAudio, and PipeWire through pipewire-pulse, give every sink a ``<sink>.monitor`` source.
They are listed with ``pactl`` and recorded with ``parec`` (both PulseAudio's own tools,
Debian ``pulseaudio-utils``): one ``parec`` process per monitor, so a sound server that dies
or restarts ends that process, which ``DeviceSource`` sees as a device lost, and a new one
is started when the source is back. (``soundcard``, which records monitors in-process through
libpulse, aborts the whole Python process when its server restarts: see the README.)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from typing import Callable

import numpy as np

__all__ = ["MonitorError", "MonitorStream", "list_monitors"]

# pactl answers within milliseconds; a server that does not (frozen) must not hold up a listing
_PACTL_TIMEOUT_S = 3.0
# parec that cannot connect or find its source exits at once (measured: < 50 ms)
_START_WAIT_S = 0.5


class MonitorError(Exception):
    """A monitor's recording could not start; the message is parec's reason."""


def list_monitors() -> list[dict]:
    """The sound server's monitor sources (``pactl list sources``): name, description, channels,
    samplerate, monitor_of (the sink). Empty when there is no pactl or no server answering."""
    if shutil.which("pactl") is None:
        return []
    try:
        out = subprocess.run(
            ["pactl", "list", "sources"], capture_output=True, text=True, timeout=_PACTL_TIMEOUT_S,
            env={**os.environ, "LC_ALL": "C"},  # the field names are translated otherwise
        )
    except subprocess.TimeoutExpired:
        return []
    if out.returncode != 0:
        return []
    monitors = []
    for block in out.stdout.split("\n\n"):
        fields = dict(
            (k.strip(), v.strip()) for k, sep, v in (line.partition(":") for line in block.splitlines()) if sep
        )
        sink = fields.get("Monitor of Sink", "n/a")
        if sink == "n/a" or "Name" not in fields:
            continue
        spec = fields.get("Sample Specification", "").split()  # "s16le 2ch 44100Hz"
        monitors.append({
            "index": None,
            "name": fields["Name"],
            "description": fields.get("Description", ""),
            "channels": int(spec[1].rstrip("ch")) if len(spec) == 3 else 2,
            "samplerate": float(spec[2].rstrip("Hz")) if len(spec) == 3 else 48000.0,
            "is_default": False,
            "monitor_of": sink,
        })
    return monitors


class MonitorStream:
    """A monitor source recorded by ``parec``, with the part of PortAudio's stream interface that
    ``DeviceSource`` uses: ``start()``, ``active``, ``close()``, and ``callback(block, frames,
    time_info, status)`` called with each block of ``blocksize`` samples, int16 (n, channels).
    PulseAudio converts the monitor to the rate and channels asked for."""

    def __init__(self, source: str, samplerate: int, channels: int, blocksize: int,
                 callback: Callable[[np.ndarray, int, None, int], None]):
        self.source = source
        self._args = [
            "parec", f"--device={source}", "--format=s16le", f"--rate={samplerate}", f"--channels={channels}",
            # a block's worth of latency: without it PipeWire holds 1.4 s (measured; PulseAudio 0.1 s)
            f"--latency-msec={max(1, round(1000 * blocksize / samplerate))}", "--raw",
            "--client-name=voiceassist", "--stream-name=caller's line",
        ]
        self._channels = channels
        self._bytes = blocksize * channels * 2
        self._callback = callback
        self._proc: subprocess.Popen | None = None
        self._reader: threading.Thread | None = None

    def start(self) -> None:
        if shutil.which("parec") is None:
            raise MonitorError("parec not found (install pulseaudio-utils: apt install pulseaudio-utils)")
        self._proc = subprocess.Popen(self._args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, bufsize=0)
        # read from the first block on: audio left waiting in the pipe would put this side
        # behind the other for the whole call (measured: PipeWire sends at once)
        self._reader = threading.Thread(target=self._read, name=f"monitor {self.source}", daemon=True)
        self._reader.start()
        try:
            self._proc.wait(_START_WAIT_S)
        except subprocess.TimeoutExpired:  # still running: connected and recording
            return
        self._reader.join()
        lines = self._proc.stderr.read().decode(errors="replace").strip().splitlines()
        raise MonitorError(lines[-1] if lines else f"parec exited with {self._proc.returncode}")

    def _read(self) -> None:
        """parec's output, block by block, to the callback (as PortAudio's thread would)."""
        stdout = self._proc.stdout
        while True:
            data = b""
            while len(data) < self._bytes:
                more = stdout.read(self._bytes - len(data))
                if not more:
                    return  # parec has ended: its server or source is gone, or close()
                data += more
            block = np.frombuffer(data, "<i2").reshape(-1, self._channels)
            self._callback(block, len(block), None, 0)

    @property
    def active(self) -> bool:
        return self._proc is not None and self._proc.poll() is None and self._reader is not None and self._reader.is_alive()

    def close(self) -> None:
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._proc.kill()  # SIGKILL: a frozen server cannot hold parec's exit up
        self._proc.wait()
        if self._reader is not None:
            self._reader.join()
        self._proc.stdout.close()
        self._proc.stderr.close()
