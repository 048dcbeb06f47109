"""DG12, additional document details (ICAO 9303-10 §4.7.12).

``6C L { 5C tag list, 5F19 issuing authority, 5F26 date of issue (yyyymmdd),
A0 {02 n, 5F1A name of other person...}, 5F1B endorsements/observations,
5F1C tax/exit requirements, 5F1D image of front, 5F1E image of rear,
5F55 personalization date-time (yyyymmddhhmmss), 5F56 personalization system serial }``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from . import _tagged as t

TAG = 0x6C
FILE = "DG12"
OTHER_PERSONS_TEMPLATE = 0xA0

FIELDS = {
    0x5F19: "issuing_authority",
    0x5F26: "date_of_issue",
    0x5F1A: "other_persons",
    0x5F1B: "endorsements_observations",
    0x5F1C: "tax_exit_requirements",
    0x5F1D: "image_of_front",
    0x5F1E: "image_of_rear",
    0x5F55: "personalization_date_time",
    0x5F56: "personalization_system_serial",
}
BINARY = {0x5F1D, 0x5F1E}
REPEATED = {0x5F1A}


@dataclass(frozen=True)
class DG12(t.TaggedDG):
    """DG12: additional document details (nodes in file order, raw bytes kept)."""

    @property
    def other_persons(self) -> tuple[str, ...]:
        return t.texts(self.nodes, 0x5F1A, OTHER_PERSONS_TEMPLATE)

    def fields(self) -> dict[str, t.FieldText]:
        """Known fields by name (text; images as byte counts), for display."""
        return t.display_fields(self.nodes, FIELDS, BINARY, REPEATED, OTHER_PERSONS_TEMPLATE)


def parse(raw: bytes, *, file: Optional[str] = FILE) -> DG12:
    raw = bytes(raw)
    return DG12(t.parse_nodes(raw, TAG, file), raw)


def build(value: DG12) -> bytes:
    return t.encode_nodes(TAG, value.nodes)


def make(**fields: t.FieldInput) -> DG12:
    """DG12 from keyword fields (names of :data:`FIELDS`); repeated fields are lists."""
    v = DG12(t.make_nodes(FIELDS, REPEATED, OTHER_PERSONS_TEMPLATE, fields), b"")
    return parse(build(v))
