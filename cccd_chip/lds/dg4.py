"""DG4, encoded irises (ISO/IEC 19794-6) (ICAO 9303-10 §4.7.4); EAC-protected.

Readable only after Terminal Authentication; otherwise report
:data:`NOT_READABLE` (the SOD still lists its hash).
"""

from __future__ import annotations

from typing import Optional

from . import _biometric_dg
from ._biometric_dg import NOT_READABLE, BiometricDG

TAG = 0x76
FILE = "DG4"
DG4 = BiometricDG


def parse(raw: bytes, *, file: Optional[str] = FILE) -> BiometricDG:
    return _biometric_dg.parse(raw, 4, TAG, file or FILE)


def build(value: BiometricDG) -> bytes:
    return _biometric_dg.build(value, TAG)


__all__ = ["DG4", "NOT_READABLE", "TAG", "parse", "build"]
