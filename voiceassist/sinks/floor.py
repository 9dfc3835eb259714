"""Publishes a call's events to the floor: a NATS broker with JetStream, read by the supervisor's
board (``voiceassist floor``).

The call never waits for the broker. ``handle`` only appends the event to a bounded buffer;
a thread of its own runs an asyncio loop (nats-py is asyncio) that redacts each event and
publishes it, waiting for JetStream's acknowledgement before taking the next, so an event is
off the buffer only once the stream has it. While the broker is away (not started yet,
restarted, the network down) events wait; when the buffer is full the oldest are dropped and
counted. A retried publish carries the same ``Nats-Msg-Id``, so JetStream keeps one copy.

Each event is published as JSON with ``agent``, ``call`` and ``team`` added, on
``voiceassist.<team>.<agent>.<call>.<type>``.
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import os
import re
import ssl
import threading
from typing import Any

from voiceassist.config import FloorConfig
from voiceassist.errors import UsageError
from voiceassist.events import Event, dumps
from voiceassist.redact import redact_event

__all__ = ["FloorPublisher", "subject", "servers", "connect_options", "ensure_stream", "STREAM", "SUBJECTS"]

log = logging.getLogger(__name__)

STREAM = "VOICEASSIST"
SUBJECTS = "voiceassist.>"
# JetStream drops a second message with the same Nats-Msg-Id within this window: long enough
# for a publish sent just before a disconnect to be retried after the reconnect.
_DEDUP_WINDOW_S = 300.0
_ACK_TIMEOUT_S = 2.0
_RETRY_S = 0.5
# At the end of the call: how long the publisher may take to hand the rest to the broker.
_DRAIN_S = 5.0

try:
    import nats
    from nats.js.api import StreamConfig
    from nats.js.errors import NotFoundError
except ImportError:  # pragma: no cover - depends on the install
    raise UsageError("the floor needs the floor extra: pip install 'voiceassist[floor]'") from None


def _token(name: str) -> str:
    """A subject token: NATS subjects split on '.', and '*', '>' and spaces are not allowed."""
    return re.sub(r"[^\w-]", "_", name) or "_"


def subject(team: str, agent: str, call: str, event_type: str) -> str:
    return f"voiceassist.{_token(team)}.{_token(agent)}.{_token(call)}.{event_type}"


def servers(url: str) -> list[str]:
    """The broker's URL, or a cluster's as a comma-separated list of them."""
    return [u.strip() for u in url.split(",") if u.strip()]


def connect_options(cfg: FloorConfig) -> dict[str, Any]:
    """nats-py's connect options from ``[floor]`` and the environment (which wins): credentials
    and TLS. A credential in the URL itself (``nats://TOKEN@host``) works too."""
    env = os.environ
    opts: dict[str, Any] = {}
    token = env.get("VOICEASSIST_FLOOR_TOKEN", cfg.token)
    user = env.get("VOICEASSIST_FLOOR_USER", cfg.user)
    password = env.get("VOICEASSIST_FLOOR_PASSWORD", cfg.password)
    if token:
        opts["token"] = token
    if user:
        opts.update(user=user, password=password)
    if cfg.tls_ca or cfg.tls_cert:
        try:
            context = ssl.create_default_context(cafile=cfg.tls_ca or None)
            if cfg.tls_cert:
                context.load_cert_chain(cfg.tls_cert, cfg.tls_key or None)
        except (OSError, ssl.SSLError) as e:
            raise UsageError(f"floor.tls_ca / tls_cert / tls_key: cannot load ({e}); give PEM files") from None
        opts["tls"] = context
    return opts


async def ensure_stream(js, retention_days: float) -> None:
    """The floor's stream, made if the broker has none yet, with its retention set."""
    config = StreamConfig(name=STREAM, subjects=[SUBJECTS], max_age=retention_days * 86400.0,
                          duplicate_window=_DEDUP_WINDOW_S)
    try:
        info = await js.stream_info(STREAM)
    except NotFoundError:
        await js.add_stream(config)
        return
    if info.config.max_age != config.max_age:
        await js.update_stream(config)


class FloorPublisher:
    """A sink that publishes the call's events to ``url`` as ``agent`` of ``team``.

    ``dropped``: events dropped from the full buffer; ``unsent``: events still in it when the
    call ended and the broker did not take them within a few seconds."""

    def __init__(self, url: str, cfg: FloorConfig, *, agent: str, call: str, language: str, redact: bool):
        self.url, self.agent, self.call, self.team = url, agent, call, cfg.team
        self._cfg = cfg
        self._options = connect_options(cfg)
        self._language = language
        self._redact = redact
        self._buffer: collections.deque[tuple[int, Event]] = collections.deque()
        self._lock = threading.Lock()
        self._seq = 0
        self.dropped = 0
        self.unsent = 0
        self.published = 0
        self._problem = ""  # the broker's last error, for the line at the end
        self._closing = False
        self._loop = asyncio.new_event_loop()
        self._wake = asyncio.Event()
        self._task = self._loop.create_task(self._run())
        self._thread = threading.Thread(target=self._serve, name="floor-publisher", daemon=True)
        self._thread.start()

    # -- the call's thread: never waits ---------------------------------------------------

    def handle(self, event: Event) -> None:
        with self._lock:
            if len(self._buffer) >= self._cfg.buffer_events:
                self._buffer.popleft()
                self.dropped += 1
            self._seq += 1
            self._buffer.append((self._seq, event))
        self._loop.call_soon_threadsafe(self._wake.set)

    def close(self) -> None:
        """Gives the publisher a few seconds to hand over what is left, then stops it."""
        self._closing = True
        self._loop.call_soon_threadsafe(self._wake.set)
        self._thread.join(_DRAIN_S)
        with self._lock:
            self.unsent = len(self._buffer)
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._task.cancel)
            self._thread.join(2.0)
        if self.dropped or self.unsent:
            log.warning("floor: %d event(s) of call %s not delivered to the broker (%d dropped from the full buffer "
                        "of floor.buffer_events = %d, %d still waiting at the end)%s", self.dropped + self.unsent,
                        self.call, self.dropped, self._cfg.buffer_events, self.unsent,
                        f"; last error: {self._problem}" if self._problem else "")

    # -- the publisher's thread -------------------------------------------------------------

    def _serve(self) -> None:
        try:
            self._loop.run_until_complete(self._task)
        except asyncio.CancelledError:
            pass

    async def _run(self) -> None:
        nc = None
        try:
            while True:
                if nc is None:
                    nc = await self._connect()
                    if nc is None:
                        await asyncio.sleep(_RETRY_S)
                        continue
                    js = nc.jetstream(timeout=_ACK_TIMEOUT_S)
                if not await self._publish_all(nc, js):
                    await asyncio.sleep(_RETRY_S)
                elif self._closing:
                    return
                else:
                    self._wake.clear()
                    if not self._buffer:
                        await self._wake.wait()
        finally:
            if nc is not None:
                try:
                    await asyncio.wait_for(nc.close(), 1.0)
                except Exception:  # noqa: BLE001 - the broker may be gone; the call is over
                    pass

    async def _connect(self):
        async def quiet(*args) -> None:  # nats-py reports each failed attempt; it retries by itself
            if args:
                self._problem = str(args[0]) or repr(args[0])
            log.info("floor: %s", args[0] if args else "disconnected")

        nc = None
        try:
            nc = await nats.connect(servers(self.url), connect_timeout=2, allow_reconnect=True, max_reconnect_attempts=-1,
                                    reconnect_time_wait=0.5, error_cb=quiet, disconnected_cb=quiet,
                                    reconnected_cb=quiet, name=f"voiceassist {self.agent}", **self._options)
            await ensure_stream(nc.jetstream(timeout=_ACK_TIMEOUT_S), self._cfg.retention_days)
            return nc
        except Exception as e:  # noqa: BLE001 - not there yet: the events wait
            self._problem = str(e) or repr(e)
            log.info("floor: cannot reach the broker (%r); the events wait", e)
            if nc is not None:
                await nc.close()
            return None

    async def _publish_all(self, nc, js) -> bool:
        """Publishes the buffer's events in order; False when the broker did not take one."""
        while self._buffer:
            if not nc.is_connected:
                return False
            seq, event = self._buffer[0]
            try:
                await js.publish(self._subject(event), self._payload(event), headers={"Nats-Msg-Id": f"{self.call}/{seq}"})
            except Exception as e:  # noqa: BLE001 - a timeout, the broker away: the event waits
                self._problem = str(e) or repr(e)
                log.info("floor: publish failed (%r); retrying", e)
                return False
            with self._lock:
                if self._buffer and self._buffer[0][0] == seq:  # unless dropped meanwhile
                    self._buffer.popleft()
            self.published += 1
        return True

    def _subject(self, event: Event) -> str:
        return subject(self.team, self.agent, self.call, event["type"])

    def _payload(self, event: Event) -> bytes:
        if event["type"] in ("call.started", "language.detected"):
            self._language = event.get("language") or self._language
        if self._redact:
            event = redact_event(event, self._language)
        return dumps({**event, "agent": self.agent, "call": self.call, "team": self.team}).encode("utf-8")
