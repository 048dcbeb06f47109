"""DG11, additional personal details (ICAO 9303-10 §4.7.11).

``6B L { 5C tag list, 5F0E full name, A0 {02 n, 5F0F other name...}, 5F10
personal number, 5F2B full date of birth (yyyymmdd), 5F11 place of birth,
5F42 address, 5F12 telephone, 5F13 profession, 5F14 title, 5F15 personal
summary, 5F16 proof of citizenship (image), 5F17 other valid TD numbers,
5F18 custody information }``. Absent on the CCCD (6A82): data is in DG13.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from . import _tagged as t

TAG = 0x6B
FILE = "DG11"
OTHER_NAMES_TEMPLATE = 0xA0

FIELDS = {
    0x5F0E: "full_name",
    0x5F0F: "other_names",
    0x5F10: "personal_number",
    0x5F2B: "full_date_of_birth",
    0x5F11: "place_of_birth",
    0x5F42: "address",
    0x5F12: "telephone",
    0x5F13: "profession",
    0x5F14: "title",
    0x5F15: "personal_summary",
    0x5F16: "proof_of_citizenship",
    0x5F17: "other_valid_td_numbers",
    0x5F18: "custody_information",
}
BINARY = {0x5F16}
REPEATED = {0x5F0F}


@dataclass(frozen=True)
class DG11(t.TaggedDG):
    """DG11: additional personal details (nodes in file order, raw bytes kept)."""

    @property
    def other_names(self) -> tuple[str, ...]:
        return t.texts(self.nodes, 0x5F0F, OTHER_NAMES_TEMPLATE)

    @property
    def proof_of_citizenship(self) -> Optional[bytes]:
        n = t.first(self.nodes, 0x5F16)
        return n.value if n is not None else None

    def fields(self) -> dict[str, t.FieldText]:
        """Known fields by name (text; images as byte counts), for display."""
        return t.display_fields(self.nodes, FIELDS, BINARY, REPEATED, OTHER_NAMES_TEMPLATE)


def parse(raw: bytes, *, file: Optional[str] = FILE) -> DG11:
    raw = bytes(raw)
    return DG11(t.parse_nodes(raw, TAG, file), raw)


def build(value: DG11) -> bytes:
    return t.encode_nodes(TAG, value.nodes)


def make(**fields: t.FieldInput) -> DG11:
    """DG11 from keyword fields (names of :data:`FIELDS`); repeated fields are lists."""
    v = DG11(t.make_nodes(FIELDS, REPEATED, OTHER_NAMES_TEMPLATE, fields), b"")
    return parse(build(v))
