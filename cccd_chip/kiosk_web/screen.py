"""The kiosk screen's state machine, fed by the kiosk loop's callbacks (worker thread) and pushed
to the page (Server-Sent Events, :mod:`.app`).

States, in the order a card goes through them::

    waiting -> card -> [can] -> reading -> verifying -> result -> removed -> waiting
                            \\-> aborted (card pulled mid-read: "card removed, try again") -> waiting
                            \\-> error (wrong CAN after the last attempt, chip or data error) -> removed
    result -> done (personal data cleared after ``clear_after`` s while the card is still there)

Every event is a whole state (JSON), so a page that (re)connects shows the right screen at
once. Only the ``result`` state carries personal data; it is replaced (so gone from the page)
when the card is removed or after ``clear_after`` seconds. A typed CAN goes from the page
straight to the waiting credential provider (:meth:`Screen.ask_can`) and is never part of a
state, an event, a log line or an exception text.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from typing import Any, Callable, Optional

from ..errors import CardRemovedError, UsageError
from ..kiosk import CardInfo, KioskCallbacks, Record
from . import catalogue, view

log = logging.getLogger("cccd_chip.kiosk_web")

WAITING, CARD, CAN, READING, VERIFYING, RESULT = "waiting", "card", "can", "reading", "verifying", "result"
REMOVED, ABORTED, ERROR, DONE = "removed", "aborted", "error", "done"
_CANCEL = object()
PROGRESS_INTERVAL = 0.08  # seconds between two progress events of one file


class Screen:
    """Current state + subscribers. Thread-safe: the kiosk loop writes, the web server reads."""

    def __init__(self, *, lang: str = "vi", clear_after: float = 60.0, hold: float = 3.0,
                 can_timeout: float = 120.0, virtual: bool = False) -> None:
        if lang not in catalogue.LANGUAGES:
            raise UsageError(f"the language must be one of {', '.join(catalogue.LANGUAGES)}")
        self.lang = lang
        self.clear_after = clear_after
        self.hold = hold
        self.can_timeout = can_timeout
        self.virtual = virtual
        self._lock = threading.RLock()
        self._subs: dict[int, Callable[[str], None]] = {}
        self._next_sub = 0
        self._seq = 0
        self._state: dict[str, Any] = {}
        self._entered = time.monotonic()
        self._files: dict[str, list[int]] = {}
        self._last_progress = 0.0
        self._detected_at: Optional[float] = None
        self._can: "queue.Queue[object]" = queue.Queue(maxsize=1)  # a CAN (str) or _CANCEL
        self._asking = False
        self._denied = 0
        self.set(WAITING)

    # --- state and subscribers --------------------------------------------------------
    def set(self, state: str, **data: Any) -> dict[str, Any]:
        with self._lock:
            self._seq += 1
            self._state = {"state": state, "seq": self._seq, "at": time.time(), **data}
            self._entered = time.monotonic()
            payload = json.dumps(self._state, ensure_ascii=False, separators=(",", ":"))
            subs = list(self._subs.values())
        for push in subs:
            try:
                push(payload)
            except Exception as e:  # noqa: BLE001 - a gone subscriber never stops the kiosk
                log.debug("subscriber push failed (%s)", type(e).__name__)
        return self._state

    @property
    def state(self) -> str:
        with self._lock:
            current: str = self._state["state"]
            return current

    def snapshot(self) -> str:
        """The current state as one JSON text (what a newly connected page is sent first)."""
        with self._lock:
            return json.dumps(self._state, ensure_ascii=False, separators=(",", ":"))

    def subscribe(self, push: Callable[[str], None]) -> int:
        with self._lock:
            self._next_sub += 1
            self._subs[self._next_sub] = push
            return self._next_sub

    def unsubscribe(self, sub: int) -> None:
        with self._lock:
            self._subs.pop(sub, None)

    def hello(self) -> dict[str, Any]:
        """Static facts for the page: language, its texts, timeouts, virtual mode."""
        return {**catalogue.page_texts(self.lang), "clear_after": self.clear_after, "virtual": self.virtual}

    # --- timers (called every ~0.1 s by the server's ticker thread) ----------------------
    def tick(self) -> None:
        with self._lock:
            state, elapsed = self._state["state"], time.monotonic() - self._entered
            if state in (REMOVED, ABORTED) and elapsed >= self.hold:
                self.set(WAITING)
            elif state == RESULT and elapsed >= self.clear_after:
                self.set(DONE)  # personal data leaves the page; the card is still on the reader

    # --- the kiosk loop's side ------------------------------------------------------------
    def callbacks(self) -> KioskCallbacks:
        return KioskCallbacks(on_waiting=self.on_waiting, on_card=self.on_card, on_progress=self.on_progress,
                              on_record=self.on_record, on_removed=self.on_removed,
                              on_access_denied=self.on_access_denied)

    def on_waiting(self) -> None:
        with self._lock:
            if self._state["state"] not in (WAITING, REMOVED, ABORTED):
                self.set(WAITING)

    def on_card(self, info: CardInfo) -> None:
        with self._lock:
            self._files = {}
            self._denied = 0
            self._detected_at = time.time()
            self.set(CARD, card=info.sequence, detected_at=self._detected_at)

    def reading(self) -> None:
        with self._lock:
            self._files = {}
            self.set(READING, files=[])

    def on_progress(self, name: str, done: int, total: int) -> None:
        with self._lock:
            new = name not in self._files
            self._files[name] = [int(done), int(total)]
            now = time.monotonic()
            if not (new or done >= total or now - self._last_progress >= PROGRESS_INTERVAL):
                return
            self._last_progress = now
            self.set(READING, files=[{"name": n, "done": d, "total": t} for n, (d, t) in self._files.items()],
                     current=name)

    def verifying(self) -> None:
        self.set(VERIFYING)

    def on_access_denied(self, info: CardInfo, attempt: int) -> None:
        with self._lock:
            self._denied = attempt

    def on_record(self, record: Record) -> None:
        detected = self._detected_at
        if record.status == "complete" and record.document is not None:
            verification = (record.result or {}).get("verification")
            shown = view.result_view(record.document, verification, self.lang)
            self.set(RESULT, **shown, detected_at=detected, clear_after=self.clear_after)
        elif record.status == "aborted":
            self.set(ABORTED, reason=view.error_words(record.reason, self.lang))
        else:
            self.set(ERROR, reason=view.error_words(record.reason, self.lang))

    def on_removed(self) -> None:
        with self._lock:
            if self._state["state"] == ABORTED:
                self._entered = time.monotonic()  # keep "card removed, try again" for the hold time
            else:
                self.set(REMOVED)

    # --- the CAN keypad -------------------------------------------------------------------
    def ask_can(self, present: Callable[[], Optional[bool]]) -> str:
        """Show the keypad and wait for a CAN typed on the page (kiosk thread).

        Raises CardRemovedError when the card leaves meanwhile, UsageError when the
        operator cancels or nobody types within ``can_timeout`` seconds.
        """
        while True:  # a CAN sent before the keypad was shown is not taken
            try:
                self._can.get_nowait()
            except queue.Empty:
                break
        with self._lock:
            self._asking = True
            self.set(CAN, retry=self._denied > 0)
        deadline = time.monotonic() + self.can_timeout
        try:
            while True:
                try:
                    item = self._can.get(timeout=0.1)
                except queue.Empty:
                    if present() is False:
                        raise CardRemovedError("the card was removed while the CAN was asked for") from None
                    if time.monotonic() >= deadline:
                        raise UsageError("no CAN was entered in time") from None
                    continue
                if item is _CANCEL:
                    raise UsageError("the operator cancelled the CAN entry")
                return str(item)
        finally:
            with self._lock:
                self._asking = False

    def submit_can(self, can: str) -> bool:
        """A CAN typed on the page; False when no keypad is shown."""
        with self._lock:
            if not self._asking:
                return False
            try:
                self._can.put_nowait(can)
            except queue.Full:
                return False
            return True

    def cancel_can(self) -> bool:
        with self._lock:
            if not self._asking:
                return False
            try:
                self._can.put_nowait(_CANCEL)
            except queue.Full:
                return False
            return True
