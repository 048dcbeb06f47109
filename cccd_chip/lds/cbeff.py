"""CBEFF biometric templates in the LDS (ISO/IEC 7816-11, ISO/IEC 19785-3, ICAO 9303-10 §4.7.2).

``7F61`` Biometric Information Group Template { ``02`` count, ``7F60`` BIT ... }
``7F60`` BIT { ``A1`` Biometric Header Template, ``5F2E``/``7F2E`` biometric data block }
Groups may nest (a ``7F61`` inside a ``7F61``); depth is bounded. The data
block is kept as raw bytes; its format is decoded by the DG module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Optional, Union

from ..errors import ParseError
from ..iso7816 import tlv

BIGT_TAG = 0x7F61
BIT_TAG = 0x7F60
BHT_TAG = 0xA1
BDB_TAG = 0x5F2E
BDB_ENCIPHERED_TAG = 0x7F2E
COUNT_TAG = 0x02
MAX_GROUP_DEPTH = 4
MAX_INSTANCES = 255

# ISO/IEC 7816-11 Table C.4 / ICAO 9303-10 Table 40: BHT element names
BHT_NAMES = {
    0x80: "patron_header_version",
    0x81: "biometric_type",
    0x82: "biometric_subtype",
    0x83: "creation_date_time",
    0x84: "validity_period",  # some issuers
    0x85: "validity_period",
    0x86: "creator",
    0x87: "format_owner",
    0x88: "format_type",
}
BIOMETRIC_TYPES = {0x02: "face", 0x08: "fingerprint", 0x10: "iris"}


@dataclass(frozen=True)
class BiometricHeader:
    """BHT (A1): elements in file order, values raw."""

    elements: tuple[tuple[int, bytes], ...]

    def get(self, tag: int) -> Optional[bytes]:
        for t, v in self.elements:
            if t == tag:
                return v
        return None

    def _int(self, tag: int) -> Optional[int]:
        v = self.get(tag)
        return int.from_bytes(v, "big") if v else None

    @property
    def biometric_type(self) -> Optional[int]:
        return self._int(0x81)

    @property
    def biometric_subtype(self) -> Optional[int]:
        return self._int(0x82)

    @property
    def format_owner(self) -> Optional[int]:
        return self._int(0x87)

    @property
    def format_type(self) -> Optional[int]:
        return self._int(0x88)

    def to_dict(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for t, v in self.elements:
            out[BHT_NAMES.get(t, f"tag_{t:02X}")] = v.hex().upper()
        return out


@dataclass(frozen=True)
class BiometricInfo:
    """BIT (7F60): header and the raw biometric data block."""

    header: BiometricHeader
    data: bytes
    data_tag: int = BDB_TAG
    offset: int = 0  # byte offset of the BDB value in the file


@dataclass(frozen=True)
class BiometricGroup:
    """BIGT (7F61): the declared count and its templates (or nested groups)."""

    count: Optional[int]
    items: tuple[Union[BiometricInfo, "BiometricGroup"], ...]
    count_width: int = 1  # bytes of the count as encoded

    def infos(self) -> tuple[BiometricInfo, ...]:
        out: list[BiometricInfo] = []
        for it in self.items:
            out.extend(it.infos() if isinstance(it, BiometricGroup) else (it,))
        return tuple(out)


def _parse_bit(value: bytes, base: int, file: Optional[str]) -> BiometricInfo:
    header: Optional[BiometricHeader] = None
    data: Optional[bytes] = None
    data_tag = BDB_TAG
    data_off = base
    for tag, val, off, voff in items_with_offsets(value, base, file):
        if tag == BHT_TAG and header is None:
            # 7816-11: header elements are primitive context tags
            try:
                els = tuple((e.tag, e.value) for e in tlv.iter_tlv(val, file=file))
            except ParseError as exc:
                raise ParseError("biometric header template", file=file, offset=voff) from exc
            header = BiometricHeader(els)
        elif tag in (BDB_TAG, BDB_ENCIPHERED_TAG) and data is None:
            data, data_tag, data_off = val, tag, voff
        else:
            raise ParseError(f"unexpected tag {tag:X} in biometric template", file=file, offset=off)
    if header is None or data is None:
        raise ParseError("biometric template without header or data block", file=file, offset=base)
    return BiometricInfo(header, data, data_tag, data_off)


def items_with_offsets(value: bytes, base: int, file: Optional[str]) -> Iterator[tuple[int, bytes, int, int]]:
    """(tag, value, element offset, value offset) for each TLV of ``value``; offsets absolute."""
    for item in tlv.iter_tlv(value, file=file):
        hl = tlv.read_header(value, item.offset, file=file).header_len
        yield item.tag, item.value, base + item.offset, base + item.offset + hl


def parse_group(value: bytes, *, base: int = 0, file: Optional[str] = None, depth: int = 0) -> BiometricGroup:
    """Decode the value of a 7F61 group (count, then 7F60 / nested 7F61)."""
    if depth > MAX_GROUP_DEPTH:
        raise ParseError("biometric groups nested too deep", file=file, offset=base)
    count: Optional[int] = None
    width = 1
    items: list[Union[BiometricInfo, BiometricGroup]] = []
    for tag, val, off, voff in items_with_offsets(value, base, file):
        if tag == COUNT_TAG and count is None and not items:
            if not 1 <= len(val) <= 2:
                raise ParseError("bad biometric instance count", file=file, offset=off)
            count, width = int.from_bytes(val, "big"), len(val)
        elif tag == BIT_TAG:
            items.append(_parse_bit(val, voff, file))
        elif tag == BIGT_TAG:
            items.append(parse_group(val, base=voff, file=file, depth=depth + 1))
        else:
            raise ParseError(f"unexpected tag {tag:X} in biometric group", file=file, offset=off)
        if len(items) > MAX_INSTANCES:
            raise ParseError("too many biometric templates", file=file, offset=off)
    return BiometricGroup(count, tuple(items), width)


def parse_file(raw: bytes, tag: int, *, file: Optional[str]) -> BiometricGroup:
    """The single 7F61 group of a CBEFF data group (DG2, DG3, DG4)."""
    outer = tlv.decode_one(raw, expected_tag=tag, file=file)
    base = len(raw) - len(outer.value)
    items = list(items_with_offsets(outer.value, base, file))
    if len(items) != 1 or items[0][0] != BIGT_TAG:
        raise ParseError("data group must hold one biometric information group (7F61)", file=file, offset=base)
    return parse_group(items[0][1], base=items[0][3], file=file)


def encode_info(info: BiometricInfo) -> bytes:
    header = tlv.encode(BHT_TAG, b"".join(tlv.encode(t, v) for t, v in info.header.elements))
    return tlv.encode(BIT_TAG, header + tlv.encode(info.data_tag, info.data))


def encode_group(group: BiometricGroup) -> bytes:
    body = b""
    if group.count is not None:
        body = tlv.encode(COUNT_TAG, group.count.to_bytes(max(group.count_width, (group.count.bit_length() + 7) // 8, 1), "big"))
    for it in group.items:
        body += encode_group(it) if isinstance(it, BiometricGroup) else encode_info(it)
    return tlv.encode(BIGT_TAG, body)


def encode_file(tag: int, group: BiometricGroup) -> bytes:
    return tlv.encode(tag, encode_group(group))


def face_header(*, format_type: int = 0x0008, creation: Optional[bytes] = None) -> BiometricHeader:
    """A typical ICAO face BHT: version 1.1, type face, owner 0x0101 (SC37), type 0x0008 (19794-5)."""
    els = [(0x80, b"\x01\x01"), (0x81, b"\x02"), (0x82, b"\x00")]
    if creation is not None:
        els.append((0x83, creation))
    els += [(0x87, b"\x01\x01"), (0x88, format_type.to_bytes(2, "big"))]
    return BiometricHeader(tuple(els))


def finger_header(subtype: int, *, format_type: int = 0x0007) -> BiometricHeader:
    """An ICAO finger BHT (9303-10 §4.7.3): version 1.1, type fingerprint (08), the finger's subtype,
    owner 0x0101 (ISO/IEC JTC 1 SC 37), type 0x0007 (ISO/IEC 19794-4 finger image)."""
    return BiometricHeader(((0x80, b"\x01\x01"), (0x81, b"\x08"), (0x82, bytes([subtype])),
                            (0x87, b"\x01\x01"), (0x88, format_type.to_bytes(2, "big"))))


def iris_header(subtype: int, *, format_type: int = 0x0009) -> BiometricHeader:
    """An ICAO iris BHT (9303-10 §4.7.4): version 1.1, type iris (10), subtype 01 right / 02 left eye,
    owner 0x0101, type 0x0009 (ISO/IEC 19794-6 rectilinear iris image)."""
    return BiometricHeader(((0x80, b"\x01\x01"), (0x81, b"\x10"), (0x82, bytes([subtype])),
                            (0x87, b"\x01\x01"), (0x88, format_type.to_bytes(2, "big"))))
