"""Active Authentication, the pure step (ICAO 9303-11 §6.1.1): an 8-byte challenge RND.IFD
sent with INTERNAL AUTHENTICATE; the chip signs it with the private key of DG15."""

from __future__ import annotations

from ...errors import ProtocolError
from ...iso7816 import commands
from ...iso7816.apdu import CommandApdu

CHALLENGE_LENGTH = 8  # RND.IFD (ICAO 9303-11 §6.1.1)


def internal_authenticate(challenge: bytes) -> CommandApdu:
    """INTERNAL AUTHENTICATE with RND.IFD; Le 256 (the signature's length is the chip's)."""
    if len(challenge) != CHALLENGE_LENGTH:
        raise ProtocolError(f"AA: challenge of {len(challenge)} bytes (expected {CHALLENGE_LENGTH})", step="AA")
    return commands.internal_authenticate(challenge)
