"""Shared shape of the EAC-protected CBEFF data groups DG3 (fingerprints) and DG4 (irises).

ICAO 9303-10 §4.7.3-4.7.4; access needs Terminal Authentication (BSI TR-03110).
Without it the chip answers 6982: such a file is "present, not readable".
When the bytes are available the CBEFF framing is parsed, the data blocks
(ISO/IEC 19794-4/-6) are kept raw.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import cbeff
from .cbeff import BiometricGroup

NOT_READABLE = "present, not readable without Terminal Authentication (EAC)"


@dataclass(frozen=True)
class BiometricDG:
    dg: int
    group: BiometricGroup
    raw: bytes

    @property
    def count(self) -> int:
        return len(self.group.infos())


def parse(raw: bytes, dg: int, tag: int, file: str) -> BiometricDG:
    raw = bytes(raw)
    return BiometricDG(dg, cbeff.parse_file(raw, tag, file=file), raw)


def build(value: BiometricDG, tag: int) -> bytes:
    return cbeff.encode_file(tag, value.group)
