"""The kiosk screen's web app (FastAPI on Starlette, the web stack shared with ``cccd serve``).

Routes (everything personal needs the token printed at start-up; no response is cached):

=========================== ==================================================================
``GET /?token=T``           the page (static HTML; without the right token: 403)
``GET /static/...``         the page's CSS, JavaScript and text catalogue (package data)
``GET /custom.css``         the operator's stylesheet (``--style FILE``; empty without)
``GET /events?token=T``     Server-Sent Events: ``hello`` (texts, settings) then one whole
                            state per event; a newer stream replaces an older one (one client)
``POST /api/can``           ``{"can": "123456"}`` from the keypad, header ``X-Kiosk-Token``
``POST /api/cancel``        leave the keypad
``POST /api/virtual/remove`` take the virtual card off the reader (``--virtual`` only)
=========================== ==================================================================

Defences: the server binds to loopback by default; requests whose ``Host`` is not the kiosk's
own name are refused (DNS rebinding); POSTs need the token in a custom header (a cross-site
form cannot send one) and a same-origin ``Origin`` when one is sent; bodies are at most
``MAX_BODY`` bytes; a strict Content-Security-Policy forbids any script or style but the
page's own. The CAN is never logged, echoed or kept: it goes to the waiting kiosk thread.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import re
from importlib import resources
from typing import TYPE_CHECKING, AsyncIterator, Optional

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

from ..json_input import JsonInputError, load_json
from .screen import Screen

if TYPE_CHECKING:
    from .sources import VirtualCardSource

MAX_BODY = 1024
KEEPALIVE = 15.0
CAN_RE = re.compile(r"[0-9]{6}")
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
SECURITY_HEADERS = [
    (b"cache-control", b"no-store, max-age=0"),
    (b"pragma", b"no-cache"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy",
     b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
     b"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
]


def static_dir() -> str:
    return str(resources.files(__package__).joinpath("static"))


class _Guard:
    """ASGI middleware: refuse foreign Host names; add no-store and the security headers to everything."""

    def __init__(self, app: FastAPI, hostnames: frozenset[str]) -> None:
        self.app = app
        self.hostnames = hostnames
        self.state = app.state  # the server flags "stopping" here

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or ())
        host = headers.get(b"host", b"").decode("latin-1")
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        if name.lower() not in self.hostnames:
            await PlainTextResponse("unknown host", status_code=421)(scope, receive, send)
            return

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in dict(SECURITY_HEADERS)]
                message = {**message, "headers": kept + SECURITY_HEADERS}
            await send(message)

        await self.app(scope, receive, send_secured)


def create_app(screen: Screen, token: str, *, host: str = "127.0.0.1", virtual: "Optional[VirtualCardSource]" = None,
               style: bytes = b"") -> _Guard:
    """The ASGI app of one kiosk screen (``virtual``: the VirtualCardSource, for its remove button;
    ``style``: the operator's own CSS, served as ``/custom.css`` after the page's stylesheet)."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.generation = 0
    app.state.stopping = False

    def token_ok(given: Optional[str]) -> bool:
        return bool(given) and hmac.compare_digest(str(given).encode(), token.encode())

    def post_ok(request: Request) -> Optional[Response]:
        if not token_ok(request.headers.get("x-kiosk-token")):
            return PlainTextResponse("forbidden", status_code=403)
        origin = request.headers.get("origin")
        if origin and origin != "null":
            name = origin.split("://", 1)[-1].rsplit(":", 1)[0].lower()
            if name not in hostnames:
                return PlainTextResponse("forbidden", status_code=403)
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            return PlainTextResponse("body too large", status_code=413)
        return None

    @app.get("/")
    async def index(token: str = "") -> Response:
        if not token_ok(token):
            return PlainTextResponse("Open the address that `cccd kiosk` printed at start-up.", status_code=403)
        html = resources.files(__package__).joinpath("static/index.html").read_bytes()
        return Response(html, media_type="text/html; charset=utf-8")

    @app.get("/custom.css")
    async def custom_css() -> Response:
        return Response(style, media_type="text/css; charset=utf-8")

    @app.get("/favicon.ico")
    async def favicon() -> Response:
        return Response(status_code=204)

    @app.get("/events")
    async def events(request: Request, token: str = "") -> Response:
        if not token_ok(token):
            return PlainTextResponse("forbidden", status_code=403)
        loop = asyncio.get_running_loop()
        queue: "asyncio.Queue[str]" = asyncio.Queue()
        app.state.generation += 1
        mine = app.state.generation

        def push(payload: str) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, payload)

        sub = screen.subscribe(push)
        hello = json.dumps(screen.hello(), ensure_ascii=False, separators=(",", ":"))

        async def stream() -> AsyncIterator[str]:
            try:
                yield f"retry: 1000\nevent: hello\ndata: {hello}\n\n"
                yield f"data: {screen.snapshot()}\n\n"
                idle = 0.0
                while app.state.generation == mine and not app.state.stopping:
                    try:
                        payload = await asyncio.wait_for(queue.get(), timeout=0.5)
                    except asyncio.TimeoutError:
                        idle += 0.5
                        if idle >= KEEPALIVE:
                            idle = 0.0
                            yield ": keep-alive\n\n"
                        continue
                    idle = 0.0
                    yield f"data: {payload}\n\n"
            finally:
                screen.unsubscribe(sub)

        return StreamingResponse(stream(), media_type="text/event-stream")

    @app.post("/api/can")
    async def can(request: Request) -> Response:
        refused = post_ok(request)
        if refused is not None:
            return refused
        body = await request.body()
        if len(body) > MAX_BODY:
            return PlainTextResponse("body too large", status_code=413)
        try:  # the one JSON loader (cccd_chip.json_input): hostile JSON is just "no CAN"
            obj = load_json(body, what="body", max_size=MAX_BODY, max_depth=2)
            value = obj.get("can") if isinstance(obj, dict) else None
        except JsonInputError:
            value = None
        if not isinstance(value, str) or not CAN_RE.fullmatch(value):
            return JSONResponse({"error": "the CAN has 6 digits"}, status_code=400)  # the value is not echoed
        if not screen.submit_can(value):
            return JSONResponse({"error": "no CAN is asked for now"}, status_code=409)
        return Response(status_code=204)

    @app.post("/api/cancel")
    async def cancel(request: Request) -> Response:
        refused = post_ok(request)
        if refused is not None:
            return refused
        return Response(status_code=204 if screen.cancel_can() else 409)

    @app.post("/api/virtual/remove")
    async def virtual_remove(request: Request) -> Response:
        refused = post_ok(request)
        if refused is not None:
            return refused
        if virtual is None:
            return PlainTextResponse("not a virtual reader", status_code=404)
        return Response(status_code=204 if virtual.remove() else 409)

    app.mount("/static", StaticFiles(directory=static_dir()), name="static")
    loopback = host in LOOPBACK_NAMES
    hostnames = frozenset(LOOPBACK_NAMES | ({host.lower()} if not loopback else set()))
    return _Guard(app, hostnames)
