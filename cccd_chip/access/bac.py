"""Basic Access Control (ICAO 9303-11 §4.3, Appendix D).

Pure steps (functions of bytes and keys) and one thin driver that does the
three transmits (GET CHALLENGE, EXTERNAL AUTHENTICATE). Randomness comes from
the injected ``rng``: RND.IFD (8 bytes) first, then K.IFD (16 bytes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from cryptography.hazmat.primitives import constant_time

from ..crypto import tdes
from ..crypto.kdf import kdf_enc, kdf_mac
from ..crypto.padding import pad
from ..errors import AccessDeniedError, ProtocolError
from ..iso7816 import commands
from ..sm.base import SmKeys

Rng = Callable[[int], bytes]


@dataclass(frozen=True)
class BacKeys:
    k_enc: bytes
    k_mac: bytes

    def __repr__(self) -> str:
        return "BacKeys(<secret>)"


def derive_keys(k_seed: bytes) -> BacKeys:
    """K_enc, K_mac from K_seed (ICAO 9303-11 §9.7.2)."""
    return BacKeys(kdf_enc(k_seed, "3DES"), kdf_mac(k_seed, "3DES"))


def _mac(k_mac: bytes, data: bytes) -> bytes:
    return tdes.retail_mac(k_mac, pad(data, 8))


def external_authenticate_data(keys: BacKeys, rnd_ic: bytes, rnd_ifd: bytes, k_ifd: bytes) -> bytes:
    """E_IFD || M_IFD with S = RND.IFD || RND.IC || K.IFD (§4.3.4.1 steps 1-3)."""
    if len(rnd_ic) != 8 or len(rnd_ifd) != 8 or len(k_ifd) != 16:
        raise ProtocolError("BAC: wrong nonce or key length", step="BAC")
    e_ifd = tdes.encrypt_cbc(keys.k_enc, rnd_ifd + rnd_ic + k_ifd)
    return e_ifd + _mac(keys.k_mac, e_ifd)


def open_ic_response(keys: BacKeys, resp: bytes, rnd_ic: bytes, rnd_ifd: bytes) -> bytes:
    """Check MAC first, then decrypt and check the echoes; return K.IC (§4.3.4.1 step 4)."""
    if len(resp) != 40:
        raise ProtocolError(f"BAC: EXTERNAL AUTHENTICATE response of {len(resp)} bytes (expected 40)", step="BAC")
    e_ic, m_ic = resp[:32], resp[32:]
    if not constant_time.bytes_eq(_mac(keys.k_mac, e_ic), m_ic):
        raise ProtocolError("BAC: chip cryptogram MAC invalid", step="BAC", reason="BAC_AUTH_FAILED")
    r = tdes.decrypt_cbc(keys.k_enc, e_ic)
    if not constant_time.bytes_eq(r[:8], rnd_ic) or not constant_time.bytes_eq(r[8:16], rnd_ifd):
        raise ProtocolError("BAC: nonce echo mismatch", step="BAC", reason="BAC_AUTH_FAILED")
    return r[16:32]


def session_keys(k_ifd: bytes, k_ic: bytes, rnd_ic: bytes, rnd_ifd: bytes) -> SmKeys:
    """KS_enc, KS_mac from K.IFD xor K.IC; SSC = RND.IC[4:8] || RND.IFD[4:8] (§9.8.6.3)."""
    seed = bytes(a ^ b for a, b in zip(k_ifd, k_ic))
    return SmKeys(kdf_enc(seed, "3DES"), kdf_mac(seed, "3DES"), rnd_ic[4:] + rnd_ifd[4:])


def perform_bac(channel, k_seed: bytes, rng: Rng):
    """Run BAC over ``channel``; returns the 3DES :class:`SecureMessaging` session."""
    from ..sm.tdes import session

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
    return session(sk.k_enc, sk.k_mac, sk.ssc)
