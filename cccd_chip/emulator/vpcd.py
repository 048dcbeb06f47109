"""Link the virtual chip to pcscd's vpcd driver: a real PC/SC reader "Virtual PCD 00 00".

vpcd (Debian ``vsmartcard-vpcd``) listens on TCP localhost:35963 (slot 0)
and the card side connects to it as a client. Every message is framed with
a 2-byte big-endian length. A 1-byte message is a control command:
``00`` power off, ``01`` power on, ``02`` reset, ``04`` get ATR (answered
with the framed ATR); anything longer is a C-APDU, answered with the framed
R-APDU. While the socket is connected vpcd reports a card in the reader;
closing it is a card removal.

TCP_NODELAY is set on the socket, and TCP_QUICKACK (Linux) is re-armed
around every receive: vpcd writes the length and the APDU in two writes, so
with Nagle's algorithm on its side the APDU waits until our delayed ACK of
the length (about 40 ms per APDU) unless we acknowledge at once.

:class:`VpcdLink` answers power-up / reset / power-down, reconnects when
pcscd restarts, presents a card removal (a fault ``remove:N`` or
:meth:`VpcdLink.remove_card`) and stops cleanly on :meth:`VpcdLink.stop`.
:func:`demo_transport` runs a link in a background thread (starting its own
pcscd when none runs and it may) for ``cccd demo``.
"""

from __future__ import annotations

import logging
import os
import re
import select
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional, Union

from ..errors import CccdError, ReaderUnavailableError
from ..transport.base import Transport

if TYPE_CHECKING:
    from ..transport.pcsc import PcscTransport
    from .applet import Applet

log = logging.getLogger("cccd_chip.emulator.vpcd")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 35963
READER_NAME = "Virtual PCD 00 00"
CTRL_OFF, CTRL_ON, CTRL_RESET, CTRL_ATR = 0x00, 0x01, 0x02, 0x04
VPCD_DRIVER = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"
PCSCD_PID_FILE = Path("/run/pcscd/pcscd.pid")
MAX_MESSAGE = 0xFFFF


class LinkClosedError(Exception):
    """The vpcd side closed the connection (pcscd stopped or restarted)."""


_QUICKACK = getattr(socket, "TCP_QUICKACK", None)


def _quickack(sock: socket.socket) -> None:
    """ACK at once (Linux re-arms delayed ACKs after each receive, so set it every time)."""
    if _QUICKACK is not None:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)
        except OSError:
            pass


def _recv_exact(sock: socket.socket, n: int, stop: threading.Event) -> bytes:
    buf = b""
    while len(buf) < n:
        if stop.is_set():
            raise LinkClosedError("stopping")
        r, _, _ = select.select([sock], [], [], 0.2)
        if not r:
            continue
        _quickack(sock)
        chunk = sock.recv(n - len(buf))
        _quickack(sock)
        if not chunk:
            raise LinkClosedError("vpcd closed the connection")
        buf += chunk
    return buf


def frame(payload: bytes) -> bytes:
    """2-byte big-endian length + payload (the vpcd framing)."""
    if len(payload) > MAX_MESSAGE:
        raise ValueError("vpcd message too long")
    return struct.pack(">H", len(payload)) + payload


