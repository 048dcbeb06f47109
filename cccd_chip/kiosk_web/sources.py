"""Card sources for the screen: virtual cards one after another, and card presence while the CAN
is typed (:class:`TrackedSource`).

``cccd watch --virtual`` hands its cards out back to back (a virtual card counts as removed as
soon as it was read). A screen needs the card to stay "on the reader" so the result can be
seen: :class:`VirtualCardSource` keeps each card until :meth:`VirtualCardSource.remove` (the
page's "Remove virtual card" button), until ``dwell`` seconds passed, or until the card's own
``remove:N`` fault pulled it mid-read; the next card follows ``gap`` seconds later.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Optional, Union

from ..emulator.applet import Applet
from ..emulator.card import VirtualCard
from ..transport.local import LocalTransport

if TYPE_CHECKING:
    from ..kiosk import CardConnection, CardSource


class VirtualConnection(LocalTransport):
    """A virtual card on the virtual reader; ``card_present()`` like a PC/SC transport.

    ``latency`` (seconds per APDU) imitates a slow contactless link, so the reading screen
    can be seen (demonstrations, screenshots).
    """

    latency: float = 0.0

    def transmit(self, apdu: bytes) -> bytes:
        if self.latency:
            time.sleep(self.latency)
        return super().transmit(apdu)

    def card_present(self) -> bool:
        return not self.applet.removed


class VirtualCardSource:
    """``--virtual DIR ...``: each card in turn, on the reader until removed."""

    def __init__(self, directories: Iterable[Union[str, Path]], *, dwell: Optional[float] = None, gap: float = 0.0,
                 latency: float = 0.0) -> None:
        self._cards = [(Path(d).name, VirtualCard.load(d)) for d in directories]  # bad folder: fails at start
        self._next = 0
        self.dwell = dwell
        self.gap = gap
        self.latency = latency
        self._lock = threading.Lock()
        self._current: Optional[VirtualConnection] = None
        self._since = 0.0
        self._removed_at: Optional[float] = None

    @property
    def remaining(self) -> int:
        return len(self._cards) - self._next

    def wait_for_card(self, timeout: float) -> Optional[VirtualConnection]:
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            with self._lock:
                ready = self._removed_at is None or time.monotonic() - self._removed_at >= self.gap
                if self._current is None and self._next < len(self._cards) and ready:
                    name, card = self._cards[self._next]
                    self._next += 1
                    self._current = VirtualConnection(Applet(card), reader=f"virtual:{name}")
                    self._current.latency = self.latency
                    self._since = time.monotonic()
                    return self._current
            if time.monotonic() >= deadline:
                return None
            time.sleep(min(0.02, max(0.0, deadline - time.monotonic())))

    def remove(self) -> bool:
        """Take the current card off the reader (also mid-read: the read is aborted). False: no card."""
        with self._lock:
            if self._current is None or self._current.applet.removed:
                return False
            self._current.applet.remove()
            return True

    def wait_for_removal(self, timeout: float) -> bool:
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            with self._lock:
                cur = self._current
                gone = cur is None or cur.applet.removed or (
                    self.dwell is not None and time.monotonic() - self._since >= self.dwell)
                if gone:
                    self._current = None
                    self._removed_at = time.monotonic()
                    return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(min(0.02, max(0.0, deadline - time.monotonic())))


class TrackedSource:
    """Wraps any card source and remembers the card it handed out, to ask whether it is still there."""

    def __init__(self, inner: "CardSource") -> None:
        self.inner = inner
        self.current: "Optional[CardConnection]" = None

    def wait_for_card(self, timeout: float) -> "Optional[CardConnection]":
        conn = self.inner.wait_for_card(timeout)
        if conn is not None:
            self.current = conn
        return conn

    def wait_for_removal(self, timeout: float) -> bool:
        return self.inner.wait_for_removal(timeout)

    def present(self) -> Optional[bool]:
        """True / False when the connection can tell (PC/SC, virtual), None when it cannot."""
        probe = getattr(self.current, "card_present", None)
        if probe is None:
            return None
        try:
            return bool(probe())
        except Exception:  # noqa: BLE001 - the reader or service is gone: so is the card
            return False
