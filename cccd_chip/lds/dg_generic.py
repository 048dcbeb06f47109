"""DG8-DG10 (ICAO 9303-10 §4.7.8-4.7.10, data/structure/substance features).

Not decoded: kept as the TLV tree of their content (tag, value, children),
so they can be shown and rebuilt byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ..errors import ParseError
from ..iso7816 import tlv

MAX_DEPTH = 16


@dataclass(frozen=True)
class Node:
    tag: int
    value: bytes  # primitive value (empty for constructed)
    children: tuple["Node", ...] = ()
    constructed: bool = False


@dataclass(frozen=True)
class GenericDG:
    tag: int
    content: tuple[Node, ...]
    raw: bytes


def _nodes(data: bytes, file: Optional[str], depth: int, base: int) -> tuple[Node, ...]:
    if depth > MAX_DEPTH:
        raise ParseError("nesting too deep", file=file, offset=base)
    out = []
    for item in tlv.iter_tlv(data, file=file):
        if item.constructed:
            hl = tlv.read_header(data, item.offset, file=file).header_len
            out.append(Node(item.tag, b"", _nodes(item.value, file, depth + 1, base + item.offset + hl), True))
        else:
            out.append(Node(item.tag, item.value))
    return tuple(out)


def _encode(nodes: tuple[Node, ...]) -> bytes:
    return b"".join(tlv.encode(n.tag, _encode(n.children) if n.constructed else n.value) for n in nodes)


def parse(raw: bytes, *, file: Optional[str] = None) -> GenericDG:
    raw = bytes(raw)
    outer = tlv.decode_one(raw, file=file)
    return GenericDG(outer.tag, _nodes(outer.value, file, 0, len(raw) - len(outer.value)), raw)


def build(value: GenericDG) -> bytes:
    return tlv.encode(value.tag, _encode(value.content))
