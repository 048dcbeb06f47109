"""Two-key 3DES and the ISO/IEC 9797-1 MAC algorithm 3 (ICAO 9303-11 §9.8).

cryptography deprecates 8- and 16-byte TripleDES keys, so keys are expanded
explicitly: K1||K2||K1 for two-key 3DES and K||K||K for single DES.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, modes

ZERO_IV = b"\x00" * 8


def adjust_parity(key: bytes) -> bytes:
    """Set the DES odd-parity bit (lowest bit) of every byte."""
    out = bytearray(key)
    for i, b in enumerate(out):
        ones = bin(b >> 1).count("1")
        out[i] = (b & 0xFE) | (0 if ones % 2 else 1)
    return bytes(out)


@lru_cache(maxsize=64)
def _tdes(key16: bytes) -> TripleDES:
    if len(key16) != 16:
        raise ValueError("two-key 3DES needs a 16-byte key")
    return TripleDES(key16 + key16[:8])


@lru_cache(maxsize=64)
def _des(key8: bytes) -> TripleDES:
    return TripleDES(key8 * 3)


def encrypt_cbc(key16: bytes, data: bytes, iv: bytes = ZERO_IV) -> bytes:
    enc = Cipher(_tdes(key16), modes.CBC(iv)).encryptor()
    return enc.update(data) + enc.finalize()


def decrypt_cbc(key16: bytes, data: bytes, iv: bytes = ZERO_IV) -> bytes:
    dec = Cipher(_tdes(key16), modes.CBC(iv)).decryptor()
    return dec.update(data) + dec.finalize()


def encrypt_ecb(key16: bytes, block: bytes) -> bytes:
    enc = Cipher(_tdes(key16), modes.ECB()).encryptor()
    return enc.update(block) + enc.finalize()


def retail_mac(key16: bytes, data: bytes) -> bytes:
    """ISO/IEC 9797-1 MAC algorithm 3 over already padded ``data`` (8-byte MAC).

    Single-DES CBC with K1 over all blocks, then decrypt with K2 and encrypt
    with K1 on the last block.
    """
    if len(data) % 8 or not data:
        raise ValueError("retail MAC input must be a non-empty multiple of 8 bytes")
    k1, k2 = key16[:8], key16[8:16]
    enc = Cipher(_des(k1), modes.CBC(ZERO_IV)).encryptor()
    h = (enc.update(data) + enc.finalize())[-8:]
    d = Cipher(_des(k2), modes.ECB()).decryptor()
    h = d.update(h) + d.finalize()
    e = Cipher(_des(k1), modes.ECB()).encryptor()
    return e.update(h) + e.finalize()
