"""Deterministic key material and signatures for personalisation.

"Same profile and seed, same card": every random choice of the personaliser
comes from a :class:`Drbg` labelled by what it is for. EC and DH private keys
are drawn as ``rng(len(order_bytes))`` (redrawn while not in [1, order-1]);
RSA primes come from the same stream with a small-prime sieve and
Miller-Rabin (FIPS 186-5 App. B.3.3 style, probable primes with 2^-100 error
or better). Signatures are deterministic too: PKCS#1 v1.5 is by nature,
ECDSA uses RFC 6979 nonces, RSA-PSS draws its salt from the DRBG.

NOT for real documents: test keys only.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from typing import Callable, Union

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from ..crypto.primes import probably_prime

#: A private key of the virtual PKI and chip (RSA or EC).
SigningKey = Union[rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey]

HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1, "sha224": hashes.SHA224, "sha256": hashes.SHA256, "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}

EC_CURVES: dict[str, type[ec.EllipticCurve]] = {
    "p256": ec.SECP256R1, "p384": ec.SECP384R1, "p521": ec.SECP521R1,
    "bp256": ec.BrainpoolP256R1, "bp384": ec.BrainpoolP384R1, "bp512": ec.BrainpoolP512R1,
}
_PARAM_IDS = {"p256": 12, "bp256": 13, "p384": 15, "bp384": 16, "bp512": 17, "p521": 18}


def ec_order(spec: str) -> int:
    """Group order of an EC key spec, from the project's curve table (ICAO 9303-11 Table 12 IDs)."""
    from ..crypto import domain_params

    return domain_params.standard(_PARAM_IDS[spec]).order


class Drbg:
    """HMAC-SHA-256 counter stream over ``label``: ``rng(n) -> n bytes``."""

    def __init__(self, label: str) -> None:
        self._key = hashlib.sha256(b"cccd-chip personalisation|" + label.encode()).digest()
        self._counter = 0

    def __call__(self, n: int) -> bytes:
        out = bytearray()
        while len(out) < n:
            self._counter += 1
            out += hmac.new(self._key, self._counter.to_bytes(8, "big"), hashlib.sha256).digest()
        return bytes(out[:n])


def scalar(order: int, rng: Callable[[int], bytes]) -> int:
    """A private scalar in [1, order-1] (redrawn while out of range)."""
    n = (order.bit_length() + 7) // 8
    while True:
        k = int.from_bytes(rng(n), "big")
        if 1 <= k <= order - 1:
            return k


def ec_key(spec: str, label: str) -> ec.EllipticCurvePrivateKey:
    """An EC private key on ``spec`` (p256, bp256, ...) derived from ``label``."""
    return _ec_key(spec, label)


@functools.lru_cache(maxsize=256)
def _ec_key(spec: str, label: str) -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(scalar(ec_order(spec), Drbg(f"ec|{spec}|{label}")), EC_CURVES[spec]())


# --- RSA ------------------------------------------------------------------------

_SMALL_PRIMES = [p for p in range(3, 2000) if all(p % q for q in range(2, int(p ** 0.5) + 1))]


def _prime(bits: int, rng: Callable[[int], bytes], e: int) -> int:
    nbytes = (bits + 7) // 8
    while True:
        c = int.from_bytes(rng(nbytes), "big") >> (nbytes * 8 - bits)
        c |= (0b11 << (bits - 2)) | 1  # top two bits: the product has exactly 2*bits bits
        # walk forward over odd candidates with a cheap sieve
        for _ in range(4096):
            if all(c % p for p in _SMALL_PRIMES) and (c - 1) % e and probably_prime(c):
                return c
            c += 2
        # (very unlikely) gap without primes: draw again


def rsa_key(bits: int, label: str) -> rsa.RSAPrivateKey:
    """An RSA private key of ``bits`` bits derived from ``label`` (e = 65537)."""
    return _rsa_key(bits, label)


