"""Bounded DER reading for the LDS parsers (ISO/IEC 8825-1 §8.1, X.690).

Two tools, both linear in the input and bounded by what was received:

- :func:`read_element` / :func:`children` / :func:`single` / :func:`octets`:
  a single pass that reads exactly the elements a parser interprets, each
  length bounded by its parent's end, indefinite lengths refused, nothing
  copied but the fields kept (used by ``cms`` and ``sod``; elements kept as
  raw bytes, such as certificates, are validated by their own parser);
- :func:`check_structure`: a walk of the whole TLV tree, iteratively and
  without copying, before asn1crypto (which parses lazily and recursively)
  sees untrusted input; any remaining asn1crypto failure is wrapped into
  :class:`ParseError` by :func:`guard`.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Final, Iterator, Optional

from ..errors import CccdError, ParseError
from ..iso7816.tlv import read_length, read_tag
from ..values import exact_bytes

MAX_DER_DEPTH: Final = 48
MAX_DER_NODES: Final = 2_000_000
MAX_CHILDREN: Final = 100_000  # elements of one constructed value read by the single-pass parsers


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
        _, vstart, vend = read_element(data, pos, stack[-1], file=file, base=base)
        nodes += 1
        if nodes > MAX_DER_NODES:
            raise ParseError("too many TLV elements", file=file, offset=base + pos)
        if single and len(stack) == 1 and vend != n:
            raise ParseError(f"{n - vend} trailing bytes after the outer TLV", file=file, offset=base + vend)
        if data[pos] & 0x20 and vend > vstart:  # constructed, not empty: descend
            if len(stack) > max_depth:
                raise ParseError("ASN.1 nesting too deep", file=file, offset=base + pos)
            stack.append(vend)
            pos = vstart
        else:
            pos = vend


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

    out: bytes = ObjectIdentifier(dotted).dump()
    return out


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


def read_element(
    data: bytes, pos: int, end: int, *, file: Optional[str] = None, base: int = 0
) -> tuple[int, int, int]:
    """(tag, value start, value end) of the DER element at ``pos`` (X.690 §8.1).

    The whole element must lie before ``end`` (its parent's end): every length
    is bounded by what was received. Positions are indexes into ``data``;
    error offsets are ``base + position``. Single-byte tags with lengths up
    to ``82 xx xx`` are read inline (the common case on the verification
    hot path); everything else, and every error, goes through
    :func:`cccd_chip.iso7816.tlv.read_tag` / ``read_length``.
    """
    if pos >= end:
        raise ParseError("TLV truncated: missing tag", file=file, offset=base + pos)
    t = data[pos]
    if t and t & 0x1F != 0x1F and pos + 1 < end:
        n = data[pos + 1]
        if n < 0x80:
            vs = pos + 2
            ve = vs + n
        elif n == 0x81 and pos + 2 < end:
            vs = pos + 3
            ve = vs + data[pos + 2]
        elif n == 0x82 and pos + 3 < end:
            vs = pos + 4
            ve = vs + (data[pos + 2] << 8 | data[pos + 3])
        else:
            vs = -1
            ve = 0
        if vs > 0:
            if ve > end:
                raise ParseError(
                    f"TLV length {ve - vs} exceeds the {max(0, end - vs)} bytes present", file=file, offset=base + pos
                )
            return t, vs, ve
    try:
        tag, tag_len, _ = read_tag(data, pos, file=file)
        length, len_len = read_length(data, pos + tag_len, file=file)
    except ParseError as exc:
        raise ParseError(exc.message, file=file, offset=base + (exc.offset if exc.offset is not None else pos)) from None
    vs = pos + tag_len + len_len
    if vs + length > end:
        raise ParseError(
            f"TLV length {length} exceeds the {max(0, end - vs)} bytes present", file=file, offset=base + pos
        )
    return tag, vs, vs + length


Span = tuple[int, int, int, int]  # (tag, element start, value start, value end), indexes into the data


def children(data: bytes, start: int, end: int, *, file: Optional[str] = None, base: int = 0) -> list[Span]:
    """The elements exactly filling ``data[start:end]`` (one level, nothing copied).

    At most ``MAX_CHILDREN`` of them: each becomes a Python object, so a
    value made of millions of two-byte elements is refused rather than
    amplified in memory.
    """
    out: list[Span] = []
    pos = start
    count = 0
    while pos < end:
        # the fast path of read_element inlined (single-byte tag, length up to 82 xx xx, within
        # ``end``): the verification hot path reads ~50 elements per SOD; anything else, and
        # every error, goes through read_element itself
        t = data[pos]
        vs = ve = -1
        if t and t & 0x1F != 0x1F and pos + 1 < end:
            n = data[pos + 1]
            if n < 0x80:
                vs = pos + 2
                ve = vs + n
            elif n == 0x81 and pos + 2 < end:
                vs = pos + 3
                ve = vs + data[pos + 2]
            elif n == 0x82 and pos + 3 < end:
                vs = pos + 4
                ve = vs + (data[pos + 2] << 8 | data[pos + 3])
        if vs < 0 or ve > end:  # long form, multi-byte tag, truncated or overlong: the checked path
            t, vs, ve = read_element(data, pos, end, file=file, base=base)
        out.append((t, pos, vs, ve))  # compiled: PyList_Append (a bound `append` would be a generic call)
        count += 1
        if count > MAX_CHILDREN:
            raise ParseError(f"more than {MAX_CHILDREN} elements in one constructed value", file=file, offset=base + pos)
        pos = ve
    return out


def single(data: bytes, start: int, end: int, tag: int, what: str, *, file: Optional[str] = None, base: int = 0) -> Span:
    """The one element with ``tag`` exactly filling ``data[start:end]``."""
    t, vs, ve = read_element(data, start, end, file=file, base=base)
    if t != tag:
        raise ParseError(f"{what}: expected tag {tag:02X}, found {t:02X}", file=file, offset=base + start)
    if ve != end:
        raise ParseError(f"{end - ve} trailing bytes after {what}", file=file, offset=base + ve)
    return t, start, vs, ve


def octets(data: bytes, span: Span, what: str, *, file: Optional[str] = None, base: int = 0) -> bytes:
    """OCTET STRING contents: primitive (04), or BER constructed (24) of primitive segments (X.690 §8.7)."""
    tag, pos, vs, ve = span
    if tag == 0x04:
        return data[vs:ve]
    if tag != 0x24:
        raise ParseError(f"{what} is not an OCTET STRING", file=file, offset=base + pos)
    pieces: list[bytes] = []
    stack = [iter(children(data, vs, ve, file=file, base=base))]  # BER nests segments (X.690 §8.7.3.2)
    while stack:
        seg = next(stack[-1], None)
        if seg is None:
            stack.pop()
        elif seg[0] == 0x04:
            pieces.append(data[seg[2] : seg[3]])
        elif seg[0] == 0x24 and len(stack) < MAX_DER_DEPTH:
            stack.append(iter(children(data, seg[2], seg[3], file=file, base=base)))
        else:
            raise ParseError(f"constructed {what} with a non-OCTET STRING segment", file=file, offset=base + seg[1])
    return b"".join(pieces)


def int_at(data: bytes, span: Span, what: str, *, file: Optional[str] = None, base: int = 0, max_len: int = 8) -> int:
    """The INTEGER at ``span`` (X.690 §8.3), at most ``max_len`` content octets."""
    if span[0] != 0x02:
        raise ParseError(f"{what} is not an INTEGER", file=file, offset=base + span[1])
    return decode_int(data[span[2] : span[3]], file=file, offset=base + span[1], max_len=max_len)


def oid_at(data: bytes, span: Span, what: str, *, file: Optional[str] = None, base: int = 0) -> str:
    """The OBJECT IDENTIFIER at ``span`` in dotted form (X.690 §8.19)."""
    if span[0] != 0x06:
        raise ParseError(f"{what} is not an OBJECT IDENTIFIER", file=file, offset=base + span[1])
    return decode_oid(data[span[2] : span[3]], file=file, offset=base + span[1])


def elements(data: bytes, *, file: Optional[str] = None, base: int = 0) -> list[tuple[int, bytes, bytes, int]]:
    """Flat list of (tag, whole element, value, offset) filling ``data`` exactly."""
    return [(t, data[p:e], data[s:e], base + p) for t, p, s, e in children(data, 0, len(data), file=file, base=base)]


_OID_TEXTS: Final[dict[bytes, str]] = {}  # contents -> dotted form: a verifier sees the same few OIDs on every document
_OID_TEXTS_MAX: Final = 1024


def decode_oid(value: bytes, *, file: Optional[str] = None, offset: Optional[int] = None) -> str:
    """Dotted form of OBJECT IDENTIFIER contents (X.690 §8.19), cached by the exact contents
    (a malformed one is decoded, and refused, every time)."""
    key = exact_bytes(value)
    text = _OID_TEXTS.get(key)
    if text is None:
        try:
            text = _oid_text(key)
        except ParseError:
            raise ParseError("malformed OBJECT IDENTIFIER", file=file, offset=offset) from None
        if len(_OID_TEXTS) < _OID_TEXTS_MAX:
            _OID_TEXTS[key] = text
    return text


def _oid_text(value: bytes) -> str:
    if not value or value[-1] & 0x80 or len(value) > 64:
        raise ParseError("malformed OBJECT IDENTIFIER")
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
