"""DG3, encoded fingerprints (ISO/IEC 19794-4) (ICAO 9303-10 §4.7.3); EAC-protected.

Readable only after Terminal Authentication; otherwise report
:data:`NOT_READABLE` (the SOD still lists its hash).
"""

from __future__ import annotations

from typing import Optional

from . import _biometric_dg
from ._biometric_dg import NOT_READABLE, BiometricDG

TAG = 0x63
FILE = "DG3"
DG3 = BiometricDG


def parse(raw: bytes, *, file: Optional[str] = FILE) -> BiometricDG:
    return _biometric_dg.parse(raw, 3, TAG, file or FILE)


def build(value: BiometricDG) -> bytes:
    return _biometric_dg.build(value, TAG)


__all__ = ["DG3", "NOT_READABLE", "TAG", "parse", "build"]
