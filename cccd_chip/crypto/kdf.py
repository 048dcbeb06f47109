"""Key derivation function (ICAO 9303-11 §9.7.1, BSI TR-03110-3 §A.2.3).

K = H(K_seed || c) truncated, with c = 1 (K_enc), 2 (K_mac), 3 (K_pi, PACE).
3DES and AES-128 use SHA-1, AES-192 and AES-256 use SHA-256.
"""

from __future__ import annotations

import hashlib

from .tdes import adjust_parity

COUNTER_ENC = 1
COUNTER_MAC = 2
COUNTER_PACE = 3

KEY_LENGTHS = {"3DES": 16, "AES-128": 16, "AES-192": 24, "AES-256": 32}


def kdf(secret: bytes, counter: int, cipher: str) -> bytes:
    """Derive one key for ``cipher`` ("3DES", "AES-128", "AES-192", "AES-256")."""
    if cipher not in KEY_LENGTHS:
        raise ValueError(f"unknown cipher {cipher!r}")
    data = bytes(secret) + counter.to_bytes(4, "big")
    if cipher in ("3DES", "AES-128"):
        digest = hashlib.sha1(data).digest()
    else:
        digest = hashlib.sha256(data).digest()
    key = digest[: KEY_LENGTHS[cipher]]
    return adjust_parity(key) if cipher == "3DES" else key


def kdf_enc(secret: bytes, cipher: str) -> bytes:
    return kdf(secret, COUNTER_ENC, cipher)


def kdf_mac(secret: bytes, cipher: str) -> bytes:
    return kdf(secret, COUNTER_MAC, cipher)


def kdf_pi(password: bytes, cipher: str) -> bytes:
    return kdf(password, COUNTER_PACE, cipher)
