"""PC/SC transport: the only module that imports pyscard (lazily).

Every pyscard / PC/SC failure is mapped to the project's TransportError tree:
no service, no reader, no card, card removed, card reset, sharing violation.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Optional

from ..errors import (
    CardRemovedError,
    CardResetError,
    MalformedResponseError,
    NoCardError,
    NoReaderError,
    ReaderUnavailableError,
    TransportError,
    UsageError,
)
from .base import Transport

log = logging.getLogger("cccd_chip.transport.pcsc")

# PC/SC return codes (winscard.h / pcsclite.h)
SCARD_E_NO_SERVICE = 0x8010001D
SCARD_E_SERVICE_STOPPED = 0x8010001E
SCARD_E_NO_READERS_AVAILABLE = 0x8010002E
SCARD_E_UNKNOWN_READER = 0x80100009
SCARD_E_READER_UNAVAILABLE = 0x80100017
SCARD_E_NO_SMARTCARD = 0x8010000C
SCARD_W_REMOVED_CARD = 0x80100069
SCARD_W_RESET_CARD = 0x80100068
SCARD_E_SHARING_VIOLATION = 0x8010000B
SCARD_W_UNRESPONSIVE_CARD = 0x80100066
SCARD_W_UNPOWERED_CARD = 0x80100067
SCARD_E_NOT_TRANSACTED = 0x80100016
SCARD_E_TIMEOUT = 0x8010000A


def pyscard_available() -> bool:
    """True when pyscard can be imported (this module is the only importer of pyscard)."""
    try:
        import smartcard  # noqa: F401
    except ImportError:
        return False
    return True


def _pyscard() -> Any:
    try:
        from smartcard import scard
    except ImportError:
        raise ReaderUnavailableError(
            "PC/SC support is not installed (install the 'pcsc' extra: pyscard)"
        ) from None
    return scard


def map_hresult(hresult: int, what: str) -> TransportError:
    """Map a PC/SC return code to the project's error."""
    h = hresult & 0xFFFFFFFF
    if h in (SCARD_E_NO_SERVICE, SCARD_E_SERVICE_STOPPED):
        return ReaderUnavailableError(f"{what}: the PC/SC service (pcscd) is not running")
    if h in (SCARD_E_NO_READERS_AVAILABLE, SCARD_E_UNKNOWN_READER):
        return NoReaderError(f"{what}: no such reader")
    if h == SCARD_E_READER_UNAVAILABLE:
        return ReaderUnavailableError(f"{what}: reader unavailable (unplugged?)")
    if h in (SCARD_E_NO_SMARTCARD, SCARD_W_UNPOWERED_CARD, SCARD_W_UNRESPONSIVE_CARD):
        return NoCardError(f"{what}: no card in the reader")
    if h == SCARD_W_REMOVED_CARD:
        return CardRemovedError(f"{what}: card removed")
    if h == SCARD_W_RESET_CARD:
        return CardResetError(f"{what}: card was reset")
    if h == SCARD_E_SHARING_VIOLATION:
        return ReaderUnavailableError(f"{what}: reader in use by another application (sharing violation)")
    if h == SCARD_E_NOT_TRANSACTED:
        return CardRemovedError(f"{what}: transmission failed (card moved or removed)")
    return TransportError(f"{what}: PC/SC error 0x{h:08X}")


@dataclass(frozen=True)
class ReaderState:
    index: int
    name: str
    card_present: bool
    atr: Optional[bytes]


class _Context:
    def __init__(self) -> None:
        self.scard = _pyscard()
        hr, ctx = self.scard.SCardEstablishContext(self.scard.SCARD_SCOPE_USER)
        if hr != 0:
            raise map_hresult(hr, "connecting to PC/SC")
        self.ctx = ctx

    def readers(self) -> list[str]:
        hr, names = self.scard.SCardListReaders(self.ctx, [])
        if (hr & 0xFFFFFFFF) == SCARD_E_NO_READERS_AVAILABLE:
            return []
        if hr != 0:
            raise map_hresult(hr, "listing readers")
        return list(names)

    def release(self) -> None:
        try:
            self.scard.SCardReleaseContext(self.ctx)
        except Exception:  # pragma: no cover - best effort
            pass


def list_readers() -> list[ReaderState]:
    """Readers with card presence and ATR."""
    ctx = _Context()
    try:
        out = []
        s = ctx.scard
        for i, name in enumerate(ctx.readers()):
            hr, states = s.SCardGetStatusChange(ctx.ctx, 0, [(name, s.SCARD_STATE_UNAWARE)])
            present, atr = False, None
            if hr == 0 and states:
                _, state, atr_list = states[0]
                present = bool(state & s.SCARD_STATE_PRESENT)
                atr = bytes(atr_list) if present and atr_list else None
            out.append(ReaderState(i, name, present, atr))
        return out
    finally:
        ctx.release()


def resolve_reader(spec: "str | int", names: list[str]) -> str:
    """A reader by index (``0``) or by (a unique part of) its name."""
    if not names:
        raise NoReaderError("no PC/SC reader found")
    s = str(spec)
    if s.isdigit():
        i = int(s)
        if i >= len(names):
            raise NoReaderError(f"no reader with index {i} ({len(names)} readers)")
        return names[i]
    exact = [n for n in names if n == s]
    if exact:
        return exact[0]
    part = [n for n in names if s.lower() in n.lower()]
    if len(part) == 1:
        return part[0]
    if not part:
        raise NoReaderError(f"no reader matching {s!r}")
    raise UsageError(f"{len(part)} readers match {s!r}; be more specific")


