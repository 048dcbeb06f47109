"""AES secure messaging: CBC with IV = E(KSenc, SSC), CMAC-8, 16-byte SSC (ICAO 9303-11 §9.8.7)."""

from __future__ import annotations

from ..crypto import aes
from .base import SecureMessaging, SmCipher


class AesCipher(SmCipher):
    """AES-128/192/256 cipher suite of a secure messaging session."""

    block_size = 16

    def __init__(self, k_enc: bytes, k_mac: bytes) -> None:
        if len(k_enc) not in aes.AES_KEY_LENGTHS or len(k_mac) != len(k_enc):
            raise ValueError("AES SM needs two keys of 16, 24 or 32 bytes")
        self._k_enc = bytes(k_enc)
        self._k_mac = bytes(k_mac)
        self.name = f"AES-{8 * len(k_enc)}"

    def iv(self, ssc: bytes) -> bytes:
        """IV = E(KSenc, SSC) (ICAO 9303-11 §9.8.7.1)."""
        return aes.encrypt_block(self._k_enc, ssc)

    def encrypt(self, ssc: bytes, data: bytes) -> bytes:
        return aes.encrypt_cbc(self._k_enc, data, self.iv(ssc))

    def decrypt(self, ssc: bytes, data: bytes) -> bytes:
        return aes.decrypt_cbc(self._k_enc, data, self.iv(ssc))

    def mac(self, data: bytes) -> bytes:
        return aes.cmac8(self._k_mac, data)

    def __repr__(self) -> str:
        return f"AesCipher({self.name}, <secret>)"


def session(k_enc: bytes, k_mac: bytes, ssc: bytes = bytes(16)) -> SecureMessaging:
    """A new AES session; after PACE and CA the SSC starts at zero (§9.8.7.3)."""
    return SecureMessaging(AesCipher(k_enc, k_mac), ssc)
