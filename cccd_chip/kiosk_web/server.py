"""``cccd kiosk``'s engine: the kiosk loop (:mod:`cccd_chip.kiosk`, the same loop as ``cccd watch``)
in a worker thread, the screen's state machine, and uvicorn serving the page on loopback.

The loop's callbacks feed :class:`~.screen.Screen`; the page follows by Server-Sent Events. The
credential of a card comes from a fixed credential or a file when given, otherwise from the
on-screen keypad (up to ``credential_attempts`` tries on the same card).
"""

from __future__ import annotations

import errno
import logging
import secrets
import socket
import threading
import time
from dataclasses import dataclass
from types import FrameType
from typing import TYPE_CHECKING, Callable, Optional

from ..errors import UsageError
from ..kiosk import CardInfo, CardSource, CredentialProvider, KioskCounts, KioskLoop, Record, RecordSink, Verifier
from . import DEFAULT_CLEAR_AFTER, DEFAULT_HOST, DEFAULT_PORT
from .screen import Screen
from .sources import TrackedSource

if TYPE_CHECKING:
    import uvicorn

    from ..document import Document
    from ..pki.trust_store import TrustStore
    from ..reader import Credential, ReadOptions
    from ..verify.report import Report
    from .sources import VirtualCardSource

log = logging.getLogger("cccd_chip.kiosk_web")


class NullSink:
    """No records (``cccd kiosk`` without --out-jsonl / --out-dir)."""

    def write(self, record: Record) -> None:
        pass


@dataclass(frozen=True)
class KioskWebOptions:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    lang: str = "vi"
    clear_after: float = DEFAULT_CLEAR_AFTER  # seconds a result stays on screen with the card still there
    hold: float = 3.0  # seconds "card removed" (or "card removed, try again") stays before "waiting"
    can_timeout: float = 120.0  # seconds the keypad waits for a CAN
    credential_attempts: int = 3  # CAN tries per card on the keypad
    poll: float = 0.1  # reader polling interval
    style: Optional[str] = None  # the operator's CSS file, served after the page's own (restyling)


MAX_STYLE_BYTES = 256 * 1024


def _read_style(path: Optional[str]) -> bytes:
    if not path:
        return b""
    from pathlib import Path

    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise UsageError(f"cannot read the style sheet: {e.strerror}") from None
    if len(data) > MAX_STYLE_BYTES:
        raise UsageError(f"the style sheet is larger than {MAX_STYLE_BYTES // 1024} KiB")
    return data


