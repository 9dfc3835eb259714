"""A real PulseAudio server of one test (its own socket, no D-Bus, no autospawn), with null
sinks that stand for sound cards: what is played into a sink (``pacat``/``paplay``, as a
softphone plays the caller into the headset) is recorded from its ``<sink>.monitor``."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).parents[1]

needs_pulseaudio = pytest.mark.skipif(
    not (shutil.which("pulseaudio") and shutil.which("pacat") and shutil.which("parec")
         and Path("/usr/lib/x86_64-linux-gnu/alsa-lib/libasound_module_pcm_pulse.so").exists()),
    reason="needs pulseaudio, pulseaudio-utils and libasound2-plugins (./run installs them)",
)


class Pulse:
    """``sinks`` maps a sink's name to its description (as a desktop shows it, e.g. the
    headset's product name) or None. ``HOME`` is ``root``, where alsa-lib reads ``~/.asoundrc``."""

    def __init__(self, root: Path, name: str = "pulse", sinks: dict[str, str | None] | None = None):
        self.root = root
        self.runtime = root / name
        self.runtime.mkdir(exist_ok=True)
        self.sinks = {"line": None} if sinks is None else sinks
        self.env = {
            **os.environ,
            "HOME": str(root),
            "PULSE_RUNTIME_PATH": str(self.runtime),
            "PULSE_STATE_PATH": str(self.runtime),
            "PULSE_SERVER": f"unix:{self.runtime}/native",
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        }
        self.server: subprocess.Popen | None = None
        self.players: list[subprocess.Popen] = []

    def start(self) -> None:
        sinks = []
        for sink, description in self.sinks.items():
            arg = f"module-null-sink sink_name={sink} rate=16000 channels=1"
            if description:
                arg += f" sink_properties=device.description={description}"
            sinks += ["-L", arg]
        self.server = subprocess.Popen(
            ["pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "--use-pid-file=no", "--disable-shm=yes",
             "-L", f"module-native-protocol-unix socket={self.runtime}/native auth-anonymous=1", *sinks],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while subprocess.run(["pactl", "info"], env=self.env, capture_output=True).returncode != 0:
            assert time.monotonic() < deadline and self.server.poll() is None, "PulseAudio did not start"
            time.sleep(0.1)

    def play(self, audio: np.ndarray, sink: str = "line") -> None:
        """Plays ``audio`` (16 kHz float) into ``sink`` at real time."""
        raw = self.runtime / f"play-{sink}.raw"
        np.round(audio * 32767).astype("<i2").tofile(raw)
        self.players.append(subprocess.Popen(
            ["pacat", "--playback", "-d", sink, "--rate=16000", "--channels=1", "--format=s16le", str(raw)],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ))

    def kill(self) -> None:
        for proc in (*self.players, self.server):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()


needs_pipewire = pytest.mark.skipif(
    not all(shutil.which(c) for c in ("pipewire", "pipewire-pulse", "wireplumber", "dbus-daemon", "pactl", "parec")),
    reason="needs pipewire, pipewire-pulse, wireplumber and dbus-daemon (./run installs them)",
)


class PipeWire(Pulse):
    """The same desk on PipeWire, as current Linux desktops run it: pipewire, its session manager
    wireplumber (which needs a D-Bus session bus) and pipewire-pulse, the PulseAudio server that
    pactl, parec and ALSA's `pulse` device talk to; the null sinks are loaded through pactl."""

    def __init__(self, root: Path, name: str = "pipewire", sinks: dict[str, str | None] | None = None):
        super().__init__(root, name, sinks)
        self.env = {k: v for k, v in self.env.items() if k not in ("PULSE_RUNTIME_PATH", "PULSE_STATE_PATH")}
        self.env.update({
            "XDG_RUNTIME_DIR": str(self.runtime),
            "DBUS_SESSION_BUS_ADDRESS": f"unix:path={self.runtime}/bus",
            "PULSE_SERVER": f"unix:{self.runtime}/pulse/native",
        })
        self.runtime.chmod(0o700)
        self.daemons: list[subprocess.Popen] = []

    def start(self) -> None:
        def daemon(*command: str) -> None:
            self.daemons.append(subprocess.Popen(command, env=self.env, stdout=subprocess.DEVNULL,
                                                 stderr=subprocess.DEVNULL))

        daemon("dbus-daemon", "--session", "--nofork", f"--address={self.env['DBUS_SESSION_BUS_ADDRESS']}")
        self._wait_for(lambda: (self.runtime / "bus").exists(), "D-Bus")
        daemon("pipewire")
        self._wait_for(lambda: (self.runtime / "pipewire-0").exists(), "PipeWire")
        daemon("wireplumber")
        daemon("pipewire-pulse")
        self.server = self.daemons[-1]  # what the clients talk to (a test may freeze it)
        self._wait_for(lambda: subprocess.run(["pactl", "info"], env=self.env, capture_output=True).returncode == 0,
                       "pipewire-pulse")
        for sink, description in self.sinks.items():
            arg = [f"sink_properties=device.description={description}"] if description else []
            subprocess.run(["pactl", "load-module", "module-null-sink", f"sink_name={sink}", "rate=16000", "channels=1",
                            *arg], env=self.env, check=True, capture_output=True)
        listed = lambda: subprocess.run(["pactl", "list", "short", "sources"], env=self.env, capture_output=True,
                                        text=True).stdout
        self._wait_for(lambda: all(f"{sink}.monitor" in listed() for sink in self.sinks), "the null sinks")

    def _wait_for(self, ready, what: str) -> None:
        deadline = time.monotonic() + 20
        while not ready():
            assert time.monotonic() < deadline and all(d.poll() is None for d in self.daemons), f"{what} did not start"
            time.sleep(0.1)

    def kill(self) -> None:
        super().kill()
        for proc in reversed(self.daemons):
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self.daemons = []
