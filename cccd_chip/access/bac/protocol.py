"""Basic Access Control, the pure steps (ICAO 9303-11 §4.3, Appendix D).

Functions of bytes and keys, no I/O: key derivation from K_seed, the terminal's
cryptogram, the check of the chip's, the session keys. The driver
(:mod:`.driver`) does the transmits.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives import constant_time

from ...crypto import tdes
from ...crypto.kdf import kdf_enc, kdf_mac
from ...crypto.padding import pad
from ...errors import ProtocolError
from ...sm.base import SmKeys


@dataclass(frozen=True)
class BacKeys:
    """K_enc and K_mac of the document basic access keys (ICAO 9303-11 §9.7.2)."""

    k_enc: bytes
    k_mac: bytes

    def __repr__(self) -> str:
        return "BacKeys(<secret>)"


def derive_keys(k_seed: bytes) -> BacKeys:
    """K_enc, K_mac from K_seed (ICAO 9303-11 §9.7.2)."""
    return BacKeys(kdf_enc(k_seed, "3DES"), kdf_mac(k_seed, "3DES"))


def cryptogram_mac(k_mac: bytes, data: bytes) -> bytes:
    """Retail MAC over padding method 2 of a BAC cryptogram (ICAO 9303-11 §4.3.4.1, §9.8.3)."""
    return tdes.retail_mac(k_mac, pad(data, 8))


def external_authenticate_data(keys: BacKeys, rnd_ic: bytes, rnd_ifd: bytes, k_ifd: bytes) -> bytes:
    """E_IFD || M_IFD with S = RND.IFD || RND.IC || K.IFD (§4.3.4.1 steps 1-3)."""
    if len(rnd_ic) != 8 or len(rnd_ifd) != 8 or len(k_ifd) != 16:
        raise ProtocolError("BAC: wrong nonce or key length", step="BAC")
    e_ifd = tdes.encrypt_cbc(keys.k_enc, rnd_ifd + rnd_ic + k_ifd)
    return e_ifd + cryptogram_mac(keys.k_mac, e_ifd)


def open_ic_response(keys: BacKeys, resp: bytes, rnd_ic: bytes, rnd_ifd: bytes) -> bytes:
    """Check MAC first, then decrypt and check the echoes; return K.IC (§4.3.4.1 step 4)."""
    if len(resp) != 40:
        raise ProtocolError(f"BAC: EXTERNAL AUTHENTICATE response of {len(resp)} bytes (expected 40)", step="BAC")
    e_ic, m_ic = resp[:32], resp[32:]
    if not constant_time.bytes_eq(cryptogram_mac(keys.k_mac, e_ic), m_ic):
        raise ProtocolError("BAC: chip cryptogram MAC invalid", step="BAC", reason="BAC_AUTH_FAILED")
    r = tdes.decrypt_cbc(keys.k_enc, e_ic)
    if not constant_time.bytes_eq(r[:8], rnd_ic) or not constant_time.bytes_eq(r[8:16], rnd_ifd):
        raise ProtocolError("BAC: nonce echo mismatch", step="BAC", reason="BAC_AUTH_FAILED")
    return r[16:32]


def session_keys(k_ifd: bytes, k_ic: bytes, rnd_ic: bytes, rnd_ifd: bytes) -> SmKeys:
    """KS_enc, KS_mac from K.IFD xor K.IC; SSC = RND.IC[4:8] || RND.IFD[4:8] (§9.8.6.3)."""
    seed = bytes(a ^ b for a, b in zip(k_ifd, k_ic))
    return SmKeys(kdf_enc(seed, "3DES"), kdf_mac(seed, "3DES"), rnd_ic[4:] + rnd_ifd[4:])
