"""EF.CardAccess (ICAO 9303-11 §9.2.1; BSI TR-03110-3 §A.1.2.4): a bare ``SET OF SecurityInfo``.

Unsigned: anything security-relevant in it must be confirmed by a
PA-verified EF.CardSecurity or DG14.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from . import security_infos as si
from .security_infos import SecurityInfos

FILE = "CardAccess"


@dataclass(frozen=True)
class CardAccess:
    security_infos: SecurityInfos
    raw: bytes


def parse(raw: bytes, *, file: Optional[str] = FILE) -> CardAccess:
    raw = bytes(raw)
    return CardAccess(si.parse(raw, file=file or FILE), raw)


def build(value: CardAccess) -> bytes:
    return si.build(value.security_infos.infos, der_sort=False)


def make(infos: Sequence[si.SecurityInfo], *, der_sort: bool = True) -> CardAccess:
    return parse(si.build(infos, der_sort=der_sort))
