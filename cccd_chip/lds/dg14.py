"""DG14, security options (ICAO 9303-10 §4.7.14, 9303-11 §9.2): ``6E L SecurityInfos``.

The SET keeps the order and bytes read: re-encoding (or DER re-sorting) before
hashing has broken Passive Authentication elsewhere (JMRTD DG14 SET reorder).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from ..iso7816 import tlv
from . import security_infos as si
from .security_infos import SecurityInfos

TAG = 0x6E
FILE = "DG14"


@dataclass(frozen=True)
class DG14:
    security_infos: SecurityInfos
    raw: bytes


def parse(raw: bytes, *, file: Optional[str] = FILE) -> DG14:
    raw = bytes(raw)
    outer = tlv.decode_one(raw, expected_tag=TAG, file=file)
    base = len(raw) - len(outer.value)
    return DG14(si.parse(outer.value, file=file or FILE, base=base), raw)


def build(value: DG14) -> bytes:
    """Encode in the value's SET order (each info's own bytes kept)."""
    return tlv.encode(TAG, si.build(value.security_infos.infos, der_sort=False))


def make(infos: Sequence[si.SecurityInfo], *, der_sort: bool = True) -> DG14:
    """DG14 for the virtual chip; DER SET order by default."""
    return parse(tlv.encode(TAG, si.build(infos, der_sort=der_sort)))
