"""DG13 of the Vietnamese CCCD: personal data (cccd-chip-facts §3; ICAO 9303-10 §4.7.13 "optional details").

    6D L  SEQUENCE {
            INTEGER 1,                              -- version
            OBJECT IDENTIFIER 1.0.10646.1.0.8,      -- UTF-8 transfer encoding
            SET { SEQUENCE { INTEGER n, value... } ... } }

Fields are read by number, never by position; absent fields are absent.
Values are UTF8String (0C) or PrintableString (13). Field 13 (parents) has
two observed nestings and field 14 (spouse) two forms: inside those fields
all strings are collected in order. Everything is kept as a node tree so
``build(parse(b)) == b`` for canonical DER input.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import Optional, Union, cast

from ..errors import ParseError
from ..iso7816 import tlv
from ._der import decode_oid, der_oid

TAG = 0x6D
FILE = "DG13"
UTF8_OID = "1.0.10646.1.0.8"
UTF8 = 0x0C
PRINTABLE = 0x13
STRING_TAGS = (UTF8, PRINTABLE, 0x16, 0x1E, 0x14)  # + IA5String, BMPString, T61String
MAX_DEPTH = 8
MAX_FIELDS = 64
NO_EXPIRY_TEXT = "Không thời hạn"

FIELD_NAMES = {
    1: "id_number",
    2: "full_name",
    3: "date_of_birth",
    4: "sex",
    5: "nationality",
    6: "ethnicity",
    7: "religion",
    8: "place_of_origin",
    9: "place_of_residence",
    10: "identifying_marks",
    11: "date_of_issue",
    12: "date_of_expiry",
    13: "parents",
    14: "spouse",
    15: "old_id_number",
    16: "field_16",
}
DATE_FIELDS = (3, 11, 12)
_PRINTABLE_FIELDS = (1, 3, 11, 15, 16)
_PRINTABLE_RE = re.compile(r"^[A-Za-z0-9 '()+,\-./:=?]*$")
_DATE_RE = re.compile(r"^([0-9]{2})/([0-9]{2})/([0-9]{4})$")


@dataclass(frozen=True)
class Node:
    """One ASN.1 element inside a DG13 field: a primitive value or a SEQUENCE of nodes."""

    tag: int
    value: bytes = b""
    children: tuple["Node", ...] = ()
    constructed: bool = False

    @property
    def is_string(self) -> bool:
        return not self.constructed and self.tag in STRING_TAGS

    @property
    def text(self) -> str:
        """The string value (invalid UTF-8 shown with replacement characters)."""
        if self.tag == 0x1E:
            return self.value.decode("utf-16-be", errors="replace")
        return self.value.decode("utf-8", errors="replace")

    def strings(self) -> tuple["Node", ...]:
        if self.is_string:
            return (self,)
        out: list[Node] = []
        for c in self.children:
            out.extend(c.strings())
        return tuple(out)


@dataclass(frozen=True)
class Field:
    """SEQUENCE { INTEGER number, items... } of the DG13 SET."""

    number: int
    items: tuple[Node, ...]

    def strings(self) -> tuple[str, ...]:
        out: list[str] = []
        for n in self.items:
            out.extend(s.text for s in n.strings())
        return tuple(out)

    @property
    def layout(self) -> str:
        """How the strings are nested: 'plain', 'empty', 'nested' (field 14) or 'A'/'B' (field 13)."""
        if not self.items:
            return "empty"
        if all(n.is_string for n in self.items):
            return "plain"
        if self.number == 13:
            if len(self.items) == 1 and self.items[0].constructed and all(c.is_string for c in self.items[0].children):
                return "B"
            if all(n.constructed for n in self.items):
                return "A"
        return "nested"


DateOrText = Union[_dt.date, str]


@dataclass(frozen=True)
class CCCDPersonalData:
    """Typed view of DG13 (cccd-chip-facts §3.2); None = field absent."""

    id_number: Optional[str] = None
    full_name: Optional[str] = None
    date_of_birth: Optional[DateOrText] = None
    sex: Optional[str] = None
    nationality: Optional[str] = None
    ethnicity: Optional[str] = None
    religion: Optional[str] = None
    place_of_origin: Optional[str] = None
    place_of_residence: Optional[str] = None
    identifying_marks: Optional[str] = None
    date_of_issue: Optional[DateOrText] = None
    date_of_expiry: Optional[DateOrText] = None
    father_name: Optional[str] = None
    mother_name: Optional[str] = None
    spouse_name: Optional[str] = None
    old_id_number: Optional[str] = None
    field_16: Optional[str] = None

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {}
        for k, v in self.__dict__.items():
            if v is not None:
                out[k] = v.isoformat() if isinstance(v, _dt.date) else v
        return out


@dataclass(frozen=True)
class DG13:
    version: Optional[int]
    encoding_oid: Optional[str]
    fields: tuple[Field, ...]  # SET order as read
    raw: bytes = b""

    def field(self, number: int) -> Optional[Field]:
        for f in self.fields:
            if f.number == number:
                return f
        return None

    def text(self, number: int) -> Optional[str]:
        """First string of the field, None if the field is absent or holds none."""
        f = self.field(number)
        if f is None:
            return None
        s = f.strings()
        return s[0] if s else None

    @property
    def duplicate_numbers(self) -> tuple[int, ...]:
        seen: set[int] = set()
        dup = []
        for f in self.fields:
            if f.number in seen:
                dup.append(f.number)
            seen.add(f.number)
        return tuple(dup)

    @property
    def personal_data(self) -> CCCDPersonalData:
        def t(n: int) -> Optional[str]:
            return self.text(n)

        def d(n: int) -> Optional[DateOrText]:
            v = t(n)
            return None if v is None else to_date(v)

        f13, f14 = self.field(13), self.field(14)
        parents = f13.strings() if f13 else ()
        spouse = f14.strings() if f14 else ()
        return CCCDPersonalData(
            id_number=t(1), full_name=t(2), date_of_birth=d(3), sex=t(4), nationality=t(5),
            ethnicity=t(6), religion=t(7), place_of_origin=t(8), place_of_residence=t(9),
            identifying_marks=t(10), date_of_issue=d(11), date_of_expiry=d(12),
            father_name=parents[0] if len(parents) > 0 else None,
            mother_name=parents[1] if len(parents) > 1 else None,
            spouse_name=spouse[0] if spouse else None,
            old_id_number=t(15), field_16=t(16),
        )


def to_date(text: str) -> DateOrText:
    """``dd/mm/yyyy`` -> date; anything else (e.g. "Không thời hạn") stays text."""
    m = _DATE_RE.match(text.strip())
    if not m:
        return text
    try:
        return _dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        return text


def from_date(value: DateOrText) -> str:
    return value.strftime("%d/%m/%Y") if isinstance(value, _dt.date) else value


# --- parse ------------------------------------------------------------------


def _nodes(data: bytes, base: int, depth: int, file: Optional[str]) -> tuple[Node, ...]:
    if depth > MAX_DEPTH:
        raise ParseError("DG13 nesting too deep", file=file, offset=base)
    out = []
    for item in tlv.iter_tlv(data, file=file):
        if item.constructed:
            hl = tlv.read_header(data, item.offset, file=file).header_len
            out.append(Node(item.tag, b"", _nodes(item.value, base + item.offset + hl, depth + 1, file), True))
        else:
            out.append(Node(item.tag, item.value))
    return tuple(out)


def parse(raw: bytes, *, file: Optional[str] = FILE) -> DG13:
    raw = bytes(raw)
    outer = tlv.decode_one(raw, expected_tag=TAG, file=file)
    base = len(raw) - len(outer.value)
    seq = tlv.decode_one(outer.value, expected_tag=0x30, file=file)
    sbase = base + (len(outer.value) - len(seq.value))
    version = oid = None
    fields_set = None
    set_off = sbase
    for item in tlv.iter_tlv(seq.value, file=file):
        off = sbase + item.offset
        if item.tag == 0x02 and version is None and oid is None and fields_set is None:
            if not 1 <= len(item.value) <= 4:
                raise ParseError("bad DG13 version", file=file, offset=off)
            version = int.from_bytes(item.value, "big", signed=True)
        elif item.tag == 0x06 and oid is None and fields_set is None:
            oid = decode_oid(item.value, file=file, offset=off)
        elif item.tag == 0x31 and fields_set is None:
            fields_set = item
            set_off = off + tlv.read_header(seq.value, item.offset, file=file).header_len
        else:
            raise ParseError(f"unexpected tag {item.tag:02X} in DG13", file=file, offset=off)
    if fields_set is None:
        raise ParseError("DG13 without its SET of fields", file=file, offset=sbase)
    fields = []
    for item in tlv.iter_tlv(fields_set.value, file=file):
        off = set_off + item.offset
        if item.tag != 0x30:
            raise ParseError("DG13 field is not a SEQUENCE", file=file, offset=off)
        hl = tlv.read_header(fields_set.value, item.offset, file=file).header_len
        inner = _nodes(item.value, off + hl, 1, file)
        if not inner or inner[0].tag != 0x02 or inner[0].constructed or not 1 <= len(inner[0].value) <= 2:
            raise ParseError("DG13 field without its number", file=file, offset=off)
        fields.append(Field(int.from_bytes(inner[0].value, "big"), inner[1:]))
        if len(fields) > MAX_FIELDS:
            raise ParseError("too many DG13 fields", file=file, offset=off)
    return DG13(version, oid, tuple(fields), raw)


# --- build ------------------------------------------------------------------


def _encode_nodes(nodes: tuple[Node, ...]) -> bytes:
    return b"".join(tlv.encode(n.tag, _encode_nodes(n.children) if n.constructed else n.value) for n in nodes)


def _encode_field(f: Field) -> bytes:
    number = f.number.to_bytes(max(1, (f.number.bit_length() + 8) // 8), "big")
    return tlv.encode(0x30, tlv.encode(0x02, number) + _encode_nodes(f.items))


def build(value: DG13) -> bytes:
    """DG13 bytes; fields in the value's order (the SET order of the card)."""
    body = b""
    if value.version is not None:
        body += tlv.encode(0x02, value.version.to_bytes(max(1, (value.version.bit_length() + 8) // 8), "big", signed=True))
    if value.encoding_oid is not None:
        body += der_oid(value.encoding_oid)
    body += tlv.encode(0x31, b"".join(_encode_field(f) for f in value.fields))
    return tlv.encode(TAG, tlv.encode(0x30, body))


def _string(number: int, text: str) -> Node:
    tag = PRINTABLE if number in _PRINTABLE_FIELDS and _PRINTABLE_RE.match(text) else UTF8
    return Node(tag, text.encode("utf-8"))


def build_personal_data(
    pd: CCCDPersonalData,
    *,
    parents_layout: str = "A",
    spouse_form: str = "auto",
    version: int = 1,
) -> DG13:
    """DG13 for the virtual chip's personaliser.

    ``parents_layout``: "A" (each name in its own SEQUENCE) or "B" (both names
    in one SEQUENCE). ``spouse_form``: "auto" (INTEGER only when no spouse,
    else a nested SEQUENCE), "omit" (field absent when no spouse).
    Field 12 is a UTF8String (it may hold "Không thời hạn").
    """
    fields: list[Field] = []
    simple = {
        1: pd.id_number, 2: pd.full_name, 3: pd.date_of_birth, 4: pd.sex, 5: pd.nationality,
        6: pd.ethnicity, 7: pd.religion, 8: pd.place_of_origin, 9: pd.place_of_residence,
        10: pd.identifying_marks, 11: pd.date_of_issue, 12: pd.date_of_expiry,
    }
    for n, v in simple.items():
        if v is None:
            continue
        text = from_date(v) if n in DATE_FIELDS else cast(str, v)  # fields outside DATE_FIELDS are Optional[str]
        node = Node(UTF8, text.encode("utf-8")) if n == 12 else _string(n, text)
        fields.append(Field(n, (node,)))
    if pd.father_name is not None or pd.mother_name is not None:
        names = [Node(UTF8, (pd.father_name or "").encode("utf-8"))]
        if pd.mother_name is not None:
            names.append(Node(UTF8, pd.mother_name.encode("utf-8")))
        if parents_layout == "A":
            items = tuple(Node(0x30, b"", (nm,), True) for nm in names)
        elif parents_layout == "B":
            items = (Node(0x30, b"", tuple(names), True),)
        else:
            raise ValueError("parents_layout is 'A' or 'B'")
        fields.append(Field(13, items))
    if pd.spouse_name is not None:
        fields.append(Field(14, (Node(0x30, b"", (Node(UTF8, pd.spouse_name.encode("utf-8")),), True),)))
    elif spouse_form == "auto":
        fields.append(Field(14, ()))
    for n, v in ((15, pd.old_id_number), (16, pd.field_16)):
        if v is not None:
            fields.append(Field(n, (_string(n, v),)))
    value = DG13(version, UTF8_OID, tuple(fields))
    return parse(build(value))
