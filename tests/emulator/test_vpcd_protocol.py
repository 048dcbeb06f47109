"""The vpcd wire protocol against a fake vpcd (a local TCP server): framing, control bytes, removal, reconnect."""

from __future__ import annotations

import socket
import struct
import threading

import pytest

from cccd_chip.emulator.applet import Applet
from cccd_chip.emulator.card import VirtualCard
from cccd_chip.emulator.faults import Remove
from cccd_chip.emulator.vpcd import VpcdLink, frame, start_in_thread


class FakeVpcd:
    """Plays pcscd's vpcd driver: listens, sends framed messages, reads framed answers."""

    def __init__(self) -> None:
        self.srv = socket.socket()
        self.srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(1)
        self.srv.settimeout(10)
        self.port = self.srv.getsockname()[1]
        self.conn = None

    def accept(self) -> socket.socket:
        self.conn, _ = self.srv.accept()
        self.conn.settimeout(10)
        return self.conn

    def send(self, payload: bytes) -> None:
        # two writes, like vpcd: the length, then the message
        self.conn.sendall(struct.pack(">H", len(payload)))
        self.conn.sendall(payload)

    def recv(self) -> bytes:
        hdr = self._exact(2)
        return self._exact(struct.unpack(">H", hdr)[0])

    def _exact(self, n: int) -> bytes:
        buf = b""
        while len(buf) < n:
            chunk = self.conn.recv(n - len(buf))
            if not chunk:
                raise ConnectionError("closed")
            buf += chunk
        return buf

    def close(self) -> None:
        if self.conn:
            self.conn.close()
        self.srv.close()


@pytest.fixture
def setup(card_factory):
    fake = FakeVpcd()
    card = VirtualCard.load(card_factory("cccd-2021"))
    applet = Applet(card)
    link = VpcdLink(applet, port=fake.port, reinsert_after=None, retry=0.05, on_event=lambda m: None)
    thread = start_in_thread(link)
    yield fake, link, applet, card
    link.stop()
    thread.join(5)
    fake.close()
    assert not thread.is_alive()


def test_frame():
    assert frame(b"\x04") == b"\x00\x01\x04"
    assert frame(b"\x00\xa4\x04\x0c") == b"\x00\x04\x00\xa4\x04\x0c"


def test_atr_apdu_and_nodelay(setup):
    fake, link, applet, card = setup
    fake.accept()
    assert link.connected.wait(5)
    fake.send(b"\x01")  # power on: no answer
    fake.send(b"\x04")  # get ATR
    assert fake.recv() == card.atr
    fake.send(bytes.fromhex("00A4040C07A0000002471001"))
    assert fake.recv() == b"\x90\x00"
    fake.send(bytes.fromhex("0084000008"))
    r = fake.recv()
    assert len(r) == 10 and r[-2:] == b"\x90\x00"
    assert link._sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1


def test_power_off_and_reset_clear_the_session(setup):
    fake, link, applet, card = setup
    fake.accept()
    fake.send(bytes.fromhex("00A4040C07A0000002471001"))
    assert fake.recv() == b"\x90\x00" and applet.state.app_selected
    fake.send(b"\x00")  # power off
    fake.send(b"\x04")
    assert fake.recv() == card.atr and not applet.state.app_selected
    fake.send(bytes.fromhex("00A4040C07A0000002471001"))
    assert fake.recv() == b"\x90\x00"
    fake.send(b"\x02")  # reset
    fake.send(b"\x04")
    assert fake.recv() == card.atr and not applet.state.app_selected


def test_removal_closes_the_connection_and_insert_reconnects(setup):
    fake, link, applet, card = setup
    applet.faults.append(Remove(2))
    fake.accept()
    fake.send(bytes.fromhex("00A4040C07A0000002471001"))
    assert fake.recv() == b"\x90\x00"
    fake.send(bytes.fromhex("0084000008"))  # APDU 2: the card leaves the field
    with pytest.raises((ConnectionError, OSError)):
        fake.recv()
    assert applet.removed
    link.insert_card()
    fake.accept()  # the card comes back: a new connection, a fresh card
    fake.send(b"\x04")
    assert fake.recv() == card.atr and not applet.removed


def test_reconnects_when_vpcd_drops_the_connection(setup):
    fake, link, applet, card = setup
    first = fake.accept()
    first.close()  # pcscd went away
    fake.accept()  # ... and the emulator came back by itself
    fake.send(b"\x04")
    assert fake.recv() == card.atr
    assert not link.stopped


def test_stop_ends_the_loop_promptly(card_factory):
    fake = FakeVpcd()
    link = VpcdLink(Applet(VirtualCard.load(card_factory("cccd-2021"))), port=fake.port, on_event=lambda m: None)
    thread = start_in_thread(link)
    fake.accept()
    done = threading.Event()

    def stopper():
        link.stop()
        done.set()

    threading.Thread(target=stopper).start()
    assert done.wait(5)
    thread.join(5)
    assert not thread.is_alive()
    fake.close()
