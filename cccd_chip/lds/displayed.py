"""Displayed image data groups DG5-DG7 (ICAO 9303-10 §4.7.5-4.7.7).

``65|66|67 L { 02 count, 5F40|5F41|5F43 L image ... }``: displayed portrait,
reserved, displayed signature or usual mark. Images are JPEG or JPEG2000.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from ..errors import ParseError
from ..iso7816 import tlv
from . import face

COUNT_TAG = 0x02
IMAGE_TAGS = {5: 0x5F40, 6: 0x5F41, 7: 0x5F43}
DG_TAGS = {5: 0x65, 6: 0x66, 7: 0x67}
MAX_IMAGES = 255


@dataclass(frozen=True)
class DisplayedImage:
    tag: int
    image: bytes

    @property
    def image_format(self) -> str:
        return face.sniff_image(self.image)


@dataclass(frozen=True)
class DisplayedImages:
    dg: int
    count: Optional[int]
    images: tuple[DisplayedImage, ...]
    raw: bytes

    @property
    def count_mismatch(self) -> bool:
        return self.count is not None and self.count != len(self.images)


def parse(raw: bytes, dg: int, *, file: Optional[str] = None) -> DisplayedImages:
    file = file or f"DG{dg}"
    raw = bytes(raw)
    outer = tlv.decode_one(raw, expected_tag=DG_TAGS[dg], file=file)
    base = len(raw) - len(outer.value)
    count = None
    images: list[DisplayedImage] = []
    for item in tlv.iter_tlv(outer.value, file=file):
        if item.tag == COUNT_TAG and count is None and not images:
            if len(item.value) != 1:
                raise ParseError("bad image count", file=file, offset=base + item.offset)
            count = item.value[0]
        elif item.tag >= 0x5F00 and not item.constructed:
            images.append(DisplayedImage(item.tag, item.value))
        else:
            raise ParseError(f"unexpected tag {item.tag:X}", file=file, offset=base + item.offset)
        if len(images) > MAX_IMAGES:
            raise ParseError("too many images", file=file, offset=base + item.offset)
    return DisplayedImages(dg, count, tuple(images), raw)


def build(value: DisplayedImages) -> bytes:
    body = tlv.encode(COUNT_TAG, bytes([value.count])) if value.count is not None else b""
    body += b"".join(tlv.encode(i.tag, i.image) for i in value.images)
    return tlv.encode(DG_TAGS[value.dg], body)


def make(dg: int, images: Sequence[bytes]) -> DisplayedImages:
    v = DisplayedImages(dg, len(images), tuple(DisplayedImage(IMAGE_TAGS[dg], im) for im in images), b"")
    return parse(build(v), dg)
