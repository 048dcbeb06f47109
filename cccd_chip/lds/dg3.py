"""DG3, encoded fingerprints (ICAO 9303-10 §4.7.3): CBEFF group of ISO/IEC 19794-4:2005 records.

EAC-protected: readable only after Terminal Authentication (BSI TR-03110);
otherwise report :data:`NOT_READABLE` (the SOD still lists its hash). Each
``7F60`` template holds one finger image record (:mod:`.finger`); the
virtual chip writes one record per finger, WSQ compressed, as issuers do.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Optional, Sequence

from . import _biometric_dg, cbeff, finger
from ._biometric_dg import NOT_READABLE, BiometricBlock, BiometricDG, BiometricImage
from .cbeff import BiometricGroup, BiometricInfo
from .finger import FingerView

TAG = 0x63
FILE = "DG3"
DG3 = BiometricDG


def parse(raw: bytes, *, file: Optional[str] = FILE) -> BiometricDG:
    return _biometric_dg.parse(raw, 3, TAG, file or FILE)


def build(value: BiometricDG) -> bytes:
    return _biometric_dg.build(value, TAG)


def make(views: Sequence[FingerView], template: Optional[finger.FingerRecord] = None) -> BiometricDG:
    """DG3 for the virtual chip: one template (BIT) per finger view, each a one-view 19794-4 record
    with the general header of ``template`` (default: WSQ, 500 ppi, 8-bit, acquisition level 31)."""
    base = template or finger.FingerRecord(())
    infos = tuple(
        BiometricInfo(cbeff.finger_header(finger.cbeff_subtype(v.position)),
                      finger.build_record(replace(base, views=(v,))))
        for v in views)
    return parse(cbeff.encode_file(TAG, BiometricGroup(len(infos), infos)))


__all__ = ["DG3", "NOT_READABLE", "TAG", "parse", "build", "make", "BiometricBlock", "BiometricImage"]
