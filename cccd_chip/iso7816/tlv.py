"""BER-TLV codec with hard limits (ISO/IEC 7816-4 §5.2, ISO/IEC 8825-1).

Tags are returned as integers holding all tag bytes (``0x5F1F``, ``0x7F61``).
Limits:
- a tag has at most ``MAX_TAG_BYTES`` bytes;
- a length has at most 4 length bytes (``84 xx xx xx xx``) and can never
  exceed the bytes actually present after the header;
- nested decoding stops at ``MAX_DEPTH``;
- every loop advances by at least one byte, so work is linear in the input.

All failures raise :class:`cccd_chip.errors.ParseError` with the byte offset.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Iterator, Optional

from ..errors import ParseError
from ..values import FrozenValue

MAX_TAG_BYTES: Final = 3
MAX_LENGTH_BYTES: Final = 4
MAX_DEPTH: Final = 32


@dataclass(frozen=True)
class Header(FrozenValue):
    """A decoded TLV header: tag, value length, header size, constructed bit."""

    tag: int
    length: int
    header_len: int
    constructed: bool

    @property
    def total_len(self) -> int:
        return self.header_len + self.length


@dataclass(frozen=True)
class Tlv(FrozenValue):
    """One TLV element; ``children`` is filled for constructed tags by ``decode_tree``."""

    tag: int
    value: bytes
    offset: int = 0
    constructed: bool = False
    children: tuple["Tlv", ...] = field(default=(), compare=False)

    def find(self, tag: int) -> Optional["Tlv"]:
        for child in self.children:
            if child.tag == tag:
                return child
        return None

    def find_all(self, tag: int) -> list["Tlv"]:
        return [c for c in self.children if c.tag == tag]


def read_tag(data: bytes, offset: int = 0, *, file: Optional[str] = None) -> tuple[int, int, bool]:
    """Read a tag at ``offset``; return (tag, number of tag bytes, constructed)."""
    n = len(data)
    if offset >= n:
        raise ParseError("TLV truncated: missing tag", offset=offset, file=file)
    first = data[offset]
    constructed = bool(first & 0x20)
    if first in (0x00, 0xFF):
        raise ParseError(f"TLV invalid tag byte {first:02X}", offset=offset, file=file)
    tag = first
    size = 1
    if first & 0x1F == 0x1F:
        while True:
            if offset + size >= n:
                raise ParseError("TLV truncated inside a multi-byte tag", offset=offset, file=file)
            b = data[offset + size]
            tag = (tag << 8) | b
            size += 1
            if not b & 0x80:
                break
            if size >= MAX_TAG_BYTES:
                raise ParseError("TLV tag too long", offset=offset, file=file)
    return tag, size, constructed


def read_length(data: bytes, offset: int, *, file: Optional[str] = None) -> tuple[int, int]:
    """Read a length at ``offset``; return (length, number of length bytes)."""
    n = len(data)
    if offset >= n:
        raise ParseError("TLV truncated: missing length", offset=offset, file=file)
    first = data[offset]
    if first < 0x80:
        return first, 1
    count = first & 0x7F
    if count == 0:
        raise ParseError("TLV indefinite length not allowed", offset=offset, file=file)
    if count > MAX_LENGTH_BYTES:
        raise ParseError(f"TLV length field of {count} bytes is too long", offset=offset, file=file)
    if offset + 1 + count > n:
        raise ParseError("TLV truncated inside a length field", offset=offset, file=file)
    length = int.from_bytes(data[offset + 1 : offset + 1 + count], "big")
    return length, 1 + count


def read_header(
    data: bytes, offset: int = 0, *, file: Optional[str] = None, allow_truncated: bool = False,
    end: Optional[int] = None,
) -> Header:
    """Decode the header at ``offset``; the element must end by ``end`` (default: len(data)).

    Unless ``allow_truncated`` (used when only the start of an EF was read),
    the declared length must fit in the bytes present.
    """
    limit = len(data) if end is None else end
    tag, tag_len, constructed = read_tag(data, offset, file=file)
    length, len_len = read_length(data, offset + tag_len, file=file)
    header_len = tag_len + len_len
    if offset + header_len > limit or (not allow_truncated and offset + header_len + length > limit):
        raise ParseError(
            f"TLV length {length} exceeds the {max(0, limit - offset - header_len)} bytes present",
            offset=offset,
            file=file,
        )
    return Header(tag, length, header_len, constructed)


def iter_tlv(data: bytes, offset: int = 0, end: Optional[int] = None, *, file: Optional[str] = None) -> Iterator[Tlv]:
    """Iterate over consecutive TLVs in ``data[offset:end]`` (one level)."""
    end = len(data) if end is None else min(end, len(data))
    pos = offset
    while pos < end:
        h = read_header(data, pos, file=file, end=end)
        start = pos + h.header_len
        yield Tlv(h.tag, bytes(data[start : start + h.length]), pos, h.constructed)
        pos = start + h.length


def decode(data: bytes, *, file: Optional[str] = None) -> list[Tlv]:
    """Decode a flat sequence of TLVs that must exactly fill ``data``."""
    return list(iter_tlv(data, file=file))


def decode_one(data: bytes, *, expected_tag: Optional[int] = None, file: Optional[str] = None, strict: bool = True) -> Tlv:
    """Decode exactly one TLV; with ``strict`` no trailing byte is allowed."""
    h = read_header(data, 0, file=file)
    if expected_tag is not None and h.tag != expected_tag:
        raise ParseError(f"expected tag {expected_tag:02X}, found {h.tag:02X}", offset=0, file=file)
    if strict and h.total_len != len(data):
        raise ParseError(f"{len(data) - h.total_len} trailing bytes after TLV", offset=h.total_len, file=file)
    return Tlv(h.tag, bytes(data[h.header_len : h.total_len]), 0, h.constructed)


def decode_tree(data: bytes, *, file: Optional[str] = None, max_depth: int = MAX_DEPTH, base: int = 0) -> list[Tlv]:
    """Decode ``data`` recursively; constructed tags get their ``children``."""
    return _decode_tree(data, 0, len(data), 0, max_depth, file, base)


def _decode_tree(data: bytes, start: int, end: int, depth: int, max_depth: int, file: Optional[str],
                 base: int) -> list[Tlv]:
    if depth > max_depth:
        raise ParseError("TLV nesting too deep", offset=base + start, file=file)
    out: list[Tlv] = []
    pos = start
    while pos < end:
        h = read_header(data, pos, file=file, end=end)
        vstart = pos + h.header_len
        vend = vstart + h.length
        children: tuple[Tlv, ...] = ()
        if h.constructed:
            children = tuple(_decode_tree(data, vstart, vend, depth + 1, max_depth, file, base))
        out.append(Tlv(h.tag, bytes(data[vstart:vend]), base + pos, h.constructed, children))
        pos = vend
    return out


def encode_tag(tag: int) -> bytes:
    if tag < 0:
        raise ValueError("negative tag")
    return tag.to_bytes(max(1, (tag.bit_length() + 7) // 8), "big")


def encode_length(length: int) -> bytes:
    """DER length (short form below 128, else the minimal long form)."""
    if length < 0:
        raise ValueError("negative length")
    if length < 0x80:
        return bytes([length])
    body = length.to_bytes((length.bit_length() + 7) // 8, "big")
    if len(body) > MAX_LENGTH_BYTES:
        raise ValueError("length too large")
    return bytes([0x80 | len(body)]) + body


def encode(tag: int, value: bytes) -> bytes:
    """Encode one TLV with a DER length."""
    return encode_tag(tag) + encode_length(len(value)) + bytes(value)


def encode_many(items: list[tuple[int, bytes]]) -> bytes:
    return b"".join(encode(t, v) for t, v in items)


def total_length_from_prefix(prefix: bytes, *, file: Optional[str] = None) -> tuple[int, int]:
    """From the first bytes of an EF, return (total EF length, header length).

    Used to know how much to read; the length is still bounded later by the
    bytes actually received and by the caller's maximum file size.
    """
    h = read_header(prefix, 0, file=file, allow_truncated=True)
    return h.total_len, h.header_len