class VpcdLink:
    """The card in vpcd's reader: one applet, one TCP connection at a time."""

    def __init__(self, applet: "Applet", host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, *,
                 reinsert_after: Optional[float] = 1.0, retry: float = 0.25,
                 on_event: Optional[Callable[[str], None]] = None) -> None:
        self.applet = applet
        self.host, self.port = host, port
        self.reinsert_after = reinsert_after  # seconds until a removed card comes back; None: never
        self.retry = retry
        self.on_event = on_event or (lambda msg: log.info("%s", msg))
        self._stop = threading.Event()
        self._present = threading.Event()
        self._present.set()
        self._sock: Optional[socket.socket] = None
        self.connected = threading.Event()
        self.apdus = 0

    # --- control from other threads -------------------------------------------------
    def stop(self) -> None:
        self._stop.set()
        self._close()

    def remove_card(self) -> None:
        """Take the card out of the reader (until :meth:`insert_card`)."""
        self._present.clear()
        self._close()

    def insert_card(self) -> None:
        self.applet.power_up()
        self._present.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def _close(self) -> None:
        s, self._sock = self._sock, None
        self.connected.clear()
        if s is not None:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    # --- the loop -----------------------------------------------------------------
    def serve_forever(self) -> None:
        """Connect, serve, reconnect, until :meth:`stop`."""
        announced_wait = False
        while not self._stop.is_set():
            if not self._present.is_set():
                self._stop.wait(0.1)
                continue
            try:
                sock = socket.create_connection((self.host, self.port), timeout=2.0)
            except OSError:
                if not announced_wait:
                    self.on_event(f"waiting for vpcd on {self.host}:{self.port} (is pcscd running?)")
                    announced_wait = True
                self._stop.wait(self.retry)
                continue
            announced_wait = False
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.settimeout(None)
            self._sock = sock
            self.connected.set()
            self.on_event(f"card inserted in vpcd reader ({self.host}:{self.port})")
            try:
                self._serve(sock)
            except (LinkClosedError, OSError) as e:
                if not self._stop.is_set() and self._present.is_set():
                    self.on_event(f"vpcd connection lost ({type(e).__name__}); reconnecting")
            finally:
                self._close()
            if self._stop.is_set():
                break
            if not self._present.is_set() and self.reinsert_after is not None:
                self._stop.wait(self.reinsert_after)
                if not self._stop.is_set():
                    self.insert_card()
                    self.on_event("card put back in the reader")
            else:
                self._stop.wait(self.retry)
        self.on_event("emulator stopped")

    def _serve(self, sock: socket.socket) -> None:
        while not self._stop.is_set():
            (length,) = struct.unpack(">H", _recv_exact(sock, 2, self._stop))
            msg = _recv_exact(sock, length, self._stop) if length else b""
            if length == 1:
                self._control(sock, msg[0])
                continue
            if not msg:
                continue
            resp = self.applet.process(msg)
            self.apdus += 1
            if resp is None:  # the card left the field (fault remove:N)
                self.on_event("card removed from the reader")
                self._present.clear()
                raise LinkClosedError("card removed")
            sock.sendall(frame(resp))

    def _control(self, sock: socket.socket, code: int) -> None:
        if code == CTRL_OFF:
            self.applet.power_off()
        elif code in (CTRL_ON, CTRL_RESET):
            self.applet.power_up()
        elif code == CTRL_ATR:
            sock.sendall(frame(self.applet.atr))
        else:
            log.debug("unknown vpcd control byte %02X", code)


def start_in_thread(link: VpcdLink) -> threading.Thread:
    t = threading.Thread(target=link.serve_forever, name="cccd-vpcd", daemon=True)
    t.start()
    return t


# --- pcscd helpers ---------------------------------------------------------------------


def pcscd_running() -> Optional[int]:
    """PID of a running pcscd (from its pid file), else None."""
    try:
        m = re.match(rb"\s*(\d+)", PCSCD_PID_FILE.read_bytes())  # pcscd 1.9 writes "PID\n\0"
    except OSError:
        return None
    if m is None:
        return None
    pid = int(m.group(1))
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    return pid


def write_reader_conf(directory: Path, port: int = DEFAULT_PORT) -> Path:
    """A reader.conf.d holding only the vpcd reader on ``port`` (for ``pcscd -c``)."""
    directory.mkdir(parents=True, exist_ok=True)
    conf = directory / "vpcd"
    conf.write_text(f'FRIENDLYNAME "Virtual PCD"\nDEVICENAME   /dev/null:0x{port:04X}\n'
                    f"LIBPATH      {VPCD_DRIVER}\nCHANNELID    0x{port:04X}\n")
    return directory


class OwnPcscd:
    """A pcscd this process started (foreground, own config), stopped by its PID."""

    def __init__(self, port: int = DEFAULT_PORT, *, debug: bool = False) -> None:
        exe = shutil.which("pcscd") or ("/usr/sbin/pcscd" if Path("/usr/sbin/pcscd").exists() else None)
        if exe is None:
            raise ReaderUnavailableError("pcscd is not installed (Debian: apt-get install pcscd vsmartcard-vpcd)")
        if not Path(VPCD_DRIVER).exists():
            raise ReaderUnavailableError("the vpcd driver is not installed (Debian: vsmartcard-vpcd)")
        if os.geteuid() != 0:
            raise ReaderUnavailableError("starting pcscd needs root (it owns /run/pcscd)")
        running = pcscd_running()
        if running is not None:
            raise ReaderUnavailableError(f"another pcscd is already running (pid {running})")
        for stale in (PCSCD_PID_FILE, PCSCD_PID_FILE.with_name("pcscd.comm")):
            # no pcscd runs: files left by a killed one would make the new one exit at start-up
            try:
                stale.unlink()
            except FileNotFoundError:
                pass
        self._tmp = Path(tempfile.mkdtemp(prefix="cccd-pcscd-"))
        conf = write_reader_conf(self._tmp / "reader.conf.d", port)
        args = [exe, "--foreground", "--config", str(conf)] + (["--debug", "--apdu"] if debug else [])
        self.log_path = self._tmp / "pcscd.log"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.pid = self.proc.pid
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                tail = self._log_tail()
                self.stop()
                raise ReaderUnavailableError(f"pcscd exited at start-up ({tail})")
            if pcscd_running() == self.pid and _port_open(port):
                return
            time.sleep(0.05)
        self.stop()
        raise ReaderUnavailableError("pcscd did not open the vpcd port in time")

    def _log_tail(self) -> str:
        try:
            self._log.flush()
            lines = self.log_path.read_text(errors="replace").strip().splitlines()
        except OSError:
            return "no log"
        return lines[-1][-160:] if lines else "no output"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()
        shutil.rmtree(self._tmp, ignore_errors=True)


