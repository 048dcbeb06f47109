"""The block cipher and MAC of a PACE / CA protocol OID (ICAO 9303-11 §4.4.3.3, §4.4.3.4, §9.8).

- E / D: CBC with IV 0 (nonce encryption, Integrated Mapping PRF);
- MAC for authentication tokens: AES-CMAC-8, or for 3DES the retail MAC
  (ISO/IEC 9797-1 MAC algorithm 3) over padding method 2;
- the secure messaging session of the negotiated cipher.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from ...crypto import aes, libcrypto, tdes
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
    """D(K, data) in CBC mode with IV 0 (no padding; data is block aligned): the PACE nonce."""
    if cipher == "3DES":
        return tdes.decrypt_cbc(key, data)
    if 0 < len(data) <= libcrypto.AES_MAX_DATA and not len(data) % 16:
        # CBC decryption with IV 0: P_1 = D(C_1), P_i = D(C_i) xor C_(i-1)
        plain = aes_ecb(key, data, decrypt=True)
        if len(data) == 16:
            return plain
        n = len(data)
        chained = int.from_bytes(plain[16:], "big") ^ int.from_bytes(data[:n - 16], "big")
        return plain[:16] + chained.to_bytes(n - 16, "big")
    return aes.decrypt_cbc(key, data)


_ECB = modes.ECB()


def aes_ecb(key: bytes, data: bytes, decrypt: bool = False) -> bytes:
    """AES on each block of ``data`` (ECB, no padding): libcrypto's re-keyed context
    (:func:`~cccd_chip.crypto.libcrypto.aes_ecb`, up to 8 blocks), else a pyca cipher object.

    PACE takes a new key every block or two (the nonce, the Integrated Mapping PRF,
    ICAO 9303-11 §4.4.3.3); a pyca cipher object per key costs about 2.5 times as much.
    """
    if libcrypto.AVAILABLE and len(data) <= libcrypto.AES_MAX_DATA:
        try:
            return libcrypto.aes_ecb(key, data, decrypt)
        except libcrypto.NativeError:
            pass
    if len(key) not in aes.AES_KEY_LENGTHS:
        raise ValueError("AES key must be 16, 24 or 32 bytes")
    c = Cipher(algorithms.AES(key), _ECB)
    ctx = c.decryptor() if decrypt else c.encryptor()
    return ctx.update(data) + ctx.finalize()


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
