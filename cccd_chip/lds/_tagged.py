"""Shared model of the tagged-text data groups DG11, DG12, DG16 (ICAO 9303-10 §4.7.11-4.7.16).

The content is kept as a list of TLV nodes in file order (so build is exact);
typed accessors read the known tags. Text is UTF-8 (LDS 1.8) or, failing
that, ISO/IEC 8859-1 (LDS 1.7).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional, Sequence, Union

from ..iso7816 import tlv
from .dg_generic import Node, _encode, _nodes

#: A field value given to :func:`make_nodes`: text, bytes (images), a list of texts (repeated tags).
FieldInput = Union[str, bytes, Sequence[str], None]
#: A field value shown by :func:`display_fields`: text (or a byte count), a list for repeated tags.
FieldText = Union[str, list[str]]

TAG_LIST = 0x5C
COUNT = 0x02


@dataclass(frozen=True)
class TaggedDG:
    """Nodes in file order + the raw bytes; accessors for the known tags."""

    nodes: tuple[Node, ...]
    raw: bytes

    @property
    def tag_list(self) -> tuple[int, ...]:
        return tag_list(self.nodes)

    def get(self, tag: int) -> Optional[str]:
        """A primitive field as text (None when absent)."""
        n = first(self.nodes, tag)
        return text(n.value) if n is not None and not n.constructed else None

    def get_bytes(self, tag: int) -> Optional[bytes]:
        """A primitive field as bytes (None when absent)."""
        n = first(self.nodes, tag)
        return n.value if n is not None and not n.constructed else None


def text(value: bytes) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


def parse_nodes(raw: bytes, tag: int, file: Optional[str]) -> tuple[Node, ...]:
    outer = tlv.decode_one(raw, expected_tag=tag, file=file)
    return _nodes(outer.value, file, 0, len(raw) - len(outer.value))


def encode_nodes(tag: int, nodes: tuple[Node, ...]) -> bytes:
    return tlv.encode(tag, _encode(nodes))


def first(nodes: tuple[Node, ...], tag: int) -> Optional[Node]:
    for n in nodes:
        if n.tag == tag:
            return n
    return None


def tag_list(nodes: tuple[Node, ...]) -> tuple[int, ...]:
    n = first(nodes, TAG_LIST)
    if n is None:
        return ()
    out, pos = [], 0
    while pos < len(n.value):
        try:
            t, size, _ = tlv.read_tag(n.value, pos)
        except Exception:  # noqa: BLE001 - informative list only
            break
        out.append(t)
        pos += size
    return tuple(out)


def texts(nodes: tuple[Node, ...], tag: int, template: Optional[int] = 0xA0) -> tuple[str, ...]:
    """All values of ``tag``: flat, or inside the counted template (A0 {02 n, tag...})."""
    out = [text(n.value) for n in nodes if n.tag == tag and not n.constructed]
    for t in nodes:
        if template is not None and t.tag == template and t.constructed:
            out.extend(text(c.value) for c in t.children if c.tag == tag and not c.constructed)
    return tuple(out)


def leaf(tag: int, value: bytes) -> Node:
    return Node(tag, value)


def template(tag: int, children: list[Node]) -> Node:
    return Node(tag, b"", tuple(children), True)


def encode_tag_list(tags: list[int]) -> Node:
    return Node(TAG_LIST, b"".join(tlv.encode_tag(t) for t in tags))


def display_fields(nodes: tuple[Node, ...], fields: Mapping[int, str], binary: set[int], repeated: set[int],
                   template: int) -> dict[str, FieldText]:
    """Known fields by name for display: text, lists for repeated tags, byte counts for images."""
    out: dict[str, FieldText] = {}
    for tag, name in fields.items():
        if tag in repeated:
            values = texts(nodes, tag, template)
            if values:
                out[name] = list(values)
            continue
        n = first(nodes, tag)
        if n is None or n.constructed:
            continue
        out[name] = f"<{len(n.value)} bytes>" if tag in binary else text(n.value)
    return out


def make_nodes(fields: Mapping[int, str], repeated: set[int], template_tag: int,
               values: Mapping[str, FieldInput]) -> tuple[Node, ...]:
    """Tag list + one node per given value (names of ``fields``); repeated ones in a template
    with their count (ICAO 9303-10 §4.7.11-12)."""
    by_name = {v: k for k, v in fields.items()}
    nodes: list[Node] = []
    tags: list[int] = []
    for name, value in values.items():
        if value is None:
            continue
        tag = by_name[name]
        tags.append(tag)
        if tag in repeated:
            if isinstance(value, (str, bytes)):
                raise TypeError(f"{name} is a repeated field: give a list of texts")
            nodes.append(template(template_tag, [leaf(0x02, bytes([len(value)]))]
                                  + [leaf(tag, v.encode("utf-8")) for v in value]))
        else:
            if not isinstance(value, (str, bytes)):
                raise TypeError(f"{name} is a single field: give a text or bytes")
            nodes.append(leaf(tag, value if isinstance(value, bytes) else value.encode("utf-8")))
    return (encode_tag_list(tags), *nodes)
