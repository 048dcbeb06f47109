"""AES helpers for PACE, CA and secure messaging (ICAO 9303-11 §9.8.7, §4.4.3.5.4).

AES-CBC without padding (callers pad with ISO/IEC 9797-1 method 2), single
block ECB for IVs, and CMAC (NIST SP 800-38B) truncated to 8 bytes.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import cmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 16
ZERO_IV = bytes(BLOCK)
AES_KEY_LENGTHS = (16, 24, 32)


def _check_key(key: bytes) -> None:
    if len(key) not in AES_KEY_LENGTHS:
        raise ValueError("AES key must be 16, 24 or 32 bytes")


def encrypt_block(key: bytes, block: bytes) -> bytes:
    """E(K, block) for one 16-byte block."""
    _check_key(key)
    enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return enc.update(block) + enc.finalize()


def encrypt_cbc(key: bytes, data: bytes, iv: bytes = ZERO_IV) -> bytes:
    _check_key(key)
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return enc.update(data) + enc.finalize()


def encrypt_cbc_pair(key: bytes, a: bytes, b: bytes) -> tuple[bytes, bytes]:
    """(E(K, a), E(K, b)), each CBC with IV 0 and block aligned, with one key schedule.

    The PACE-IM PRF encrypts two constants under every key k_i (ICAO 9303-11 §4.4.3.3.2).
    """
    _check_key(key)
    enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    if len(a) == len(b) == BLOCK:  # one block each: CBC with IV 0 is ECB
        both = enc.update(a + b)
        return both[:BLOCK], both[BLOCK:]

    def cbc(data: bytes) -> bytes:
        prev = 0
        out = bytearray()
        for i in range(0, len(data), BLOCK):
            block = (int.from_bytes(data[i:i + BLOCK], "big") ^ prev).to_bytes(BLOCK, "big")
            c = enc.update(block)
            prev = int.from_bytes(c, "big")
            out += c
        return bytes(out)

    return cbc(a), cbc(b)


def decrypt_cbc(key: bytes, data: bytes, iv: bytes = ZERO_IV) -> bytes:
    _check_key(key)
    dec = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return dec.update(data) + dec.finalize()


def cmac8(key: bytes, data: bytes) -> bytes:
    """AES-CMAC truncated to 8 bytes (the MAC length of ICAO 9303-11 §9.8.7.2)."""
    _check_key(key)
    c = cmac.CMAC(algorithms.AES(key))
    c.update(data)
    return c.finalize()[:8]


def cmac8_pair(key: bytes, a: bytes, b: bytes) -> tuple[bytes, bytes]:
    """(cmac8(key, a), cmac8(key, b)) with one key schedule (a CMAC context and its copy):
    the two PACE authentication tokens are MACs under the same KSmac (ICAO 9303-11 §4.4.3.4)."""
    _check_key(key)
    c = cmac.CMAC(algorithms.AES(key))
    d = c.copy()
    c.update(a)
    d.update(b)
    return c.finalize()[:8], d.finalize()[:8]
