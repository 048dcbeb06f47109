"""BER where CMS allows it (RFC 5652 §1.1, §5.4; X.690 §8.1.3.6, §8.7.3, §10, §11).

RFC 5652 lets a SignedData be BER-encoded: constructed elements with the
indefinite length form (``80`` ... ``00 00``) and an eContent OCTET STRING
split into constructed segments. At least one national PKI issues SODs like
that, and OpenSSL / pymrtd verify them. The project's CMS reader is a single
bounded DER pass, so a BER input is first brought into the definite form:

- :func:`definite` rewrites every indefinite length as a definite one and
  leaves every other byte as received: primitive contents (so the eContent
  octets that are hashed, the signature, the certificates) are never changed;
  it returns the very same object when the input has no indefinite length;
- :func:`canonical_der` re-encodes a small element (the signed attributes)
  in DER: minimal definite lengths, constructed strings flattened, SET OF
  sorted. RFC 5652 §5.4: the signature is over the DER of the signed
  attributes, whatever encoding they were stored in;
- :func:`indefinite` is the reverse, for the test PKI and the virtual chip:
  it turns a DER structure into BER with indefinite lengths and segmented
  OCTET STRINGs, copying chosen elements (certificates) verbatim.

Bounds (the card is an attacker): nesting at most ``MAX_DER_DEPTH``, at most
``MAX_DER_NODES`` elements, output at most ``max_size`` bytes, every
end-of-contents inside its parent, indefinite length only on constructed
elements. Only :class:`ParseError` leaves this module.
"""

from __future__ import annotations

from typing import Optional

from ..errors import ParseError
from ..iso7816.tlv import encode_length, read_length, read_tag
from ._der import MAX_DER_DEPTH, MAX_DER_NODES, sort_der

DEFAULT_MAX_SIZE = 16 * 1024 * 1024
# X.690 §8.21 / §8.7: string types whose constructed form (tag | 0x20) DER forbids
_STRING_TAGS = frozenset({0x04, 0x0C, 0x12, 0x13, 0x14, 0x15, 0x16, 0x1A, 0x1B, 0x1C, 0x1E})


class _Walk:
    """Shared counters of one rewrite (node budget, output budget)."""

    def __init__(self, data: bytes, file: Optional[str], base: int, max_size: int) -> None:
        self.data = data
        self.file = file
        self.base = base
        self.max_size = max_size
        self.nodes = 0
        self.changed = False

    def fail(self, message: str, pos: int) -> ParseError:
        return ParseError(message, file=self.file, offset=self.base + pos)

    def header(self, pos: int, end: int) -> tuple[int, int, bool, Optional[int], int]:
        """(tag bytes length, length-field length, constructed, length | None if indefinite, value start)."""
        self.nodes += 1
        if self.nodes > MAX_DER_NODES:
            raise self.fail("too many TLV elements", pos)
        if pos >= end:
            raise self.fail("TLV truncated: missing tag", pos)
        try:
            _, tag_len, constructed = read_tag(self.data, pos, file=self.file)
            lpos = pos + tag_len
            if lpos >= end:
                raise self.fail("TLV truncated: missing length", pos)
            if self.data[lpos] == 0x80:
                if not constructed:
                    raise self.fail("indefinite length on a primitive element", pos)
                return tag_len, 1, True, None, lpos + 1
            length, len_len = read_length(self.data, lpos, file=self.file)
        except ParseError as exc:
            if exc.file == self.file and exc.offset is not None and exc.offset >= self.base + pos:
                raise
            raise self.fail(exc.message, pos) from None
        vs = lpos + len_len
        if vs + length > end:
            raise self.fail(f"TLV length {length} exceeds the {max(0, end - vs)} bytes present", pos)
        return tag_len, len_len, constructed, length, vs


def _rewrite(w: _Walk, pos: int, end: int, depth: int) -> tuple[bytes, int]:
    """The element at ``pos`` in definite form, and the position after it."""
    if depth > MAX_DER_DEPTH:
        raise w.fail("ASN.1 nesting too deep", pos)
    data = w.data
    tag_len, _, constructed, length, vs = w.header(pos, end)
    if length is not None and not constructed:
        return data[pos : vs + length], vs + length
    parts: list[bytes] = []
    size = 0
    if length is None:  # indefinite: children until end-of-contents, inside the parent
        w.changed = True
        p = vs
        while True:
            if p + 2 > end:
                raise w.fail("end-of-contents missing before the end of the enclosing element", p)
            if data[p] == 0:
                if data[p + 1] != 0:
                    raise w.fail("malformed end-of-contents", p)
                p += 2
                break
            chunk, p = _rewrite(w, p, end, depth + 1)
            parts.append(chunk)
            size += len(chunk)
            if size > w.max_size:
                raise w.fail("BER element larger than the allowed maximum", pos)
        after = p
    else:
        ve = vs + length
        p = vs
        before = w.changed
        w.changed = False
        while p < ve:
            chunk, p = _rewrite(w, p, ve, depth + 1)
            parts.append(chunk)
        inner_changed = w.changed
        w.changed = before or inner_changed
        if not inner_changed:
            return data[pos:ve], ve
        after = ve
    body = b"".join(parts)
    if len(body) > w.max_size:
        raise w.fail("BER element larger than the allowed maximum", pos)
    return data[pos : pos + tag_len] + encode_length(len(body)) + body, after


