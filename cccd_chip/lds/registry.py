"""The LDS1 file registry (ICAO 9303-10 §4.6-4.7, Table 36/38; BSI TR-03110-3 §A.1.2).

One row per elementary file: name, DG number, FID, SFI, tag and the module
that parses and builds it. Modules are imported lazily to keep imports light.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any, Optional

from ..errors import ParseError
from ..frozen import frozen_dataclass


@frozen_dataclass
class FileInfo:
    name: str  # "COM", "SOD", "DG1".."DG16", "CardAccess", "CardSecurity"
    fid: int
    sfi: Optional[int]
    tag: Optional[int]  # outer tag, None for the SecurityInfos/CMS files without one
    module: str  # module under cccd_chip.lds
    dg: Optional[int] = None
    title: str = ""
    eac_protected: bool = False

    def load(self) -> ModuleType:
        return importlib.import_module(f"{__package__}.{self.module}")

    def parse(self, raw: bytes) -> Any:
        """The parsed file: the parser class of ``module`` (a lazily loaded module, hence ``Any``)."""
        return self.load().parse(raw, file=self.name)

    def build(self, value: Any) -> bytes:
        out: bytes = self.load().build(value)
        return out


_DG_TAGS = {
    1: 0x61, 2: 0x75, 3: 0x63, 4: 0x76, 5: 0x65, 6: 0x66, 7: 0x67, 8: 0x68,
    9: 0x69, 10: 0x6A, 11: 0x6B, 12: 0x6C, 13: 0x6D, 14: 0x6E, 15: 0x6F, 16: 0x70,
}
_DG_TITLES = {
    1: "MRZ", 2: "Encoded face", 3: "Encoded fingerprints", 4: "Encoded irises",
    5: "Displayed portrait", 6: "Reserved", 7: "Displayed signature or usual mark",
    8: "Data features", 9: "Structure features", 10: "Substance features",
    11: "Additional personal details", 12: "Additional document details",
    13: "Optional details (Vietnam: personal data)", 14: "Security options",
    15: "Active Authentication public key", 16: "Persons to notify",
}
_DG_MODULES = {
    1: "dg1", 2: "dg2", 3: "dg3", 4: "dg4", 5: "dg5", 6: "dg6", 7: "dg7",
    8: "dg_generic", 9: "dg_generic", 10: "dg_generic",
    11: "dg11", 12: "dg12", 13: "dg13", 14: "dg14", 15: "dg15", 16: "dg16",
}

FILES: tuple[FileInfo, ...] = (
    FileInfo("CardAccess", 0x011C, 0x1C, None, "card_access", title="EF.CardAccess"),
    FileInfo("CardSecurity", 0x011D, 0x1D, None, "card_security", title="EF.CardSecurity"),
    FileInfo("COM", 0x011E, 0x1E, 0x60, "com", title="EF.COM"),
    FileInfo("SOD", 0x011D, 0x1D, 0x77, "sod", title="EF.SOD"),
) + tuple(
    FileInfo(f"DG{n}", 0x0100 + n, n, _DG_TAGS[n], _DG_MODULES[n], n, _DG_TITLES[n], n in (3, 4))
    for n in range(1, 17)
)

BY_NAME = {f.name: f for f in FILES}
BY_DG = {f.dg: f for f in FILES if f.dg is not None}
BY_TAG = {f.tag: f for f in FILES if f.tag is not None}


def by_name(name: str) -> FileInfo:
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown LDS file {name!r}") from None


def dg_for_tag(tag: int) -> Optional[int]:
    f = BY_TAG.get(tag)
    return f.dg if f else None


def tag_for_dg(dg: int) -> int:
    return _DG_TAGS[dg]


def identify(raw: bytes) -> Optional[FileInfo]:
    """Guess the file from its first byte (tagged files; SET 0x31 -> CardAccess; 0x30 -> CardSecurity)."""
    if not raw:
        return None
    if raw[0] == 0x31:
        return BY_NAME["CardAccess"]
    if raw[0] == 0x30:
        return BY_NAME["CardSecurity"]
    return BY_TAG.get(raw[0])


def parse_file(name: str, raw: bytes) -> Any:
    """Parse any LDS file by name; only ParseError/UnsupportedError escape."""
    info = BY_NAME.get(name)
    if info is None:
        raise ParseError(f"unknown LDS file {name!r}", file=name)
    return info.parse(raw)
