"""The one Basic Access Control driver (ICAO 9303-11 §4.3.4): GET CHALLENGE, EXTERNAL AUTHENTICATE.

Randomness comes from the injected ``rng``: RND.IFD (8 bytes) first, then K.IFD
(16 bytes). The result holds the 3DES secure messaging session; the reader
installs it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ...channel import Channel
from ...errors import AccessDeniedError, ProtocolError
from ...iso7816 import commands
from ...sm.base import SecureMessaging
from ...sm.tdes import session
from .protocol import derive_keys, external_authenticate_data, open_ic_response, session_keys

Rng = Callable[[int], bytes]


@dataclass(frozen=True)
class BacResult:
    """A finished BAC: the 3DES SM session (KS_enc, KS_mac, SSC; ICAO 9303-11 §9.8) for the reader to install."""

    sm: SecureMessaging = field(repr=False)


def perform_bac(channel: Channel, k_seed: bytes, rng: Rng) -> BacResult:
    """Run BAC over ``channel`` with the MRZ key seed ``k_seed`` (ICAO 9303-11 §4.3.4.1)."""
    keys = derive_keys(k_seed)
    r = channel.transmit(commands.get_challenge(8))
    if not r.ok:
        raise ProtocolError("BAC: GET CHALLENGE refused", step="BAC GET CHALLENGE", sw=r.sw)
    rnd_ic = r.data
    if len(rnd_ic) != 8:
        raise ProtocolError(f"BAC: challenge of {len(rnd_ic)} bytes (expected 8)", step="BAC GET CHALLENGE")
    rnd_ifd = rng(8)
    k_ifd = rng(16)
    data = external_authenticate_data(keys, rnd_ic, rnd_ifd, k_ifd)
    r = channel.transmit(commands.external_authenticate(data))
    if r.sw == 0x6300 or (r.sw1 == 0x63) or r.sw == 0x6982:
        raise AccessDeniedError("BAC: chip refused the MRZ key (wrong document number, birth or expiry date?)",
                                step="BAC EXTERNAL AUTHENTICATE", sw=r.sw)
    if not r.ok:
        raise ProtocolError("BAC: EXTERNAL AUTHENTICATE failed", step="BAC EXTERNAL AUTHENTICATE", sw=r.sw)
    k_ic = open_ic_response(keys, r.data, rnd_ic, rnd_ifd)
    sk = session_keys(k_ifd, k_ic, rnd_ic, rnd_ifd)
    return BacResult(session(sk.k_enc, sk.k_mac, sk.ssc))
