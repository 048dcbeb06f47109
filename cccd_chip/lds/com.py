"""EF.COM, the common data elements (ICAO 9303-10 §4.6.1).

``60 L { 5F01 LDS version "0107", 5F36 Unicode version "040000", 5C tag list }``.
EF.COM is unsigned and deprecated; it is a hint, the SOD is authoritative.
Unknown elements are kept (``extra``) and unknown tags in the list too.
"""

from __future__ import annotations

import re
from typing import Optional

from ..errors import ParseError
from ..frozen import frozen_dataclass
from ..iso7816 import tlv
from . import registry

TAG = 0x60
LDS_VERSION_TAG = 0x5F01
UNICODE_VERSION_TAG = 0x5F36
TAG_LIST_TAG = 0x5C
FILE = "COM"
_DIGITS4 = re.compile(r"^[0-9]{4}$")
_DIGITS6 = re.compile(r"^[0-9]{6}$")


@frozen_dataclass
class Com:
    lds_version: Optional[str]  # "0107" = LDS 1.7
    unicode_version: Optional[str]  # "040000" = Unicode 4.0.0
    tags: tuple[int, ...]  # data group tags as listed, in order
    extra: tuple[tuple[int, bytes], ...] = ()  # unknown elements (tag, value)
    raw: bytes = b""

    @property
    def data_groups(self) -> tuple[int, ...]:
        """DG numbers of the known tags, in list order."""
        return tuple(dg for dg in (registry.dg_for_tag(t) for t in self.tags) if dg is not None)

    @property
    def unknown_tags(self) -> tuple[int, ...]:
        return tuple(t for t in self.tags if registry.dg_for_tag(t) is None)

    @property
    def lds_version_text(self) -> Optional[str]:
        v = self.lds_version
        if v and _DIGITS4.match(v):
            return f"{int(v[:2])}.{int(v[2:])}"
        return v

    @property
    def unicode_version_text(self) -> Optional[str]:
        v = self.unicode_version
        if v and _DIGITS6.match(v):
            return f"{int(v[:2])}.{int(v[2:4])}.{int(v[4:])}"
        return v


def _text(value: bytes) -> str:
    return value.decode("latin-1")


def _tag_list(value: bytes, *, file: Optional[str], base: int) -> tuple[int, ...]:
    tags = []
    pos = 0
    while pos < len(value):
        tag, size, _ = tlv.read_tag(value, pos, file=file)
        tags.append(tag)
        pos += size
    return tuple(tags)


def parse(raw: bytes, *, file: Optional[str] = FILE) -> Com:
    raw = bytes(raw)
    outer = tlv.decode_one(raw, expected_tag=TAG, file=file)
    base = len(raw) - len(outer.value)
    lds = uni = None
    tags: Optional[tuple[int, ...]] = None
    extra = []
    for item in tlv.iter_tlv(outer.value, file=file):
        if item.tag == LDS_VERSION_TAG and lds is None:
            lds = _text(item.value)
        elif item.tag == UNICODE_VERSION_TAG and uni is None:
            uni = _text(item.value)
        elif item.tag == TAG_LIST_TAG and tags is None:
            try:
                tags = _tag_list(item.value, file=file, base=base + item.offset)
            except ParseError as exc:
                raise ParseError("EF.COM tag list", file=file, offset=base + item.offset) from exc
        else:
            extra.append((item.tag, item.value))
    return Com(lds, uni, tags or (), tuple(extra), raw)


def build(value: Com) -> bytes:
    parts = []
    if value.lds_version is not None:
        parts.append(tlv.encode(LDS_VERSION_TAG, value.lds_version.encode("latin-1")))
    if value.unicode_version is not None:
        parts.append(tlv.encode(UNICODE_VERSION_TAG, value.unicode_version.encode("latin-1")))
    parts.append(tlv.encode(TAG_LIST_TAG, b"".join(tlv.encode_tag(t) for t in value.tags)))
    parts.extend(tlv.encode(t, v) for t, v in value.extra)
    return tlv.encode(TAG, b"".join(parts))


def make(data_groups: list[int], lds_version: str = "0107", unicode_version: str = "040000") -> Com:
    """An EF.COM value listing ``data_groups`` (for the virtual chip)."""
    v = Com(lds_version, unicode_version, tuple(registry.tag_for_dg(n) for n in data_groups))
    return Com(v.lds_version, v.unicode_version, v.tags, (), build(v))