def _port_open(port: int, host: str = DEFAULT_HOST) -> bool:
    """Is something listening on ``port``? Read from /proc/net/tcp{,6}: a test connection
    would count as a card for vpcd (and its close as a removal)."""
    want = f":{port:04X}"
    found_table = False
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        found_table = True
        for line in lines:
            parts = line.split()
            if len(parts) > 3 and parts[1].endswith(want) and parts[3] == "0A":  # 0A = LISTEN
                return True
    if found_table:
        return False
    try:  # no procfs: fall back to a connection attempt
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


def _card_present_now(reader: str) -> bool:
    from ..transport.pcsc import list_readers

    try:
        return any(r.name == reader and r.card_present for r in list_readers())
    except CccdError:
        return False


def wait_for_card(reader: str = READER_NAME, timeout: float = 10.0) -> bool:
    """Poll PC/SC until ``reader`` reports a card (True) or the timeout passes."""
    from ..transport.pcsc import list_readers

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            for r in list_readers():
                if r.name == reader and r.card_present:
                    return True
        except CccdError:
            pass
        time.sleep(0.1)
    return False


class _DemoTransport(Transport):
    """A PcscTransport that also stops the emulator thread (and its pcscd) on close."""

    def __init__(self, inner: "PcscTransport", link: VpcdLink, thread: threading.Thread, pcscd: Optional[OwnPcscd]) -> None:
        self._inner, self._link, self._thread, self._pcscd = inner, link, thread, pcscd
        self.reader = inner.reader
        self.atr = inner.atr

    def transmit(self, apdu: bytes) -> bytes:
        return self._inner.transmit(apdu)

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            self._link.stop()
            self._thread.join(5)
            if self._pcscd is not None:
                self._pcscd.stop()


def demo_transport(card_dir: Union[str, Path], *, port: int = DEFAULT_PORT, timeout: float = 10.0) -> _DemoTransport:
    """The card of ``card_dir`` behind pcscd + vpcd, as a PC/SC transport.

    Uses a running pcscd with the vpcd reader, or starts one (root only).
    Raises a ReaderUnavailableError naming the one cause when the PC/SC path
    cannot be used (pcscd, the vpcd driver or pyscard missing, pcscd without
    the vpcd reader, ...); the demo then falls back and says why.
    """
    if shutil.which("pcscd") is None and not Path("/usr/sbin/pcscd").exists():
        raise ReaderUnavailableError("pcscd is not installed (Debian package pcscd)")
    if not Path(VPCD_DRIVER).exists():
        raise ReaderUnavailableError("the vpcd reader driver is not installed (Debian package vsmartcard-vpcd)")
    from ..transport.pcsc import PcscTransport, pyscard_available

    if not pyscard_available():
        raise ReaderUnavailableError("pyscard is not installed (the 'pcsc' extra)")
    from .applet import Applet
    from .card import VirtualCard

    own = None
    if pcscd_running() is None:
        own = OwnPcscd(port)
    elif not _port_open(port):
        raise ReaderUnavailableError("pcscd runs without the vpcd reader on port %d" % port)
    elif _card_present_now(READER_NAME):
        # another program's virtual card is in the reader: reading it would read the wrong card
        raise ReaderUnavailableError("the vpcd reader already holds another program's card")
    link = VpcdLink(Applet(VirtualCard.load(card_dir)), port=port, reinsert_after=None)
    thread = start_in_thread(link)
    try:
        if not wait_for_card(READER_NAME, timeout):
            raise ReaderUnavailableError("the virtual card did not appear in the vpcd reader")
        inner = PcscTransport(READER_NAME, wait=2.0)
    except BaseException:
        link.stop()
        thread.join(5)
        if own is not None:
            own.stop()
        raise
    return _DemoTransport(inner, link, thread, own)
