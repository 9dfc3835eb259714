"""The supervisor's board (``voiceassist floor``): every live call of the floor on one page.

It follows the agent page's rules (``sinks/web.py``): 127.0.0.1 unless ``--listen`` says
otherwise, a token made afresh for each run (403 without it), and nothing loaded from the
internet (its script and style ship in the package). Without ``--broker`` it starts its own
nats-server with JetStream (``broker``).

At start the board rebuilds its state from the stream: the calls that have a ``call.started``
and no ``call.ended`` are replayed event by event, and the promises of the stream's retention;
then it follows the stream live from where that left off, so nothing falls between the two.
One asyncio loop runs the NATS consumer and the web server.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import json
import logging
import secrets
import socket
import time
from importlib import resources
from pathlib import Path
from typing import Any, Callable

import platformdirs

from voiceassist.config import Config
from voiceassist.errors import ConfigError, UsageError
from voiceassist.floor.broker import EmbeddedBroker
from voiceassist.floor.state import FloorState
from voiceassist.sinks.floor import STREAM, SUBJECTS, connect_options, ensure_stream, servers

__all__ = ["Board", "serve", "read_call"]

log = logging.getLogger(__name__)

try:
    import nats
    import uvicorn
    from nats.js.api import ConsumerConfig, DeliverPolicy
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response, StreamingResponse
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles
except ImportError:  # pragma: no cover - depends on the install
    raise UsageError("the board needs the floor extra: pip install 'voiceassist[floor]'") from None

_STATIC = resources.files("voiceassist.floor") / "static"
_FORBIDDEN = "voiceassist: this address needs the token printed at start"
_REPLAY_WAIT_S = 2.0  # a replay consumer that has sent nothing for this long has nothing to send
_SHIFT_H = 12  # a call that started longer ago than this is not live any more


class _Peers:
    """ASGI middleware: with the board on a loopback address, a peer that is not this machine
    gets 403 whatever it asks (as the agent's page); ``--listen`` beyond it lets others in,
    the token still required."""

    def __init__(self, app, loopback_only: bool):
        self.app, self.loopback_only = app, loopback_only

    async def __call__(self, scope, receive, send):
        if self.loopback_only and scope["type"] == "http" and not _loopback((scope.get("client") or (None,))[0]):
            await PlainTextResponse("voiceassist: this board is for this machine only", 403)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def create_app(state: FloorState, token: str, refresh_per_second: float, loopback_only: bool = True) -> Starlette:
    """The page (``/?token=…``), its stream of states (``/events``), the state as JSON
    (``/api/floor``), one call's transcript and prompts (``/api/call?call=…``), and the
    packaged script and style (``/static/``)."""
    period_s = 1.0 / refresh_per_second
    cached: dict[str, Any] = {"at": 0.0, "version": -1, "json": ""}

    def current() -> str:
        """The snapshot as JSON, made at most once a period however many pages are open."""
        now = time.time()
        if cached["version"] != state.version or now - cached["at"] >= period_s:
            cached.update(at=now, version=state.version, json=json.dumps(state.snapshot(now), ensure_ascii=False))
        return cached["json"]

    def guarded(handler: Callable) -> Callable:
        async def route(request: Request) -> Response:
            if not secrets.compare_digest(request.query_params.get("token", ""), token):
                return PlainTextResponse(_FORBIDDEN, 403)
            return await handler(request)
        return route

    async def page(request: Request) -> Response:
        return HTMLResponse((_STATIC / "board.html").read_text(encoding="utf-8"))

    async def floor(request: Request) -> Response:
        return Response(current(), media_type="application/json")

    async def call(request: Request) -> Response:
        detail = state.detail(request.query_params.get("call", ""))
        return JSONResponse(detail) if detail is not None else PlainTextResponse("no such live call", 404)

    async def stream(request: Request) -> Response:
        async def states():
            sent = None
            while True:
                snap = current()
                if snap != sent:
                    sent = snap
                    yield f"data: {snap}\n\n"
                await asyncio.sleep(period_s)

        return StreamingResponse(states(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})

    app = Starlette(routes=[
        Route("/", guarded(page)),
        Route("/api/floor", guarded(floor)),
        Route("/api/call", guarded(call)),
        Route("/events", guarded(stream)),
        Mount("/static", StaticFiles(directory=str(_STATIC)), name="static"),
    ])
    app.add_middleware(_Peers, loopback_only=loopback_only)
    return app


class Board:
    """The board's NATS side: connects, rebuilds the state from the stream, follows it live."""

    def __init__(self, cfg: Config, url: str, state: FloorState):
        self.cfg, self.url, self.state = cfg, url, state
        self._nc = None

    async def start(self) -> None:
        try:  # nats-py retries a first connection forever when told to reconnect forever: bounded here
            self._nc = await asyncio.wait_for(nats.connect(
                servers(self.url), connect_timeout=3, max_reconnect_attempts=-1, reconnect_time_wait=0.5, allow_reconnect=True,
                error_cb=_quiet, disconnected_cb=_quiet, reconnected_cb=_quiet, name="voiceassist board",
                **connect_options(self.cfg.floor)), 5.0)
        except (Exception, asyncio.TimeoutError) as e:  # noqa: BLE001 - the broker's URL or credentials are wrong
            raise ConfigError(f"--broker {_without_credentials(self.url)}: cannot connect ({e}); "
                              "give the nats://HOST:PORT of a running NATS server with JetStream") from None
        js = self._nc.jetstream()
        try:
            await ensure_stream(js, self.cfg.floor.retention_days)
            info = await js.stream_info(STREAM)
        except Exception as e:  # noqa: BLE001
            raise ConfigError(f"--broker {_without_credentials(self.url)}: no JetStream there ({e}); "
                              "start nats-server with -js") from None
        last = info.state.last_seq
        await self._recover(js, last)
        await js.subscribe(SUBJECTS, ordered_consumer=True, cb=self._on_message,
                           config=ConsumerConfig(deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=last + 1))

    async def _recover(self, js, last: int) -> None:
        """The live calls and the promises, from the stream up to sequence ``last``: first
        which calls started and ended within a shift, then every event of those still live."""
        if last == 0:
            return
        starts: set[str] = set()
        ends: set[str] = set()

        def ended_or_started(msg) -> None:
            (ends if msg.subject.endswith(".call.ended") else starts).add(msg.subject.rsplit(".", 2)[0])

        since = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=_SHIFT_H)
        await replay(js, "voiceassist.*.*.*.call.*", last, ended_or_started, since=since)
        for prefix in sorted(starts - ends):
            await replay(js, f"{prefix}.>", last, self._take)
        await replay(js, "voiceassist.*.*.*.callback.promised", last, self._take)

    async def _on_message(self, msg) -> None:
        self._take(msg)

    def _take(self, msg) -> None:
        try:
            event = json.loads(msg.data)
        except ValueError:
            return
        if isinstance(event, dict):
            self.state.handle(event, msg.metadata.timestamp.timestamp())

    async def close(self) -> None:
        if self._nc is not None:
            try:
                await asyncio.wait_for(self._nc.close(), 2.0)
            except Exception:  # noqa: BLE001 - the broker may already be gone
                pass


