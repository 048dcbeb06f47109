"""DG6 (ICAO 9303-10 §4.7.6): displayed image(s); see :mod:`cccd_chip.lds.displayed`."""

from __future__ import annotations

from typing import Optional, Sequence

from . import displayed
from .displayed import DisplayedImages

TAG = displayed.DG_TAGS[6]
FILE = "DG6"


def parse(raw: bytes, *, file: Optional[str] = FILE) -> DisplayedImages:
    return displayed.parse(raw, 6, file=file)


def build(value: DisplayedImages) -> bytes:
    return displayed.build(value)


def make(images: Sequence[bytes]) -> DisplayedImages:
    return displayed.make(6, images)
