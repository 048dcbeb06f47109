"""Kiosk mode: read card after card from one reader, all day, without restarts.

The loop (TR-03135-1 §3.5.1: an interrupted read is ``aborted`` and never
counts as a result):

1. wait for a card (a reader that is unplugged is waited for too);
2. get the credential for that card (a callback: operator input, a file, ...);
3. read and verify it;
4. write exactly ONE record for the card, atomically: ``complete`` (with the
   verification verdict), ``aborted`` (card pulled, reader gone) or ``error``
   (wrong CAN, chip protocol error, malformed data);
5. wait until the card is removed, and start again.

Library use (a kiosk application)::

    from cccd_chip.kiosk import KioskLoop, KioskCallbacks, JsonLinesSink
    from cccd_chip.transport.pcsc import PcscCardSource
    from cccd_chip.reader import Credential

    loop = KioskLoop(
        PcscCardSource("0"),
        credentials=lambda card: Credential.from_can(ask_operator_for_can()),
        sink=JsonLinesSink("records.jsonl"),
        callbacks=KioskCallbacks(on_record=lambda r: show_result(r.status, r.verdict)),
    )
    loop.run()                      # until stop() says so or max_cards were handled

A :class:`CardSource` only needs ``wait_for_card(timeout)`` and
``wait_for_removal(timeout)``; :class:`ScriptedCardSource` is an in-process
source for tests and demos. Records contain the holder's data: store them as
personal data.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Optional, Protocol

from .errors import AccessDeniedError, CccdError, OutputError, TransportError, UsageError
from .reader import Credential, ReadOptions, ReadStats, read_document, system_rng
from .transport.base import Transport

if TYPE_CHECKING:  # verification is imported when the first card is verified
    from .document import Document
    from .pki.trust_store import TrustStore
    from .verify.report import Report

log = logging.getLogger("cccd_chip.kiosk")

RECORD_SCHEMA = "cccd-kiosk-record/1"
MAX_RECORD_LINE = 64 * 1024 * 1024
STATUS_COMPLETE, STATUS_ABORTED, STATUS_ERROR = "complete", "aborted", "error"


def _log_failure(what: str, e: BaseException, level: int = logging.DEBUG) -> None:
    """Debug log of an unexpected exception: its type and traceback, never its message.

    The message of a failing credential provider or a bug may hold what it was
    handling (a typed CAN or MRZ, holder data); the frames are enough to find the bug.
    """
    import traceback

    frames = "".join(traceback.format_tb(e.__traceback__)).rstrip().replace("%", "%%")
    # the frames are the toolkit's own code (kept as lines); only ``what`` and the type are arguments
    log.log(level, "%s (%s)\nTraceback (message withheld):\n" + frames, what, type(e).__name__)


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# --- cards -------------------------------------------------------------------


@dataclass(frozen=True)
class CardInfo:
    """What is known about a card before it is read (nothing secret)."""

    sequence: int
    reader: Optional[str]
    atr: Optional[bytes]


class CardConnection(Transport, Protocol):
    """A connected card: a :class:`~cccd_chip.transport.base.Transport` plus ``reader``, ``atr`` and ``close()``."""

    @property
    def reader(self) -> Optional[str]: ...

    @property
    def atr(self) -> Optional[bytes]: ...

    def transmit(self, apdu: bytes) -> bytes: ...

    def close(self) -> None: ...


class CardSource(Protocol):
    """Where cards come from."""

    def wait_for_card(self, timeout: float) -> Optional[CardConnection]:
        """A connection to the next card, or None when none came within ``timeout`` seconds."""
        ...

    def wait_for_removal(self, timeout: float) -> bool:
        """True once the current card is gone (or the reader is); False on timeout."""
        ...


class ScriptedCardSource:
    """In-process card source: presents the given transports one after another.

    Each item is a transport (or a zero-argument factory returning one). The
    card counts as removed as soon as it was handed out and closed.
    """

    def __init__(self, cards: Iterable[Any]) -> None:
        self._cards = list(cards)
        self._current: Optional[CardConnection] = None

    @property
    def remaining(self) -> int:
        return len(self._cards)

    def wait_for_card(self, timeout: float) -> Optional[CardConnection]:
        if not self._cards:
            time.sleep(min(timeout, 0.01))
            return None
        item = self._cards.pop(0)
        self._current = item() if callable(item) and not hasattr(item, "transmit") else item
        return self._current

    def wait_for_removal(self, timeout: float) -> bool:
        self._current = None
        return True


# --- records -------------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    """Exactly one per card. ``status`` is complete | aborted | error."""

    sequence: int
    status: str
    started: str
    finished: str
    reader: Optional[str]
    atr: Optional[bytes]
    exit_code: Optional[int]  # what `cccd read` would have exited with; set by the loop's exit_code_for
    verdict: Optional[str] = None  # overall verification verdict of a complete read
    reason: Optional[str] = None  # error reason code (aborted / error)
    message: Optional[str] = None  # one line, never secret
    result: Optional[dict[str, Any]] = None  # the `cccd read --json` document of a complete read
    document: Any = field(default=None, compare=False, repr=False)  # the Document (dump sinks)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": RECORD_SCHEMA,
            "sequence": self.sequence,
            "status": self.status,
            "started": self.started,
            "finished": self.finished,
            "reader": self.reader,
            "atr": self.atr.hex().upper() if self.atr else None,
            "exit_code": self.exit_code,
            "verdict": self.verdict,
            "reason": self.reason,
            "message": self.message,
            "result": self.result,
        }


class RecordSink(Protocol):
    def write(self, record: Record) -> None: ...


class JsonLinesSink:
    """One JSON line per card, appended whole or not at all (cccd_chip.output.append_record).

    Each record is written with checked writes and fsynced before ``write`` returns, so the
    caller announces a record only once it is on the disk. A failed or short write (full disk,
    read-only file system, /dev/full) truncates the file back to where the record began and
    raises OutputError. A crash in the middle of a write can only leave an
    unterminated line, which is not valid JSON; it is closed off before the next record.
    Sequence numbers continue after the highest one already in the file (``last_sequence``).
    """

    def __init__(self, path: "str | Path") -> None:
        self.path = Path(path)
        try:
            if self.path.parent and not self.path.parent.exists():
                self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise OutputError(f"cannot write {self.path.name}: {e.strerror or type(e).__name__}") from None

    def last_sequence(self) -> int:
        """The highest record sequence in the file (0 if none); damaged lines are skipped."""
        from .json_input import JsonInputError, load_json
        from .safe_files import is_regular_file

        if not is_regular_file(self.path, follow_symlinks=True):
            return 0
        best = 0
        try:
            with open(self.path, "rb") as f:
                while True:
                    line = f.readline(MAX_RECORD_LINE + 1)
                    if not line:
                        break
                    if len(line) > MAX_RECORD_LINE:
                        while line and not line.endswith(b"\n"):
                            line = f.readline(1 << 16)
                        continue
                    try:
                        obj = load_json(line, what="record", max_size=MAX_RECORD_LINE, max_depth=64)
                    except JsonInputError:
                        continue
                    seq = obj.get("sequence") if isinstance(obj, dict) else None
                    if type(seq) is int and seq > best:
                        best = seq
        except OSError as e:
            raise OutputError(f"cannot read {self.path.name} to continue its numbering: "
                              f"{e.strerror or type(e).__name__}") from None
        return best

    def write(self, record: Record) -> None:
        from .output import append_record
        from .safe_text import json_escape_invisible

        text = json_escape_invisible(json.dumps(record.to_json(), ensure_ascii=False, separators=(",", ":")))
        append_record(self.path, text.encode() + b"\n", what=self.path.name)


class DumpDirSink:
    """One folder per card, ``NNNNNN-<status>`` (NNNNNN = the record's sequence): record.json (+ the dump).

    The folder is built under a hidden temporary name, every file fsynced, then renamed
    into place (cccd_chip.output.write_tree), so a folder with a final name is always
    whole; on a failed write the temporary folder is removed (no hidden copy of personal
    data) and OutputError is raised. Temporary folders left by a crash are
    removed at start. Sequence numbers continue after the highest folder already there.
    """

    def __init__(self, directory: "str | Path") -> None:
        import shutil

        self.dir = Path(directory)
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            for stale in list(self.dir.glob(".tmp-*")) + list(self.dir.glob(".*.tmp")) + list(self.dir.glob(".*.old")):
                shutil.rmtree(stale, ignore_errors=True)  # left by a crash (one kiosk process per directory)
        except OSError as e:
            raise OutputError(f"cannot write {self.dir.name}: {e.strerror or type(e).__name__}") from None

    def last_sequence(self) -> int:
        try:
            nums = [int(p.name[:6]) for p in self.dir.iterdir()
                    if p.name[:6].isdigit() and p.name[6:7] == "-"]
        except OSError:
            nums = []
        return max(nums, default=0)

    def write(self, record: Record) -> None:
        from .output import write_file_in, write_tree

        name = f"{record.sequence:06d}-{record.status}"

        def fill(tmp: Path) -> None:
            text = json.dumps(record.to_json(), ensure_ascii=False, indent=1) + "\n"
            write_file_in(tmp, "record.json", text.encode(), what=f"record {name}")
            if record.document is not None:
                record.document.save(tmp / "dump")

        write_tree(self.dir / name, fill, what=f"record {name}")


# --- the loop -----------------------------------------------------------------------


@dataclass
class KioskCallbacks:
    """Optional hooks; each is called from the loop's thread. Exceptions in them are logged, not fatal."""

    on_waiting: Optional[Callable[[], None]] = None
    on_card: Optional[Callable[[CardInfo], None]] = None
    on_progress: Optional[Callable[[str, int, int], None]] = None
    on_record: Optional[Callable[[Record], None]] = None
    on_removal_wait: Optional[Callable[[Record], None]] = None
    on_removed: Optional[Callable[[], None]] = None
    # the chip refused the credential and another attempt follows (``credential_attempts`` > 1)
    on_access_denied: Optional[Callable[[CardInfo, int], None]] = None


CredentialProvider = Callable[[CardInfo], Optional[Credential]]
#: Judges a read Document against a trust store (None: the verifier gave no report, never a success).
Verifier = Callable[["Document", "Optional[TrustStore]"], "Optional[Report]"]
#: The record's JSON view of a complete read.
Renderer = Callable[["Document", "Optional[Report]", ReadStats], dict[str, Any]]


@dataclass
class KioskCounts:
    complete: int = 0
    aborted: int = 0
    error: int = 0

    @property
    def total(self) -> int:
        return self.complete + self.aborted + self.error


class KioskLoop:
    """The watch loop over a :class:`CardSource`, writing one record per card to ``sink``."""

    def __init__(
        self,
        source: CardSource,
        *,
        credentials: CredentialProvider,
        sink: RecordSink,
        trust_store: "Optional[TrustStore]" = None,
        options: ReadOptions = ReadOptions(),
        callbacks: Optional[KioskCallbacks] = None,
        rng: Callable[[int], bytes] = system_rng,
        verify: "Optional[Verifier]" = None,
        render: "Optional[Renderer]" = None,
        poll: float = 0.5,
        credential_attempts: int = 1,
        exit_code_for: Optional[Callable[[object], int]] = None,
    ) -> None:
        self.source = source
        self.credentials = credentials
        self.sink = sink
        self.trust_store = trust_store
        self.options = options
        self.cb = callbacks or KioskCallbacks()
        self.rng = rng
        self._verify = verify or _default_verify
        self._render = render or _default_render
        self.poll = poll
        self.credential_attempts = max(1, credential_attempts)  # > 1: a wrong CAN may be typed again
        # the command line's table (host_cli.exit_codes); without it records hold no exit code
        self.exit_code_for = exit_code_for
        self.counts = KioskCounts()
        # numbering continues after the records already in the sink (unique across restarts)
        last = getattr(sink, "last_sequence", None)
        self.sequence = int(last()) if callable(last) else 0

    def _call(self, name: str, *args: object) -> None:
        fn = getattr(self.cb, name)
        if fn is None:
            return
        try:
            fn(*args)
        except Exception as e:  # noqa: BLE001 - a UI hook never stops the kiosk
            _log_failure(f"kiosk callback {name} failed", e, logging.ERROR)

    def run(self, *, max_cards: Optional[int] = None, stop: Optional[Callable[[], bool]] = None,
            idle_timeout: Optional[float] = None) -> KioskCounts:
        """Handle cards until ``stop()`` is true, ``max_cards`` were handled or no card came for ``idle_timeout``."""
        stop = stop or (lambda: False)
        idle_since = time.monotonic()
        while not stop():
            if max_cards is not None and self.counts.total >= max_cards:
                break
            self._call("on_waiting")
            conn = self.source.wait_for_card(self.poll)
            if conn is None:
                if idle_timeout is not None and time.monotonic() - idle_since > idle_timeout:
                    break
                continue
            record = self.handle(conn)
            if max_cards is not None and self.counts.total >= max_cards:
                break  # done: do not wait for the last card to be taken away
            self._call("on_removal_wait", record)
            while not stop():
                if self.source.wait_for_removal(self.poll):
                    break
            self._call("on_removed")
            idle_since = time.monotonic()
        return self.counts

    def handle(self, conn: CardConnection) -> Record:
        """Read, verify and record one connected card (always exactly one record)."""
        self.sequence += 1
        info = CardInfo(self.sequence, getattr(conn, "reader", None), getattr(conn, "atr", None))
        started = _now()
        self._call("on_card", info)
        try:
            record = self._read(conn, info, started)
        finally:
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - the card may be gone already
                pass
        self.sink.write(record)  # OutputError stops the loop: nothing is announced unwritten
        setattr(self.counts, record.status, getattr(self.counts, record.status) + 1)
        self._call("on_record", record)
        return record

    def _read(self, conn: CardConnection, info: CardInfo, started: str, attempt: int = 1) -> Record:
        def rec(status: str, outcome: object, **kw: Any) -> Record:
            code = self.exit_code_for(outcome) if self.exit_code_for is not None else None
            return Record(info.sequence, status, started, _now(), info.reader, info.atr, code, **kw)

        try:
            cred = self.credentials(info)
        except TransportError as e:  # the card left while its credential was being asked for
            return rec(STATUS_ABORTED, e, reason=e.reason, message=str(e))
        except CccdError as e:
            return rec(STATUS_ERROR, e, reason=e.reason, message=str(e))
        except Exception as e:  # noqa: BLE001 - operator cancelled, UI timeout, ...
            _log_failure("credential provider failed", e)
            err = UsageError(f"no credential ({type(e).__name__})", reason="NO_CREDENTIAL")
            return rec(STATUS_ERROR, err, reason=err.reason, message=str(err))
        try:
            if cred is None:
                raise UsageError("no credential for this card")
            stats = ReadStats()
            progress = (lambda n, d, t: self._call("on_progress", n, d, t)) if self.cb.on_progress else None
            doc = read_document(conn, cred, rng=self.rng, options=self.options, progress=progress,
                                source=f"kiosk:{info.reader}", stats=stats)
        except AccessDeniedError as e:
            if attempt < self.credential_attempts:  # ask again for the same card (one record in the end)
                self._call("on_access_denied", info, attempt)
                return self._read(conn, info, started, attempt + 1)
            return rec(STATUS_ERROR, e, reason=e.reason, message=str(e))
        except TransportError as e:
            return rec(STATUS_ABORTED, e, reason=e.reason, message=str(e))
        except CccdError as e:
            return rec(STATUS_ERROR, e, reason=e.reason, message=str(e))
        except Exception as e:  # noqa: BLE001 - a bug must not stop the kiosk; recorded as such
            _log_failure("internal error while reading", e)
            return rec(STATUS_ERROR, e, reason="INTERNAL", message=f"internal error ({type(e).__name__})")
        try:
            report = self._verify(doc, self.trust_store)
        except CccdError as e:
            return rec(STATUS_ERROR, e, reason=e.reason, message=str(e), document=doc)
        except Exception as e:  # noqa: BLE001
            _log_failure("internal error while verifying", e)
            return rec(STATUS_ERROR, e, reason="INTERNAL", message=f"internal error ({type(e).__name__})",
                       document=doc)
        # a verifier that gives no report (None) has not verified: verdict None, and its exit code is
        # whatever exit_code_for says of None (the command line's table: never success)
        verdict = report.overall.value if report is not None else None
        return rec(STATUS_COMPLETE, report, verdict=verdict, result=self._render(doc, report, stats), document=doc)


def _default_verify(doc: "Document", store: "Optional[TrustStore]") -> "Report":
    from .pki.trust_store import TrustStore
    from .verify.document_check import verify_document

    return verify_document(doc, store if store is not None else TrustStore())


# Files whose SHA-256 would let the password be brute-forced from a record: DG1 (MRZ with the
# CCCD ID: given name, birth date and province, 10^6 guesses find the CAN), DG11-DG13 and DG16
# (personal details, the Vietnamese DG13 holds the ID). Records give their length only.
PERSONAL_FILES = frozenset({"DG1", "DG11", "DG12", "DG13", "DG16"})


def _default_render(doc: "Document", report: "Optional[Report]", stats: ReadStats) -> dict[str, Any]:
    """A compact JSON view of a complete read: files (length, SHA-256 of the non-personal ones),
    access (the password binding, never anything a password can be brute-forced from), verdicts."""
    import hashlib

    return {
        "access": doc.access.to_json() if doc.access else None,
        "files": {n: ({"length": len(d)} if n in PERSONAL_FILES
                      else {"length": len(d), "sha256": hashlib.sha256(d).hexdigest().upper()})
                  for n, d in sorted(doc.files.items())},
        "absent": dict(sorted(doc.absent.items())),
        "verification": report.to_json() if report is not None else None,
        "apdus": stats.apdus,
    }


__all__ = [
    "CardConnection", "CardInfo", "CardSource", "DumpDirSink", "JsonLinesSink", "KioskCallbacks",
    "KioskCounts", "KioskLoop", "Record", "RecordSink", "ScriptedCardSource", "RECORD_SCHEMA",
]
