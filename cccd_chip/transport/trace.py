"""Recorded APDU traces: format ``cccd-apdu-trace`` version 1 (architecture.md §3.3).

JSON Lines; line 1 is the header, then one event per line, in order::

    {"format":"cccd-apdu-trace","version":1,"created":"..Z","tool":"cccd 0.1.0",
     "reader":"...","atr":"3B..","source":"emulator:cccd-2021 seed=7","note":"..."}
    {"rng":"A1B2..."}                                  bytes drawn from the host's rng
    {"c":"00A4040C07A0000002471001","r":"9000","ms":0.8}
    {"event":"reset"} | {"event":"removed"}

:class:`TraceRecorder` wraps a transport and an rng and writes every event;
:class:`TraceReplayer` is a transport and an rng that replays strictly: the
next command must equal the recorded one byte for byte, the next rng draw
must have the recorded size, and leftover events are an error at ``finish()``.
The MRZ/CAN is never written to a trace.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

from .._version import TOOL_NAME
from ..json_input import load_json
from .base import Transport
from ..errors import (
    CardRemovedError,
    CardResetError,
    TraceExhaustedError,
    TraceFormatError,
    TraceMismatchError,
    TransportError,
)

FORMAT = "cccd-apdu-trace"
VERSION = 1
MAX_TRACE_BYTES = 64 * 1024 * 1024
MAX_LINE = 300_000
MAX_EVENTS = 200_000

Rng = Callable[[int], bytes]


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class TraceEvent:
    kind: str  # "apdu" | "rng" | "reset" | "removed"
    command: bytes = b""
    response: bytes = b""
    data: bytes = b""
    ms: Optional[float] = None
    line: int = 0


@dataclass(frozen=True)
class TraceHeader:
    created: str
    tool: str
    reader: Optional[str] = None
    atr: Optional[bytes] = None
    source: Optional[str] = None
    note: Optional[str] = None

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "created": self.created,
            "tool": self.tool,
            "reader": self.reader,
            "atr": self.atr.hex().upper() if self.atr else None,
            "source": self.source,
            "note": self.note,
        }


class TraceRecorder(Transport):
    """Record a transport (and the host's rng) into a trace file."""

    def __init__(
        self,
        inner: Transport,
        path: "str | Path",
        *,
        rng: Optional[Rng] = None,
        source: Optional[str] = None,
        note: Optional[str] = None,
    ) -> None:
        self.inner = inner
        self.reader = getattr(inner, "reader", None)
        self.atr = getattr(inner, "atr", None)
        self._inner_rng = rng
        self.path = Path(path)
        self._events: list[str] = []
        self.header = TraceHeader(_now(), TOOL_NAME, self.reader, self.atr, source, note)
        self._closed = False

    def rng(self, n: int) -> bytes:
        if self._inner_rng is None:
            raise TransportError("trace recorder has no rng to record")
        data = self._inner_rng(n)
        self._events.append(json.dumps({"rng": data.hex().upper()}))
        return data

    def transmit(self, apdu: bytes) -> bytes:
        t0 = time.perf_counter()
        try:
            resp = self.inner.transmit(apdu)
        except CardRemovedError:
            self._events.append(json.dumps({"event": "removed"}))
            raise
        except CardResetError:
            self._events.append(json.dumps({"event": "reset"}))
            raise
        ms = round((time.perf_counter() - t0) * 1000, 2)
        self._events.append(json.dumps({"c": apdu.hex().upper(), "r": resp.hex().upper(), "ms": ms}))
        return resp

    def event(self, name: str) -> None:
        if name not in ("reset", "removed"):
            raise ValueError("unknown trace event")
        self._events.append(json.dumps({"event": name}))

    def save(self) -> Path:
        """Write the trace atomically (header + events)."""
        from ..document import _atomic_write

        lines = [json.dumps(self.header.to_json())] + self._events
        _atomic_write(self.path, ("\n".join(lines) + "\n").encode())
        self._closed = True
        return self.path

    def close(self) -> None:
        if not self._closed:
            self.save()
        close = getattr(self.inner, "close", None)
        if close:
            close()


def _hex(obj: dict[str, Any], key: str, line: int) -> bytes:
    v = obj.get(key)
    if not isinstance(v, str) or len(v) > 2 * 70000:
        raise TraceFormatError(f"trace line {line}: '{key}' must be a hex string", offset=line)
    try:
        return bytes.fromhex(v)
    except ValueError:
        raise TraceFormatError(f"trace line {line}: '{key}' is not valid hex", offset=line) from None


def _ms(v: object) -> Optional[float]:
    """The informational timing of an APDU; anything that is no finite number is dropped."""
    if not isinstance(v, (int, float)):
        return None
    try:
        f = float(v)
    except OverflowError:  # a JSON integer of hundreds of digits
        return None
    return f if math.isfinite(f) else None


def load(path: "str | Path") -> tuple[TraceHeader, list[TraceEvent]]:
    """Read and validate a trace file."""
    from ..safe_files import read_regular_file

    # a regular file only (a FIFO would hang the read, /dev/zero exhaust memory), bounded
    raw = read_regular_file(Path(path), MAX_TRACE_BYTES, error=TraceFormatError, follow_symlinks=True,
                            what="trace file")
    return parse(raw)


def parse(raw: bytes) -> tuple[TraceHeader, list[TraceEvent]]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise TraceFormatError("trace is not UTF-8 text") from None
    lines = [ln[:-1] if ln.endswith("\r") else ln for ln in text.split("\n")]  # JSON Lines: LF only
    if not lines:
        raise TraceFormatError("trace is empty")
    if len(lines) > MAX_EVENTS:
        raise TraceFormatError("trace has too many events")
    objs = []
    for i, line in enumerate(lines, 1):
        if not line.strip():
            continue
        if len(line) > MAX_LINE:
            raise TraceFormatError(f"trace line {i} too long", offset=i)
        obj = load_json(line, what=f"trace line {i}", max_size=MAX_LINE, max_depth=4, error=TraceFormatError)
        if not isinstance(obj, dict):
            raise TraceFormatError(f"trace line {i} is not a JSON object", offset=i)
        objs.append((i, obj))
    if not objs:
        raise TraceFormatError("trace is empty")
    n0, h = objs[0]
    if h.get("format") != FORMAT:
        raise TraceFormatError("not a cccd-apdu-trace (bad 'format' in header)")
    if h.get("version") != VERSION:
        raise TraceFormatError(f"unsupported trace version {h.get('version')!r}")
    atr = _hex(h, "atr", n0) if h.get("atr") else None
    header = TraceHeader(
        str(h.get("created") or ""), str(h.get("tool") or ""),
        h.get("reader") if isinstance(h.get("reader"), str) else None, atr,
        h.get("source") if isinstance(h.get("source"), str) else None,
        h.get("note") if isinstance(h.get("note"), str) else None,
    )
    events: list[TraceEvent] = []
    for i, obj in objs[1:]:
        if "c" in obj:
            events.append(TraceEvent("apdu", _hex(obj, "c", i), _hex(obj, "r", i), ms=_ms(obj.get("ms")), line=i))
        elif "rng" in obj:
            events.append(TraceEvent("rng", data=_hex(obj, "rng", i), line=i))
        elif obj.get("event") in ("reset", "removed"):
            events.append(TraceEvent(obj["event"], line=i))
        else:
            raise TraceFormatError(f"trace line {i}: unknown event", offset=i)
    return header, events


_STEPS = {0xA4: "SELECT", 0xB0: "READ BINARY", 0xB1: "READ BINARY", 0x22: "MSE:SET",
          0x86: "GENERAL AUTHENTICATE", 0x84: "GET CHALLENGE", 0x82: "EXTERNAL AUTHENTICATE",
          0x88: "INTERNAL AUTHENTICATE", 0x2A: "PSO"}


# MSE:SET AT (PACE), GET CHALLENGE / EXTERNAL AUTHENTICATE (BAC), GENERAL AUTHENTICATE (PACE)
_ACCESS_INS = frozenset({0x22, 0x84, 0x82, 0x86})
ACCESS_HINT = ("; during access control this most likely means another credential than the one the trace "
               "was recorded with (a wrong CAN/MRZ, or CAN given where the recording used the MRZ)")


def _is_access_step(apdu: bytes) -> bool:
    return len(apdu) >= 2 and apdu[0] & 0x0C == 0 and apdu[1] in _ACCESS_INS  # unprotected (no SM yet)


def mismatch_step(sent: bytes, recorded: bytes) -> str:
    """The protocol step of a mismatching command, from its INS byte (never from its body)."""
    def step(apdu: bytes) -> str:
        return _STEPS.get(apdu[1], f"INS {apdu[1]:02X}") if len(apdu) >= 2 else "short APDU"

    a, b = step(sent), step(recorded)
    same_header = sent[:4] == recorded[:4]
    if a == b:
        return f"step {a}, {'same header, other body' if same_header else 'other header'}"
    return f"sent {a}, recorded {b}"


class TraceReplayer(Transport):
    """A transport + rng that replays a trace strictly."""

    def __init__(self, path_or_events: "str | Path | Iterable[TraceEvent]", header: Optional[TraceHeader] = None) -> None:
        if isinstance(path_or_events, (str, Path)):
            header, events = load(path_or_events)
        else:
            events = list(path_or_events)
        self.header = header
        self.events = events
        self.pos = 0
        self._removed = False
        self.reader = header.reader if header else None
        self.atr = header.atr if header else None

    def _next(self, what: str) -> TraceEvent:
        if self.pos >= len(self.events):
            if self._removed and what == "to send an APDU":
                # a card that left stays gone: every later APDU fails the same way
                raise CardRemovedError("card removed (recorded)", index=self.pos)
            raise TraceExhaustedError(f"trace ended but the host wants {what}", index=self.pos)
        ev = self.events[self.pos]
        self.pos += 1
        return ev

    def rng(self, n: int) -> bytes:
        ev = self._next(f"{n} random bytes")
        if ev.kind != "rng":
            raise TraceMismatchError(f"host draws {n} random bytes but the trace has a {ev.kind} event", index=self.pos - 1)
        if len(ev.data) != n:
            raise TraceMismatchError(f"host draws {n} random bytes, trace recorded {len(ev.data)}", index=self.pos - 1)
        return ev.data

    def transmit(self, apdu: bytes) -> bytes:
        ev = self._next("to send an APDU")
        if ev.kind == "removed":
            self._removed = True
            raise CardRemovedError("card removed (recorded)", index=self.pos - 1)
        if ev.kind == "reset":
            raise CardResetError("card reset (recorded)", index=self.pos - 1)
        if ev.kind != "apdu":
            raise TraceMismatchError(f"host sends an APDU but the trace has a {ev.kind} event", index=self.pos - 1)
        if ev.command != apdu:
            # Only the step and the 4-byte headers are shown: the body of a PACE / BAC / CA
            # command (mapping points, EXTERNAL AUTHENTICATE cryptogram, SM-wrapped data) is
            # derived from the password, so printing it lets anyone brute-force the CAN or
            # MRZ offline from a failed replay (issue 10, defect 10).
            raise TraceMismatchError(
                f"the host sent another command than the trace recorded at this point "
                f"({mismatch_step(apdu, ev.command)}; headers {apdu[:4].hex().upper()} / "
                f"{ev.command[:4].hex().upper()}; command bodies are not shown)"
                + (ACCESS_HINT if _is_access_step(apdu) or _is_access_step(ev.command) else ""),
                index=self.pos - 1,
            )
        return ev.response

    @property
    def remaining(self) -> int:
        return len(self.events) - self.pos

    def finish(self) -> None:
        """Raise when recorded events were not consumed."""
        if self.pos != len(self.events):
            raise TraceMismatchError(f"{self.remaining} recorded events were not replayed", index=self.pos)

    def close(self) -> None:
        pass
