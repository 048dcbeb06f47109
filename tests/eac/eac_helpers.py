"""Helpers of the EAC tests: copies of a card's terminal chain folder, edited."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "emulator"))  # emu_helpers


def chain_copy(card: Path, dest: Path, *, without=(), edit=None) -> Path:
    """A copy of the card's terminal chain folder, some files left out, one file edited."""
    dest.mkdir(parents=True, exist_ok=True)
    for p in (card / "eac" / "chain").iterdir():
        if p.name in without:
            continue
        data = p.read_bytes()
        if edit is not None and p.name == edit[0]:
            data = edit[1](data)
        (dest / p.name).write_bytes(data)
    return dest


def flip_last(data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 0x01])


def drop_cvca(card: Path, dest: Path) -> Path:
    return chain_copy(card, dest, without=("cvca.cvcert",))

