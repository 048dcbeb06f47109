"""DG7 (ICAO 9303-10 §4.7.7): displayed image(s); see :mod:`cccd_chip.lds.displayed`."""

from __future__ import annotations

from typing import Optional, Sequence

from . import displayed
from .displayed import DisplayedImages

TAG = displayed.DG_TAGS[7]
FILE = "DG7"


def parse(raw: bytes, *, file: Optional[str] = FILE) -> DisplayedImages:
    return displayed.parse(raw, 7, file=file)


def build(value: DisplayedImages) -> bytes:
    return displayed.build(value)


def make(images: Sequence[bytes]) -> DisplayedImages:
    return displayed.make(7, images)
