"""Personalisation of virtual cards: ``personalize(profile, seed, out_dir)``.

Writes a card directory (see :mod:`cccd_chip.emulator.card`) that fully
describes one card. Same profile and seed give byte-identical files.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import UsageError
from ..iso7816 import tlv
from .card import CARD_FORMAT, CARD_VERSION, CardOptions
from .holder import Holder, invent

PROFILES = ("cccd-2021",)

# ISO/IEC 14443-4 card through a PC/SC reader: 3B 8n 80 01 <historical bytes> TCK
_HIST = b"VNM-CCCD"


def make_atr(historical: bytes = _HIST) -> bytes:
    body = bytes([0x3B, 0x80 | len(historical), 0x80, 0x01]) + historical
    tck = 0
    for b in body[1:]:
        tck ^= b
    return body + bytes([tck])


def build_com(tags: list[int]) -> bytes:
    """EF.COM: LDS version 0107, Unicode 040000, tag list (ICAO 9303-10 §4.6.1)."""
    return tlv.encode(0x60, tlv.encode(0x5F01, b"0107") + tlv.encode(0x5F36, b"040000")
                      + tlv.encode(0x5C, bytes(tags)))


def build_dg1_td1(lines: tuple[str, str, str]) -> bytes:
    return tlv.encode(0x61, tlv.encode(0x5F1F, "".join(lines).encode("ascii")))


def personalize(profile: str, seed: int, out: "str | Path") -> Path:
    if profile not in PROFILES:
        raise UsageError(f"unknown profile {profile!r} (known: {', '.join(PROFILES)})")
    holder: Holder = invent(seed)
    out = Path(out)
    (out / "files").mkdir(parents=True, exist_ok=True)
    files = {
        "COM": (0x011E, 30, build_com([0x61, 0x75, 0x63, 0x6D, 0x6E, 0x6F]), "sm"),
        "DG1": (0x0101, 1, build_dg1_td1(holder.mrz_td1()), "sm"),
    }
    entries = []
    for name, (fid, sfi, data, access) in files.items():
        (out / "files" / f"{name}.bin").write_bytes(data)
        entries.append({"name": name, "fid": f"{fid:04X}", "sfi": sfi, "path": f"files/{name}.bin",
                        "access": access})
    meta = {
        "format": CARD_FORMAT,
        "version": CARD_VERSION,
        "profile": profile,
        "seed": seed,
        "atr": make_atr().hex().upper(),
        "secrets": {
            "id": holder.id_number,
            "can": holder.can,
            "document_number": holder.document_number,
            "date_of_birth": holder.dob_yymmdd,
            "date_of_expiry": holder.doe_yymmdd,
            "mrz": "\n".join(holder.mrz_td1()),
        },
        "options": CardOptions().to_json(),
        "files": entries,
        "keys": {},
        "faults": [],
    }
    (out / "card.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n")
    return out