class PcscTransport(Transport):
    """A connection to the card in one PC/SC reader (T=1 preferred, T=0 accepted)."""

    extended_length: Optional[bool] = None  # unknown: the channel probes before secure messaging

    def __init__(self, reader: "str | int", *, wait: float = 0.0, poll: float = 0.2) -> None:
        self._ctx = _Context()
        s = self._ctx.scard
        try:
            deadline = time.monotonic() + max(0.0, wait)
            while True:
                try:
                    self.reader = resolve_reader(reader, self._ctx.readers())
                    break
                except NoReaderError:
                    if time.monotonic() >= deadline:
                        raise
                    time.sleep(poll)
            while True:
                hr, card, proto = s.SCardConnect(
                    self._ctx.ctx, self.reader, s.SCARD_SHARE_EXCLUSIVE, s.SCARD_PROTOCOL_T1 | s.SCARD_PROTOCOL_T0
                )
                if hr == 0:
                    break
                err = map_hresult(hr, f"connecting to {self.reader}")
                if isinstance(err, (NoCardError, CardRemovedError)) and time.monotonic() < deadline:
                    time.sleep(poll)
                    continue
                raise err
            self._card = card
            self._proto = proto
            self._pci = s.SCARD_PCI_T1 if proto == s.SCARD_PROTOCOL_T1 else s.SCARD_PCI_T0
            hr, _name, _state, _p, atr = s.SCardStatus(card)
            self.atr: Optional[bytes] = bytes(atr) if hr == 0 else None
        except BaseException:
            self._ctx.release()
            raise

    def transmit(self, apdu: bytes) -> bytes:
        s = self._ctx.scard
        try:
            hr, resp = s.SCardTransmit(self._card, self._pci, list(apdu))
        except Exception as e:  # pyscard raising on bad handle etc.
            raise TransportError(f"PC/SC transmit failed: {type(e).__name__}") from None
        if hr != 0:
            raise map_hresult(hr, "transmit")
        if not resp:
            # Some drivers (vpcd among them) report a card that left mid-APDU as an empty
            # answer: like SCARD_E_NOT_TRANSACTED, the link to the card is gone.
            raise CardRemovedError("transmit: no answer from the card (moved or removed)")
        if len(resp) < 2:
            raise MalformedResponseError(f"R-APDU of {len(resp)} bytes (fewer than 2)")
        return bytes(resp)

    def reset(self) -> Optional[bytes]:
        s = self._ctx.scard
        hr, _ = s.SCardReconnect(self._card, s.SCARD_SHARE_EXCLUSIVE, s.SCARD_PROTOCOL_T1 | s.SCARD_PROTOCOL_T0,
                                 s.SCARD_RESET_CARD)
        if hr != 0:
            raise map_hresult(hr, "reset")
        return self.atr

    def card_present(self) -> bool:
        s = self._ctx.scard
        hr, states = s.SCardGetStatusChange(self._ctx.ctx, 0, [(self.reader, s.SCARD_STATE_UNAWARE)])
        return hr == 0 and bool(states and states[0][1] & s.SCARD_STATE_PRESENT)

    def close(self) -> None:
        s = self._ctx.scard
        try:
            s.SCardDisconnect(self._card, s.SCARD_LEAVE_CARD)
        except Exception:  # pragma: no cover
            pass
        self._ctx.release()

    def __enter__(self) -> "PcscTransport":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def card_present(reader: "str | int") -> Optional[bool]:
    """Whether a card is in ``reader``; None when the reader is not there (unplugged)."""
    ctx = _Context()
    try:
        s = ctx.scard
        try:
            name = resolve_reader(reader, ctx.readers())
        except NoReaderError:
            return None
        hr, states = s.SCardGetStatusChange(ctx.ctx, 0, [(name, s.SCARD_STATE_UNAWARE)])
        if hr != 0 or not states:
            return None
        state = states[0][1]
        if state & (s.SCARD_STATE_UNAVAILABLE | s.SCARD_STATE_UNKNOWN | s.SCARD_STATE_IGNORE):
            return None
        return bool(state & s.SCARD_STATE_PRESENT) and not bool(state & s.SCARD_STATE_MUTE)
    finally:
        ctx.release()


class PcscCardSource:
    """Cards from one PC/SC reader, for :class:`cccd_chip.kiosk.KioskLoop`.

    Polls (``poll`` seconds) with a fresh PC/SC context each time, so that a
    reader unplugged and plugged back, or a restarted pcscd, is picked up
    again without restarting the process. The reader is named by index or by
    (a unique part of) its name, resolved again on every poll.
    """

    def __init__(self, reader: "str | int", *, poll: float = 0.2) -> None:
        _pyscard()  # no PC/SC support is an error now, not a silent wait on every poll
        self.spec = reader
        self.poll = poll
        self.reader: Optional[str] = None

    def wait_for_card(self, timeout: float) -> Optional[PcscTransport]:
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            try:
                if card_present(self.spec):
                    t = PcscTransport(self.spec)
                    self.reader = t.reader
                    return t
            except UsageError:
                raise
            except TransportError as e:  # no service / reader gone / card left again: keep waiting
                log.debug("waiting for a card: %s", e)
            if time.monotonic() >= deadline:
                return None
            time.sleep(self.poll)

    def wait_for_removal(self, timeout: float) -> bool:
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            try:
                if not card_present(self.spec):
                    return True
            except TransportError:
                return True  # service or reader gone: the card is not there any more
            if time.monotonic() >= deadline:
                return False
            time.sleep(self.poll)
