"""DG16, persons to notify (ICAO 9303-10 §4.7.16).

``70 L { 02 n, A1 {5F50 date recorded, 5F51 name, 5F52 telephone, 5F53 address}, A2 {...} ... }``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional, Sequence

from . import _tagged as t
from .dg_generic import Node

TAG = 0x70
FILE = "DG16"
PERSON_FIELDS = {0x5F50: "date_recorded", 0x5F51: "name", 0x5F52: "telephone", 0x5F53: "address"}


@dataclass(frozen=True)
class DG16:
    nodes: tuple[Node, ...]
    raw: bytes

    @property
    def count(self) -> Optional[int]:
        n = t.first(self.nodes, t.COUNT)
        return int.from_bytes(n.value, "big") if n is not None and n.value else None

    @property
    def persons(self) -> tuple[dict[str, str], ...]:
        out = []
        for n in self.nodes:
            if n.constructed and 0xA1 <= n.tag <= 0xBF:
                out.append({PERSON_FIELDS.get(c.tag, f"tag_{c.tag:X}"): t.text(c.value)
                            for c in n.children if not c.constructed})
        return tuple(out)


def parse(raw: bytes, *, file: Optional[str] = FILE) -> DG16:
    raw = bytes(raw)
    return DG16(t.parse_nodes(raw, TAG, file), raw)


def build(value: DG16) -> bytes:
    return t.encode_nodes(TAG, value.nodes)


def make(persons: Sequence[Mapping[str, str]]) -> DG16:
    by_name = {v: k for k, v in PERSON_FIELDS.items()}
    nodes = [t.leaf(t.COUNT, bytes([len(persons)]))]
    for i, p in enumerate(persons):
        nodes.append(t.template(0xA1 + i, [t.leaf(by_name[k], v.encode("utf-8")) for k, v in p.items()]))
    v = DG16(tuple(nodes), b"")
    return parse(build(v))
