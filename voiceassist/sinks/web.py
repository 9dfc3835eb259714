"""The agent's view as a local web page (starlette on uvicorn), pushed as server-sent events.

Only this machine can see it: the server binds 127.0.0.1, refuses any peer that is not a
loopback address, and answers 403 without the run's token (made afresh for each run and printed
with the address). The page's script and style ship in the package: nothing is fetched from the
internet. A slow browser misses intermediate states: each stream sends the latest snapshot when
it is ready for one, never a queue of them.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import secrets
import socket
import threading
from importlib import resources

from voiceassist.config import UiConfig
from voiceassist.errors import ConfigError, UsageError
from voiceassist.events import Event
from voiceassist.sinks.view import ViewState

__all__ = ["WebView", "create_app"]

log = logging.getLogger(__name__)

try:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response, StreamingResponse
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles
except ImportError:  # pragma: no cover - depends on the install
    raise UsageError("the web view needs the web extra: pip install 'voiceassist[web]'") from None

_STATIC = resources.files("voiceassist.sinks") / "static"


def _loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _LoopbackOnly:
    """ASGI middleware: a peer that is not this machine gets 403, whatever it asks for (the
    bind address already keeps others out; this holds if it is ever changed or proxied)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and not _loopback((scope.get("client") or (None,))[0]):
            await PlainTextResponse("voiceassist: this page is for this machine only", 403)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def create_app(state: ViewState, token: str, refresh_per_second: float = 10.0, stopping: threading.Event | None = None) -> Starlette:
    """The page (``/?token=…``), its stream (``/events?token=…``), the agent's actions
    (``POST /action?token=…``) and the packaged script and style (``/static/``)."""
    period_s = 1.0 / refresh_per_second
    stopping = stopping or threading.Event()

    def authorised(request: Request) -> bool:
        return secrets.compare_digest(request.query_params.get("token", ""), token)

    async def page(request: Request) -> Response:
        if not authorised(request):
            return PlainTextResponse("voiceassist: this address needs the token printed at start", 403)
        return HTMLResponse((_STATIC / "index.html").read_text(encoding="utf-8"))

    async def stream(request: Request) -> Response:
        if not authorised(request):
            return PlainTextResponse("voiceassist: this address needs the token printed at start", 403)

        async def snapshots():
            sent = -1
            while not stopping.is_set():
                if state.version != sent:
                    snap = state.snapshot()
                    sent = snap["version"]
                    yield f"data: {json.dumps(snap, ensure_ascii=False)}\n\n"
                await asyncio.sleep(period_s)

        return StreamingResponse(snapshots(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})

    async def action(request: Request) -> Response:
        if not authorised(request):
            return PlainTextResponse("voiceassist: this address needs the token printed at start", 403)
        try:
            body = await request.json()
            event = state.act(str(body["action"]), body.get("line"))
        except (ValueError, KeyError, TypeError):
            return PlainTextResponse('expected {"action": "dismissed"|"used", "line": 0-2}', 400)
        return JSONResponse(event)

    app = Starlette(
        routes=[
            Route("/", page),
            Route("/events", stream),
            Route("/action", action, methods=["POST"]),
            Mount("/static", StaticFiles(directory=str(_STATIC)), name="static"),
        ]
    )
    app.add_middleware(_LoopbackOnly)
    return app


class WebView:
    """The page as a sink, served from a thread of its own while the call runs."""

    def __init__(self, state: ViewState, ui: UiConfig):
        self.state = state
        self.token = secrets.token_urlsafe(16)
        self._stopping = threading.Event()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", ui.port))  # this machine only: never 0.0.0.0
        except OSError as e:
            sock.close()
            raise ConfigError(
                f"ui.port = {ui.port}: cannot listen on 127.0.0.1:{ui.port} ({e.strerror}); "
                "set another port in [ui] of a --config file (0: any free port)"
            ) from None
        # Listening from here, not from when the server's thread gets to it: a browser opened
        # on the printed URL at once waits in the backlog instead of being refused.
        sock.listen(128)
        self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/?token={self.token}"
        app = create_app(state, self.token, ui.refresh_per_second, self._stopping)
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=1)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, name="web-view", daemon=True)
        self._thread.start()

    def handle(self, event: Event) -> None:
        self.state.handle(event)

    def wait_for_quit(self) -> None:
        """After the call, when run from a terminal: keep the page up until Ctrl-C."""
        import sys

        if sys.stdin.isatty():
            print("call ended; the page stays up until Ctrl-C", file=sys.stderr)
            try:
                threading.Event().wait()
            except KeyboardInterrupt:
                pass

    def close(self) -> None:
        self._stopping.set()  # ends open streams, so shutdown does not wait for them
        self._server.should_exit = True
        self._thread.join(timeout=5)
