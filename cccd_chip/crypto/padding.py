"""ISO/IEC 9797-1 padding method 2 (ICAO 9303-11 §9.8.3)."""

from __future__ import annotations

from ..errors import SecureMessagingError


def pad(data: bytes, block: int = 8) -> bytes:
    """Append 80 then zeros up to a multiple of ``block``."""
    n = len(data) + 1
    return bytes(data) + b"\x80" + b"\x00" * ((-n) % block)


def unpad(data: bytes) -> bytes:
    """Remove method-2 padding; raise SecureMessagingError when it is invalid."""
    i = len(data) - 1
    while i >= 0 and data[i] == 0:
        i -= 1
    if i < 0 or data[i] != 0x80:
        raise SecureMessagingError("invalid ISO/IEC 9797-1 padding in cryptogram")
    return bytes(data[:i])
