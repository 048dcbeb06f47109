"""The one Active Authentication driver (ICAO 9303-11 §6.1): INTERNAL AUTHENTICATE.

Randomness comes from the injected ``rng`` (RND.IFD, 8 bytes). The result is
evidence only (``Evidence.aa_challenge`` / ``aa_signature``); verification of the
signature is ``cccd_chip.verify.active_auth``'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from ...channel import Channel
from .protocol import CHALLENGE_LENGTH, internal_authenticate

Rng = Callable[[int], bytes]


@dataclass(frozen=True)
class ActiveAuthResult:
    """The challenge sent and the chip's answer: ``signature`` None when it refused (``sw``)."""

    challenge: bytes
    signature: Optional[bytes]
    sw: int


def perform_active_authentication(channel: Channel, rng: Rng) -> ActiveAuthResult:
    """Send a fresh challenge with INTERNAL AUTHENTICATE and return the chip's signature."""
    challenge = rng(CHALLENGE_LENGTH)
    r = channel.transmit(internal_authenticate(challenge))
    return ActiveAuthResult(challenge, r.data if r.ok and r.data else None, r.sw)
