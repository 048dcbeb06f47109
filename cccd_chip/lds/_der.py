"""Bounded structural pre-check of DER/BER-TLV input before asn1crypto sees it.

asn1crypto parses lazily and recursively; on untrusted input we first walk
the whole TLV tree iteratively (ISO/IEC 8825-1 §8.1) without copying, so that
every length is bounded by its parent, indefinite lengths are refused, and
nesting is bounded. Then any remaining asn1crypto failure is wrapped into
:class:`ParseError` by :func:`guard`.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Optional

from ..errors import CccdError, ParseError
from ..iso7816.tlv import read_length, read_tag

MAX_DER_DEPTH = 48
MAX_DER_NODES = 2_000_000


def check_structure(
    data: bytes,
    *,
    file: Optional[str] = None,
    base: int = 0,
    max_depth: int = MAX_DER_DEPTH,
    single: bool = True,
) -> None:
    """Walk every TLV of ``data``; raise ParseError on any framing defect.

    With ``single`` the data must be exactly one TLV (no trailing byte).
    Work is linear in ``len(data)``; no byte is copied.
    """
    n = len(data)
    if n == 0:
        raise ParseError("empty input", file=file, offset=base)
    # stack of parent end offsets
    stack: list[int] = [n]
    pos = 0
    nodes = 0
    while True:
        while stack and pos == stack[-1]:
            stack.pop()
        if not stack:
            break
        end = stack[-1]
        tag, tag_len, constructed = read_tag(data, pos, file=file)
        length, len_len = read_length(data, pos + tag_len, file=file)
        vstart = pos + tag_len + len_len
        if vstart + length > end:
            raise ParseError(
                f"length {length} exceeds the {max(0, end - vstart)} bytes available",
                file=file,
                offset=base + pos,
            )
        nodes += 1
        if nodes > MAX_DER_NODES:
            raise ParseError("too many TLV elements", file=file, offset=base + pos)
        if single and len(stack) == 1 and vstart + length != n:
            raise ParseError(
                f"{n - vstart - length} trailing bytes after the outer TLV",
                file=file,
                offset=base + vstart + length,
            )
        if constructed and length > 0:
            if len(stack) > max_depth:
                raise ParseError("ASN.1 nesting too deep", file=file, offset=base + pos)
            stack.append(vstart + length)
            pos = vstart
        else:
            pos = vstart + length


@contextmanager
def guard(file: Optional[str], what: str, offset: Optional[int] = None) -> Iterator[None]:
    """Turn any non-project exception raised inside into a ParseError."""
    try:
        yield
    except ParseError as exc:
        if exc.offset is None or exc.file is None:
            raise ParseError(
                exc.message, file=exc.file or file, offset=exc.offset if exc.offset is not None else offset
            ) from exc
        raise
    except CccdError:
        raise
    except Exception as exc:  # noqa: BLE001 - module boundary for untrusted input
        raise ParseError(f"malformed {what} ({type(exc).__name__})", file=file, offset=offset) from exc


# --- small DER encoders (X.690 §8, §10) --------------------------------------

def der(tag: int, value: bytes) -> bytes:
    """One DER TLV (definite, minimal length)."""
    from ..iso7816.tlv import encode

    return encode(tag, value)


def der_int(n: int) -> bytes:
    body = n.to_bytes(max(1, (n.bit_length() + 8) // 8), "big", signed=True)
    return der(0x02, body)


def der_oid(dotted: str) -> bytes:
    from asn1crypto.core import ObjectIdentifier

    return ObjectIdentifier(dotted).dump()


def der_seq(*parts: bytes) -> bytes:
    return der(0x30, b"".join(parts))


def der_set(parts: list[bytes], *, sort: bool = True) -> bytes:
    """SET / SET OF; with ``sort`` the DER order of X.690 §11.6."""
    if sort:
        parts = sort_der(parts)
    return der(0x31, b"".join(parts))


def sort_der(parts: list[bytes]) -> list[bytes]:
    """X.690 §11.6: ascending octet order, shorter ones padded with zeros."""
    width = max((len(p) for p in parts), default=0)
    return sorted(parts, key=lambda p: p + b"\x00" * (width - len(p)))


def elements(data: bytes, *, file: Optional[str] = None, base: int = 0) -> list[tuple[int, bytes, bytes, int]]:
    """Flat list of (tag, whole element, value, offset) filling ``data`` exactly."""
    from ..iso7816.tlv import read_header

    out = []
    pos = 0
    n = len(data)
    while pos < n:
        try:
            h = read_header(data, pos, file=file)
        except ParseError as exc:
            raise ParseError(exc.message, file=file, offset=base + pos) from None
        end = pos + h.total_len
        out.append((h.tag, data[pos:end], data[pos + h.header_len : end], base + pos))
        pos = end
    return out


def decode_oid(value: bytes, *, file: Optional[str] = None, offset: Optional[int] = None) -> str:
    """Dotted form of OBJECT IDENTIFIER contents (X.690 §8.19)."""
    if not value or value[-1] & 0x80 or len(value) > 64:
        raise ParseError("malformed OBJECT IDENTIFIER", file=file, offset=offset)
    arcs: list[int] = []
    acc = 0
    for b in value:
        acc = (acc << 7) | (b & 0x7F)
        if not b & 0x80:
            arcs.append(acc)
            acc = 0
    first = arcs[0]
    head = [0, first] if first < 40 else ([1, first - 40] if first < 80 else [2, first - 80])
    return ".".join(str(a) for a in head + arcs[1:])


def decode_int(value: bytes, *, file: Optional[str] = None, offset: Optional[int] = None, max_len: int = 64) -> int:
    if not value or len(value) > max_len:
        raise ParseError("malformed INTEGER", file=file, offset=offset)
    return int.from_bytes(value, "big", signed=True)