def definite(
    data: bytes, *, file: Optional[str] = None, base: int = 0, max_size: int = DEFAULT_MAX_SIZE
) -> bytes:
    """``data`` (one BER element, nothing after it) with every indefinite length made definite.

    Primitive contents and every element without an indefinite length inside
    are copied byte for byte. Returns ``data`` itself when nothing changed.
    """
    data = bytes(data)
    if len(data) > max_size:
        raise ParseError("BER input larger than the allowed maximum", file=file, offset=base)
    w = _Walk(data, file, base, max_size)
    out, after = _rewrite(w, 0, len(data), 0)
    if after != len(data):
        raise ParseError(f"{len(data) - after} trailing bytes after the outer TLV", file=file, offset=base + after)
    return out if w.changed else data


def has_indefinite_length(data: bytes, *, file: Optional[str] = None) -> bool:
    """True when the (well-formed) BER element ``data`` uses the indefinite form somewhere."""
    return definite(data, file=file) is not data


def canonical_der(element: bytes, *, file: Optional[str] = None, max_size: int = 1024 * 1024) -> bytes:
    """DER re-encoding of one small BER element (X.690 §10, §11).

    Definite minimal lengths, constructed string types flattened into their
    primitive form, the components of every SET / SET OF sorted (§11.6).
    Primitive contents are kept (a BER-only primitive such as a non-minimal
    INTEGER stays as it is: no signer re-encodes those).
    """
    element = definite(element, file=file, max_size=max_size)
    w = _Walk(element, file, 0, max_size)
    out, after = _canonical(w, 0, len(element), 0)
    if after != len(element):
        raise ParseError("trailing bytes after the element", file=file, offset=after)
    return out


def _canonical(w: _Walk, pos: int, end: int, depth: int) -> tuple[bytes, int]:
    if depth > MAX_DER_DEPTH:
        raise w.fail("ASN.1 nesting too deep", pos)
    data = w.data
    tag_len, _, constructed, length, vs = w.header(pos, end)
    assert length is not None  # ``definite`` ran first
    ve = vs + length
    tag = data[pos : pos + tag_len]
    if not constructed:
        return tag + encode_length(length) + data[vs:ve], ve
    if tag_len == 1 and (tag[0] & 0xDF) in _STRING_TAGS and not tag[0] & 0xC0:
        return bytes([tag[0] & 0xDF]) + _flatten(w, vs, ve, depth + 1, tag[0] & 0xDF), ve
    parts = []
    p = vs
    while p < ve:
        chunk, p = _canonical(w, p, ve, depth + 1)
        parts.append(chunk)
    if tag == b"\x31":
        parts = sort_der(parts)
    body = b"".join(parts)
    return tag + encode_length(len(body)) + body, ve


def _flatten(w: _Walk, vs: int, ve: int, depth: int, prim: int) -> bytes:
    """Length + contents of a constructed string (X.690 §8.7.3): its segments joined, in order."""
    pieces: list[bytes] = []
    _segments(w, vs, ve, depth, prim, pieces)
    body = b"".join(pieces)
    return encode_length(len(body)) + body


def _segments(w: _Walk, p: int, e: int, depth: int, prim: int, out: list[bytes]) -> None:
    if depth > MAX_DER_DEPTH:
        raise w.fail("ASN.1 nesting too deep", p)
    while p < e:
        tag_len, _, constructed, length, s = w.header(p, e)
        assert length is not None
        if tag_len != 1 or (w.data[p] & 0xDF) != prim:
            raise w.fail("constructed string with a segment of another type", p)
        if constructed:
            _segments(w, s, s + length, depth + 1, prim, out)
        else:
            out.append(w.data[s : s + length])
        p = s + length


def indefinite(
    data: bytes, *, verbatim: frozenset[bytes] = frozenset(), segment: int = 0, max_depth: int = MAX_DER_DEPTH
) -> bytes:
    """BER of a DER element: constructed elements in indefinite form (for tests and the virtual chip).

    Elements whose encoding is in ``verbatim`` (e.g. certificates, which are
    signed in DER) are copied unchanged. With ``segment`` > 0 every primitive
    OCTET STRING longer than ``segment`` becomes a constructed, indefinite
    OCTET STRING of ``segment``-byte pieces (X.690 §8.7.3.2).
    """
    w = _Walk(bytes(data), None, 0, DEFAULT_MAX_SIZE)
    out, after = _to_ber(w, 0, len(w.data), 0, verbatim, segment, max_depth)
    if after != len(w.data):
        raise ParseError("trailing bytes after the element", offset=after)
    return out


def _to_ber(
    w: _Walk, pos: int, end: int, depth: int, verbatim: frozenset[bytes], segment: int, max_depth: int
) -> tuple[bytes, int]:
    if depth > max_depth:
        raise w.fail("ASN.1 nesting too deep", pos)
    data = w.data
    tag_len, _, constructed, length, vs = w.header(pos, end)
    if length is None:
        raise w.fail("input must be DER", pos)
    ve = vs + length
    whole = data[pos:ve]
    if whole in verbatim:
        return whole, ve
    tag = data[pos : pos + tag_len]
    if not constructed:
        if tag == b"\x04" and 0 < segment < length:
            pieces = [data[i : min(i + segment, ve)] for i in range(vs, ve, segment)]
            return b"\x24\x80" + b"".join(b"\x04" + encode_length(len(p)) + p for p in pieces) + b"\x00\x00", ve
        return whole, ve
    parts = []
    p = vs
    while p < ve:
        chunk, p = _to_ber(w, p, ve, depth + 1, verbatim, segment, max_depth)
        parts.append(chunk)
    return tag + b"\x80" + b"".join(parts) + b"\x00\x00", ve


__all__ = ["definite", "canonical_der", "indefinite", "has_indefinite_length", "DEFAULT_MAX_SIZE"]
