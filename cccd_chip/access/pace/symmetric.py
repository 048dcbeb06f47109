"""The block cipher and MAC of a PACE / CA protocol OID (ICAO 9303-11 §4.4.3.3, §4.4.3.4, §9.8).

- E / D: CBC with IV 0 (nonce encryption, Integrated Mapping PRF);
- MAC for authentication tokens: AES-CMAC-8, or for 3DES the retail MAC
  (ISO/IEC 9797-1 MAC algorithm 3) over padding method 2;
- the secure messaging session of the negotiated cipher.
"""

from __future__ import annotations

from ...crypto import aes, tdes
from ...crypto.kdf import kdf
from ...crypto.padding import pad
from ...sm.aes import AesCipher
from ...sm.base import SecureMessaging
from ...sm.tdes import TdesCipher


def block_size(cipher: str) -> int:
    return 8 if cipher == "3DES" else 16


KEY_LENGTHS = {"3DES": 16, "AES-128": 16, "AES-192": 24, "AES-256": 32}


def key_length(cipher: str) -> int:
    return KEY_LENGTHS[cipher]


def nonce_length(cipher: str) -> int:
    """Length l of the nonce s: a multiple of the block size with l >= k (§4.4.3.3)."""
    return 16 if cipher in ("3DES", "AES-128") else 32


def encrypt(cipher: str, key: bytes, data: bytes) -> bytes:
    """E(K, data) in CBC mode with IV 0 (no padding; data is block aligned)."""
    if cipher == "3DES":
        return tdes.encrypt_cbc(key, data)
    return aes.encrypt_cbc(key, data)


def decrypt(cipher: str, key: bytes, data: bytes) -> bytes:
    if cipher == "3DES":
        return tdes.decrypt_cbc(key, data)
    return aes.decrypt_cbc(key, data)


def mac(cipher: str, key: bytes, data: bytes) -> bytes:
    """8-byte MAC of an authentication token (§4.4.3.4)."""
    if cipher == "3DES":
        return tdes.retail_mac(key, pad(data, 8))
    return aes.cmac8(key, data)


def mac_pair(cipher: str, key: bytes, a: bytes, b: bytes) -> tuple[bytes, bytes]:
    """(mac(cipher, key, a), mac(cipher, key, b)); AES: one key schedule for both."""
    if cipher == "3DES":
        return mac(cipher, key, a), mac(cipher, key, b)
    return aes.cmac8_pair(key, a, b)


def session_keys(secret: bytes, cipher: str) -> tuple[bytes, bytes]:
    """(KSenc, KSmac) = (KDF(K, 1), KDF(K, 2)) (§9.7.4)."""
    return kdf(secret, 1, cipher), kdf(secret, 2, cipher)


def sm_session(cipher: str, k_enc: bytes, k_mac: bytes) -> SecureMessaging:
    """A new SM session with SSC 0 (§9.8.6.3, §9.8.7.3)."""
    if cipher == "3DES":
        return SecureMessaging(TdesCipher(k_enc, k_mac), bytes(8))
    return SecureMessaging(AesCipher(k_enc, k_mac), bytes(16))


def sm_cipher(cipher: str, k_enc: bytes, k_mac: bytes) -> "TdesCipher | AesCipher":
    """The SmCipher for the chip side (same suites as the host)."""
    if cipher == "3DES":
        return TdesCipher(k_enc, k_mac)
    return AesCipher(k_enc, k_mac)
