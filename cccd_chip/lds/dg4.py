"""DG4, encoded irises (ICAO 9303-10 §4.7.4): CBEFF group of ISO/IEC 19794-6:2005 records.

EAC-protected: readable only after Terminal Authentication (BSI TR-03110);
otherwise report :data:`NOT_READABLE` (the SOD still lists its hash). Each
``7F60`` template holds one rectilinear iris record (:mod:`.iris`) for one
eye; ``template`` gives the record header (default: mono JPEG 640 x 480, 8-bit).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Optional, Sequence

from . import _biometric_dg, cbeff, iris
from ._biometric_dg import NOT_READABLE, BiometricBlock, BiometricDG, BiometricImage
from .cbeff import BiometricGroup, BiometricInfo
from .iris import IrisImage

TAG = 0x76
FILE = "DG4"
DG4 = BiometricDG


def parse(raw: bytes, *, file: Optional[str] = FILE) -> BiometricDG:
    return _biometric_dg.parse(raw, 4, TAG, file or FILE)


def build(value: BiometricDG) -> bytes:
    return _biometric_dg.build(value, TAG)


def make(images: Sequence[IrisImage], template: Optional[iris.IrisRecord] = None) -> BiometricDG:
    """DG4 for the virtual chip: one template (BIT) per eye, subtype 01 right / 02 left (ISO/IEC 19785-3)."""
    base = template or iris.IrisRecord(())
    eyes: dict[int, list[IrisImage]] = {}
    for im in images:
        eyes.setdefault(im.eye, []).append(im)
    infos = tuple(
        BiometricInfo(cbeff.iris_header(eye if eye in (1, 2) else 0),
                      iris.build_record(replace(base, images=tuple(ims))))
        for eye, ims in eyes.items())
    return parse(cbeff.encode_file(TAG, BiometricGroup(len(infos), infos)))


__all__ = ["DG4", "NOT_READABLE", "TAG", "parse", "build", "make", "BiometricBlock", "BiometricImage"]