class KioskWeb:
    """One kiosk screen: ``start()`` (threads, for tests and benchmarks) or ``serve()`` (blocking)."""

    def __init__(self, source: CardSource, *, sink: Optional[RecordSink] = None,
                 credentials: Optional[CredentialProvider] = None, trust_store: "Optional[TrustStore]" = None,
                 verify: Optional[Verifier] = None, options: KioskWebOptions = KioskWebOptions(),
                 virtual: "Optional[VirtualCardSource]" = None, token: Optional[str] = None,
                 read_options: "Optional[ReadOptions]" = None,
                 exit_code_for: Optional[Callable[[object], int]] = None) -> None:
        from ..reader import Credential, ReadOptions
        from .app import create_app

        self.options = options
        self.token = token or secrets.token_urlsafe(24)
        self.screen = Screen(lang=options.lang, clear_after=options.clear_after, hold=options.hold,
                             can_timeout=options.can_timeout, virtual=virtual is not None)
        self.source = TrackedSource(source)
        self._fixed = credentials
        self._credential = Credential
        self._verify_fn = verify
        self.app = create_app(self.screen, self.token, host=options.host, virtual=virtual,
                              style=_read_style(options.style))
        self.loop = KioskLoop(self.source, credentials=self._credentials, sink=sink or NullSink(),
                              trust_store=trust_store, callbacks=self.screen.callbacks(), verify=self._verify,
                              poll=options.poll, credential_attempts=max(1, options.credential_attempts),
                              options=read_options if read_options is not None else ReadOptions(),
                              exit_code_for=exit_code_for)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._server: "Optional[uvicorn.Server]" = None
        self._sock: Optional[socket.socket] = None
        self.port = options.port

    # --- the loop's hooks ---------------------------------------------------------------
    def _credentials(self, info: CardInfo) -> "Optional[Credential]":
        cred = self._fixed(info) if self._fixed is not None else None
        if cred is None:  # no credential known for this card: the keypad
            cred = self._credential.from_can(self.screen.ask_can(self.source.present))
        self.screen.reading()
        return cred

    def _verify(self, doc: "Document", store: "Optional[TrustStore]") -> "Optional[Report]":
        self.screen.verifying()
        if self._verify_fn is not None:
            return self._verify_fn(doc, store)
        from ..kiosk import _default_verify

        return _default_verify(doc, store)

    # --- running --------------------------------------------------------------------------
    @property
    def url(self) -> str:
        host = self.options.host
        shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
        return f"http://{shown}:{self.port}/?token={self.token}"

    def bind(self) -> socket.socket:
        """Listen now (a port in use is a usage error, exit 2, before any card is touched)."""
        host = self.options.host.strip("[]")
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, self.options.port))
        except OSError as e:
            sock.close()
            why = "the port is in use" if e.errno == errno.EADDRINUSE else (e.strerror or type(e).__name__)
            raise UsageError(f"cannot listen on {self.options.host}:{self.options.port}: {why}") from None
        sock.listen(16)
        sock.set_inheritable(True)
        self.port = sock.getsockname()[1]
        self._sock = sock
        return sock

    def _make_server(self) -> "uvicorn.Server":
        import uvicorn

        app_state = self.app.state

        class _Server(uvicorn.Server):
            def handle_exit(self, sig: int, frame: Optional[FrameType]) -> None:  # Ctrl-C / SIGTERM: end the event streams first
                app_state.stopping = True
                super().handle_exit(sig, frame)

        config = uvicorn.Config(self.app, log_config=None, log_level="warning", access_log=False,
                                lifespan="off", timeout_graceful_shutdown=3, timeout_keep_alive=5)
        self._server = _Server(config)
        return self._server

    def _start_workers(self) -> None:
        loop = threading.Thread(target=self._run_loop, name="cccd-kiosk-loop", daemon=True)
        ticker = threading.Thread(target=self._tick, name="cccd-kiosk-ticker", daemon=True)
        self._threads = [loop, ticker]
        for t in self._threads:
            t.start()

    def _run_loop(self) -> None:
        try:
            self.loop.run(stop=self._stop.is_set)
        except Exception as e:  # noqa: BLE001 - reported on the screen and the log, never a traceback
            log.error("kiosk loop stopped (%s)", type(e).__name__)
            self.screen.set("error", reason=type(e).__name__)

    def _tick(self) -> None:
        while not self._stop.wait(0.1):
            self.screen.tick()

    def start(self, timeout: float = 10.0) -> "KioskWeb":
        """Serve and run the loop in background threads (tests, benchmarks); returns once listening."""
        sock = self._sock or self.bind()
        server = self._make_server()
        t = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="cccd-kiosk-http", daemon=True)
        t.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not t.is_alive() or time.monotonic() > deadline:
                raise UsageError("the kiosk web server did not start")
            time.sleep(0.02)
        self._http_thread = t
        self._start_workers()
        return self

    def serve(self) -> KioskCounts:
        """Serve until interrupted (Ctrl-C / SIGTERM), then stop the loop; returns the card counts."""
        import signal

        sock = self._sock or self.bind()
        server = self._make_server()
        self._start_workers()
        saved = {}
        if threading.current_thread() is threading.main_thread():
            # uvicorn handles SIGINT/SIGTERM while it runs and raises the signal again once it has
            # shut down; with these no-op handlers in place that ends here, and the loop is stopped
            # and the counts reported instead of the process dying on the re-raised signal
            for sig in (signal.SIGINT, signal.SIGTERM):
                saved[sig] = signal.signal(sig, lambda *_: None)
        try:
            server.run(sockets=[sock])
        finally:
            self.stop()
            for sig, handler in saved.items():
                signal.signal(sig, handler)
        return self.loop.counts

    def stop(self) -> None:
        self._stop.set()
        self.app.state.stopping = True
        self.screen.cancel_can()
        if self._server is not None:
            self._server.should_exit = True
        for t in self._threads + [getattr(self, "_http_thread", None)]:
            if t is not None and t is not threading.current_thread():
                t.join(5)
        if self._sock is not None:
            self._sock.close()
            self._sock = None
