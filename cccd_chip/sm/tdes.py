"""3DES secure messaging: 2-key 3DES-CBC with IV 0 and retail MAC (ICAO 9303-11 §9.8.6.1)."""

from __future__ import annotations

from ..crypto import tdes
from .base import SecureMessaging, SmCipher


class TdesCipher(SmCipher):
    name = "3DES"
    block_size = 8

    def __init__(self, k_enc: bytes, k_mac: bytes) -> None:
        if len(k_enc) != 16 or len(k_mac) != 16:
            raise ValueError("3DES SM needs 16-byte keys")
        self._k_enc = bytes(k_enc)
        self._k_mac = bytes(k_mac)

    def encrypt(self, ssc: bytes, data: bytes) -> bytes:
        return tdes.encrypt_cbc(self._k_enc, data)

    def decrypt(self, ssc: bytes, data: bytes) -> bytes:
        return tdes.decrypt_cbc(self._k_enc, data)

    def mac(self, data: bytes) -> bytes:
        return tdes.retail_mac(self._k_mac, data)

    def __repr__(self) -> str:
        return "TdesCipher(<secret>)"


def session(k_enc: bytes, k_mac: bytes, ssc: bytes) -> SecureMessaging:
    return SecureMessaging(TdesCipher(k_enc, k_mac), ssc)
