"""Chip Authentication v1, the pure steps (ICAO 9303-11 §6.2; BSI TR-03110-3 §B.1).

No I/O. With the key from DG14 (ChipAuthenticationPublicKeyInfo, chosen with the
ChipAuthenticationInfo's keyId):

- 3DES: MSE:Set KAT (00 22 41 A6, 91 PK_IFD [84 keyId]) (ICAO 9303-11 §6.2.4.1);
- AES:  MSE:Set AT (00 22 41 A4, 80 OID [84 keyId]) + GENERAL AUTHENTICATE
  (00 86 00 00, 7C{80 PK_IFD}) (§6.2.4.2).

Both sides then switch to KSenc/KSmac = KDF(KA(SK_IFD, PK_IC)) with SSC 0 (§9.7.1).
"""

from __future__ import annotations

from typing import Optional

from ...iso7816 import commands, tlv
from ...iso7816.apdu import CommandApdu
from ...lds import dg14
from ...lds import security_infos as si
from ...sm.base import SecureMessaging
from ..pace import symmetric

DEFAULT_CIPHER = dg14.DEFAULT_CA_CIPHER
KeyChoice = dg14.CaKeyChoice


def parse_dg14(raw: bytes) -> si.SecurityInfos:
    """DG14 = 6E { SecurityInfos } (ICAO 9303-10 §4.7.14)."""
    return dg14.parse(raw).security_infos


def choose_key(infos: si.SecurityInfos) -> KeyChoice:
    """(ChipAuthenticationInfo or None, public key info, cipher, oid): the first usable pair (§9.2.5, §9.2.6)."""
    return dg14.ca_key_choice(infos)


def _key_ref(key_id: Optional[int]) -> bytes:
    if key_id is None:
        return b""
    return tlv.encode(0x84, key_id.to_bytes(max(1, (key_id.bit_length() + 7) // 8), "big"))


def mse_set_kat(pk_ifd: bytes, key_id: Optional[int]) -> CommandApdu:
    """MSE:Set KAT with the host's ephemeral key (3DES, ICAO 9303-11 §6.2.4.1)."""
    return commands.mse_set_kat(tlv.encode(0x91, pk_ifd) + _key_ref(key_id))


def mse_set_at(oid: str, key_id: Optional[int]) -> CommandApdu:
    """MSE:Set AT naming the CA protocol (AES, ICAO 9303-11 §6.2.4.2)."""
    return commands.mse_set_at(tlv.encode(0x80, si.oid_to_bytes(oid)) + _key_ref(key_id), p1=0x41, p2=0xA4)


def general_authenticate(pk_ifd: bytes) -> CommandApdu:
    """GENERAL AUTHENTICATE with the host's ephemeral key (AES, ICAO 9303-11 §6.2.4.2)."""
    data = tlv.encode(0x7C, tlv.encode(0x80, pk_ifd))
    ext = len(data) > 255
    return CommandApdu(0x00, 0x86, 0x00, 0x00, data, 65536 if ext else 256, ext)


def new_session(shared_secret: bytes, cipher: str) -> SecureMessaging:
    """The session after CA: KSenc, KSmac from the shared secret, SSC 0 (ICAO 9303-11 §9.7.1, §9.8.6.3)."""
    k_enc, k_mac = symmetric.session_keys(shared_secret, cipher)
    return symmetric.sm_session(cipher, k_enc, k_mac)
