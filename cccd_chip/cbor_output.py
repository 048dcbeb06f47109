"""The CBOR writer of the binary dump form (RFC 8949; docs/dump-format.md).

:func:`dump_cbor` encodes the data model of a dump manifest -- maps with text keys, arrays,
text strings, byte strings, integers, ``false``/``true``/``null`` -- after the self-described
CBOR tag 55799 (``D9 D9 F7``, RFC 8949 §3.4.6). The encoding is deterministic and in the
preferred serialization of RFC 8949 §4.2.1: every head has its shortest argument, every
length is definite. Map keys keep the order of the map given (for a dump: the JSON
manifest's order), not the bytewise order of §4.2.1's core deterministic encoding, so the
same Document always gives the same bytes.

What the decoder (:mod:`cccd_chip.cbor_input`) refuses is never written: a value of another
type, an integer beyond 64-bit signed, a key that is not text, nesting deeper than
:data:`MAX_DEPTH` are a :class:`~cccd_chip.errors.UsageError` (a caller's mistake).
"""

from __future__ import annotations

from typing import Any

from .cbor_input import MAGIC
from .errors import UsageError

MAX_DEPTH = 64
_INT_MIN = -(1 << 63)
_INT_MAX = (1 << 63) - 1


def dump_cbor(value: Any) -> bytes:
    """``MAGIC`` followed by ``value`` in the preferred serialization (RFC 8949 §4.2.1)."""
    out = bytearray(MAGIC)
    _item(out, value, 0)
    return bytes(out)


def _head(out: bytearray, major: int, n: int) -> None:
    """An initial byte and the shortest argument for ``n`` (RFC 8949 §3, §4.2.1)."""
    mt = major << 5
    if n < 24:
        out.append(mt | n)
    elif n < 0x100:
        out.append(mt | 24)
        out.append(n)
    elif n < 0x10000:
        out.append(mt | 25)
        out += n.to_bytes(2, "big")
    elif n < 0x100000000:
        out.append(mt | 26)
        out += n.to_bytes(4, "big")
    else:
        out.append(mt | 27)
        out += n.to_bytes(8, "big")


def _item(out: bytearray, value: Any, depth: int) -> None:
    t = type(value)
    if t is bytes or t is bytearray:
        _head(out, 2, len(value))
        out += value
    elif t is str:
        try:
            raw = value.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: no UTF-8 for it (RFC 8949 §3.1 major type 3)
            raise UsageError("CBOR output: a string holds a lone surrogate") from None
        _head(out, 3, len(raw))
        out += raw
    elif t is dict:
        if depth >= MAX_DEPTH:
            raise UsageError(f"CBOR output nested deeper than {MAX_DEPTH}")
        _head(out, 5, len(value))
        for k, v in value.items():
            if type(k) is not str:
                raise UsageError("CBOR output: a map key is not a string")
            _item(out, k, depth + 1)
            _item(out, v, depth + 1)
    elif t is list or t is tuple:
        if depth >= MAX_DEPTH:
            raise UsageError(f"CBOR output nested deeper than {MAX_DEPTH}")
        _head(out, 4, len(value))
        for v in value:
            _item(out, v, depth + 1)
    elif value is None:
        out.append(0xF6)
    elif value is True:
        out.append(0xF5)
    elif value is False:
        out.append(0xF4)
    elif t is int:
        if not _INT_MIN <= value <= _INT_MAX:
            raise UsageError("CBOR output: an integer beyond 64-bit signed")
        if value >= 0:
            _head(out, 0, value)
        else:
            _head(out, 1, -1 - value)
    else:
        raise UsageError(f"CBOR output: no encoding for a value of type {t.__name__}")


__all__ = ["dump_cbor", "MAX_DEPTH"]