@functools.lru_cache(maxsize=64)
def _rsa_key(bits: int, label: str) -> rsa.RSAPrivateKey:
    e = 65537
    rng = Drbg(f"rsa|{bits}|{label}")
    while True:
        p = _prime(bits // 2, rng, e)
        q = _prime(bits - bits // 2, rng, e)
        if p == q:
            continue
        if p < q:
            p, q = q, p
        n = p * q
        if n.bit_length() != bits:
            continue
        phi = (p - 1) * (q - 1)
        d = pow(e, -1, phi)
        nums = rsa.RSAPrivateNumbers(p, q, d, d % (p - 1), d % (q - 1), pow(q, -1, p), rsa.RSAPublicNumbers(e, n))
        return nums.private_key()


def key_for(spec: str, label: str) -> "SigningKey":
    """``rsa2048`` / ``rsa1024`` / ... or an EC spec (``p256``, ``bp384``...)."""
    if spec.startswith("rsa"):
        return rsa_key(int(spec[3:]), label)
    if spec in EC_CURVES:
        return ec_key(spec, label)
    raise ValueError(f"unknown key spec {spec}")


# --- deterministic signatures ------------------------------------------------------


def _mgf1(seed: bytes, length: int, hname: str) -> bytes:
    out = b""
    counter = 0
    while len(out) < length:
        out += hashlib.new(hname, seed + counter.to_bytes(4, "big")).digest()
        counter += 1
    return out[:length]


def rsa_raw_private(key: rsa.RSAPrivateKey, m: int) -> int:
    """m^d mod n via CRT (the numbers come from the key object)."""
    pn = key.private_numbers()
    p, q = pn.p, pn.q
    m1 = pow(m, pn.dmp1, p)
    m2 = pow(m, pn.dmq1, q)
    h = (pn.iqmp * (m1 - m2)) % p
    return m2 + h * q


def pss_sign(key: rsa.RSAPrivateKey, data: bytes, hname: str, salt: bytes) -> bytes:
    """RSASSA-PSS (RFC 8017 §8.1, EMSA-PSS with MGF1 of the same hash) with a given salt."""
    mhash = hashlib.new(hname, data).digest()
    hlen = len(mhash)
    embits = key.key_size - 1
    emlen = (embits + 7) // 8
    h = hashlib.new(hname, b"\x00" * 8 + mhash + salt).digest()
    ps = b"\x00" * (emlen - len(salt) - hlen - 2)
    db = ps + b"\x01" + salt
    mask = _mgf1(h, emlen - hlen - 1, hname)
    masked = bytearray(a ^ b for a, b in zip(db, mask))
    masked[0] &= 0xFF >> (8 * emlen - embits)
    em = bytes(masked) + h + b"\xbc"
    s = rsa_raw_private(key, int.from_bytes(em, "big"))
    sig = s.to_bytes((key.key_size + 7) // 8, "big")
    key.public_key().verify(sig, data, padding.PSS(padding.MGF1(HASHES[hname]()), len(salt)), HASHES[hname]())
    return sig


def signer(key: "SigningKey", scheme: str, hname: str, label: str) -> Callable[[bytes], bytes]:
    """A deterministic ``sign(data) -> signature`` for ``scheme`` pkcs1 | pss | ecdsa (DER)."""
    h = HASHES[hname]
    if isinstance(key, rsa.RSAPrivateKey):
        if scheme == "pss":
            rng = Drbg(f"pss-salt|{label}")
            salt_len = h().digest_size
            return lambda data: pss_sign(key, data, hname, rng(salt_len))
        return lambda data: key.sign(data, padding.PKCS1v15(), h())
    return lambda data: key.sign(data, ec.ECDSA(h(), deterministic_signing=True))


def ecdsa_plain(key: ec.EllipticCurvePrivateKey, data: bytes, hname: str) -> bytes:
    """Deterministic ECDSA as plain r || s (BSI TR-03111 §5.2.1), as AA answers."""
    der = key.sign(data, ec.ECDSA(HASHES[hname](), deterministic_signing=True))
    r, s = decode_dss_signature(der)
    size = (key.curve.key_size + 7) // 8
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")