async def replay(js, subject: str, last: int | None, take: Callable, since: dt.datetime | None = None) -> None:
    """Hands ``take`` every message of the stream on ``subject`` (stored ``since`` then, up to
    sequence ``last``)."""
    config = None if since is None else ConsumerConfig(deliver_policy=DeliverPolicy.BY_START_TIME, opt_start_time=since)
    sub = await js.subscribe(subject, ordered_consumer=True, config=config,
                             deliver_policy=None if since else DeliverPolicy.ALL)
    try:
        while True:
            try:
                msg = await sub.next_msg(timeout=_REPLAY_WAIT_S)
            except (asyncio.TimeoutError, nats.errors.TimeoutError):
                return
            if last is not None and msg.metadata.sequence.stream > last:
                return
            take(msg)
            if msg.metadata.num_pending == 0:
                return
    finally:
        await sub.unsubscribe()


async def _quiet(*args) -> None:
    log.info("floor board: %s", args[0] if args else "disconnected")


def _without_credentials(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    return f"{scheme}{sep}{rest.rpartition('@')[2]}" if sep else url


def _listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        raise UsageError(f"--listen {host} --port {port}: cannot listen there ({e.strerror}); "
                         "give another --port (0: any free port) or an address of this machine") from None
    sock.listen(128)
    return sock


def serve(cfg: Config, *, broker: str | None, port: int | None, listen: str, say: Callable[[str], None]) -> None:
    """Runs the board until Ctrl-C or SIGTERM; ``say`` prints the addresses at start."""
    try:
        ipaddress.ip_address(listen)
    except ValueError:
        raise UsageError(f"--listen {listen!r}: expected an IP address, e.g. 127.0.0.1 or 0.0.0.0") from None
    embedded = None
    if broker is None:
        store = Path(cfg.floor.store_dir).expanduser() if cfg.floor.store_dir else \
            Path(platformdirs.user_data_dir("voiceassist", appauthor=False)) / "floor"
        token = connect_options(cfg.floor).get("token") or secrets.token_urlsafe(16)
        embedded = EmbeddedBroker(store, host=listen, port=cfg.floor.broker_port, token=token).start()
        broker = embedded.url
    try:
        asyncio.run(_serve(cfg, broker, port if port is not None else cfg.floor.board_port, listen, say))
    finally:
        if embedded is not None:
            embedded.stop()


async def _serve(cfg: Config, broker: str, port: int, listen: str, say: Callable[[str], None]) -> None:
    state = FloorState(cfg)
    board = Board(cfg, broker, state)
    sock = _listening_socket(listen, port)
    token = secrets.token_urlsafe(16)
    loopback = _loopback(listen)
    app = create_app(state, token, cfg.floor.board_refresh_per_second, loopback_only=loopback)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                                           timeout_graceful_shutdown=1))
    try:
        await board.start()
        shown = "127.0.0.1" if loopback else socket.gethostname()
        say(f"broker: {broker}")
        say(f"board: http://{shown}:{sock.getsockname()[1]}/?token={token}")
        await server.serve(sockets=[sock])
    finally:
        await board.close()
        sock.close()


def read_call(cfg: Config, broker: str, call: str) -> list[dict[str, Any]]:
    """Every event of ``call`` (its id, as the board shows it) kept in the stream, in order."""
    async def fetch() -> list[dict[str, Any]]:
        try:
            nc = await nats.connect(servers(broker), connect_timeout=3, allow_reconnect=False, **connect_options(cfg.floor))
        except Exception as e:  # noqa: BLE001
            raise ConfigError(f"--floor {_without_credentials(broker)}: cannot connect ({e})") from None
        events: list[dict[str, Any]] = []
        try:
            js = nc.jetstream()
            if (await js.stream_info(STREAM)).state.last_seq:
                await replay(js, f"voiceassist.*.*.{call}.>", None, lambda m: events.append(json.loads(m.data)))
        finally:
            await nc.close()
        return events

    return asyncio.run(fetch())
