"""The virtual card as data: files, secrets, keys, options, faults.

A card directory (written by :mod:`cccd_chip.emulator.personalize`) holds
``card.json`` and the raw files under ``files/``. ``card.json``::

    {"format": "cccd-virtual-card", "version": 1, "profile": "cccd-2021", "seed": 1,
     "atr": "3B..", "secrets": {"id": "...", "can": "...", "mrz": "...",
                                "document_number": "...", "date_of_birth": "YYMMDD",
                                "date_of_expiry": "YYMMDD"},
     "options": {...CardOptions...},
     "files": [{"name": "DG1", "fid": "0101", "sfi": 1, "path": "files/DG1.bin", "access": "sm"}, ...],
     "keys": {"aa": "keys/aa.pem", "ca": [...]},
     "faults": [{"name": "...", ...}],
     "quirks": [{"name": "...", "arg": ...}]}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Optional

from ..errors import UsageError

CARD_FORMAT = "cccd-virtual-card"
CARD_VERSION = 1
MAX_CARD_JSON = 1024 * 1024
MAX_CARD_FILE = 16 * 1024 * 1024


@dataclass(frozen=True)
class CardFile:
    name: str
    fid: int
    sfi: Optional[int]
    data: bytes
    access: str = "sm"  # "open" | "sm" | "eac"
    df: str = "app"  # "mf" (EF.CardAccess, EF.CardSecurity) | "app" (the eMRTD application)


@dataclass(frozen=True)
class CardOptions:
    """Behaviour knobs of a chip profile."""

    bac: bool = True
    max_le: int = 256  # largest short Le the chip answers in full
    extended: bool = False  # accepts extended-length APDUs
    max_ext_le: int = 0xFFFF
    mf_select_sw: int = 0x6D00  # SELECT MF answer (CCCD: 6D00)
    eof_warning: bool = False  # answer 6282 when fewer than Le bytes remain
    sfi: bool = True

    def to_json(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["mf_select_sw"] = f"{self.mf_select_sw:04X}"
        return d

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "CardOptions":
        kw = {k: d[k] for k in cls.__dataclass_fields__ if k in d}
        if isinstance(kw.get("mf_select_sw"), str):
            kw["mf_select_sw"] = int(kw["mf_select_sw"], 16)
        return cls(**kw)


@dataclass(frozen=True)
class VirtualCard:
    profile: str
    seed: int
    atr: bytes
    files: Mapping[str, CardFile]
    secrets: Mapping[str, str]
    options: CardOptions = field(default_factory=CardOptions)
    keys: Mapping[str, Any] = field(default_factory=dict)  # card.json "keys": JSON values
    faults: tuple[object, ...] = ()  # card.json "faults" (emulator/faults.py): JSON values
    directory: Optional[Path] = None
    quirks: tuple[object, ...] = ()  # card.json "quirks" (emulator/quirks.py): genuine behaviour of real chips

    def file_by_fid(self, fid: int, *, in_app: Optional[bool] = None) -> Optional[CardFile]:
        """The file with this FID in the current DF (``in_app``), else a unique MF file."""
        return self._find(lambda f: f.fid == fid, in_app)

    def file_by_sfi(self, sfi: int, *, in_app: Optional[bool] = None) -> Optional[CardFile]:
        return self._find(lambda f: f.sfi == sfi, in_app)

    def _find(self, match: Callable[[CardFile], bool], in_app: Optional[bool]) -> Optional[CardFile]:
        hits = [f for f in self.files.values() if match(f)]
        if in_app is None or not hits:
            return hits[0] if hits else None
        want = "app" if in_app else "mf"
        for f in hits:
            if f.df == want:
                return f
        if in_app:  # MF files with FIDs unique on the card stay reachable (EF.CardAccess)
            for f in hits:
                if f.df == "mf" and f.name in ("CardAccess", "ATRINFO"):
                    return f
        return None

    @property
    def mrz_information(self) -> Optional[bytes]:
        from ..access.passwords import mrz_information

        s = self.secrets
        if not all(k in s for k in ("document_number", "date_of_birth", "date_of_expiry")):
            return None
        return mrz_information(s["document_number"], s["date_of_birth"], s["date_of_expiry"])

    @classmethod
    def load(cls, directory: "str | Path") -> "VirtualCard":
        """A virtual card folder; card.json through the one JSON loader, files as regular files only."""
        from ..json_input import load_json
        from ..safe_files import read_regular_file

        d = Path(directory)
        if not (d / "card.json").exists():
            raise UsageError(f"{d} is not a virtual card directory (no card.json)")
        raw = read_regular_file(d / "card.json", MAX_CARD_JSON, error=UsageError, follow_symlinks=True)
        meta = load_json(raw, what=f"{d / 'card.json'}", max_size=MAX_CARD_JSON, max_depth=16, error=UsageError)
        if not isinstance(meta, dict) or meta.get("format") != CARD_FORMAT or meta.get("version") != CARD_VERSION:
            raise UsageError(f"{d / 'card.json'} is not a {CARD_FORMAT} v{CARD_VERSION}")
        try:
            files = {}
            for f in meta.get("files", []):
                data = read_regular_file(d / f["path"], MAX_CARD_FILE, error=UsageError, follow_symlinks=True)
                files[f["name"]] = CardFile(
                    f["name"], int(f["fid"], 16), f.get("sfi"), data, f.get("access", "sm"),
                    f.get("df", "mf" if f["name"] in ("CardAccess", "CardSecurity", "ATRINFO") else "app"),
                )
            return cls(
                profile=meta.get("profile", "?"),
                seed=int(meta.get("seed", 0)),
                atr=bytes.fromhex(meta["atr"]),
                files=files,
                secrets=dict(meta.get("secrets", {})),
                options=CardOptions.from_json(meta.get("options", {})),
                keys=dict(meta.get("keys", {})),
                faults=tuple(meta.get("faults", [])),
                directory=d,
                quirks=tuple(meta.get("quirks", [])),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise UsageError(f"{d / 'card.json'} is not a valid virtual card ({type(e).__name__})") from None
