"""PACE mappings: Generic (§4.4.3.3.1), Integrated (§4.4.3.3.2, Appendix B), and CAM's data (§4.4.3.5).

Pure functions of the domain, the nonces and the keys; both the host and the
virtual chip use them.
"""

from __future__ import annotations

from typing import Optional

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from ...crypto import ec, libcrypto
from ...crypto.cam_check import cam_relation
from ...crypto.libcrypto import pow_mod
from ...crypto.domain_params import AnyDomain, DhDomain, EcDomain, Element
from ...crypto.padding import pad, unpad
from ...errors import InvalidPublicKeyError, SecureMessagingError, UnsupportedError
from ...crypto import aes
from . import symmetric

# PRF constants (ICAO 9303-11 §4.4.3.3.2)
C0_128 = bytes.fromhex("a668892a7c41e3ca739f40b057d85904")
C1_128 = bytes.fromhex("a4e136ac725f738b01c1f60217c188ad")
C0_256 = bytes.fromhex("d463d65234124ef7897054986dca0a174e28df758cbaa03f240616414d5a1676")
C1_256 = bytes.fromhex("54bd7255f0aaf831bec3423fcf39d69b6cbf066677d0faae5aadd99df8e53517")


# --- Generic Mapping ------------------------------------------------------------


def gm_shared_point(domain: AnyDomain, sk_map: int, pk_map_peer: Element) -> Element:
    """H = KA(SK_map, PK_map_peer) as a group element (point, or h mod p)."""
    H: Element = domain.mul(sk_map, pk_map_peer)
    if domain.is_identity(H):
        raise InvalidPublicKeyError("PACE mapping point H is the identity", reason="PACE_MAPPING_IDENTITY")
    return H


def gm_generator(domain: AnyDomain, s: int, H: Element) -> Element:
    """G' = s*G + H (ECDH) or g' = g^s * h mod p (DH)."""
    G2 = domain.op(domain.mul_gen(s), H) if s % domain.order else H
    if domain.is_identity(G2):
        raise InvalidPublicKeyError("PACE mapped generator is the identity", reason="PACE_MAPPING_IDENTITY")
    return G2


def gm_ephemeral_public(domain: AnyDomain, s: int, sk_map: int, pk_map_peer: Element, sk: int) -> Element:
    """PK = sk * G' without computing G' (host fast path, same value as sk * gm_generator(...)).

    sk*G' = sk*(s*G + H) = (sk*s mod n)*G + (sk*sk_map mod n)*PK_map_peer
    (ICAO 9303-11 §4.4.3.3.1): one fixed-base and one variable-base product,
    each constant-time in libcrypto, instead of H, G' and sk*G'. G' = O would
    give PK = O, which is refused.
    """
    n = domain.order
    pk: Optional[Element] = domain.mul_gen_add(sk * s % n, sk * sk_map % n, pk_map_peer)
    if pk is None or domain.is_identity(pk):
        raise InvalidPublicKeyError("PACE mapped generator is the identity", reason="PACE_MAPPING_IDENTITY")
    return pk


def gm_map(domain: AnyDomain, s: int, sk_map: int, pk_map_peer: Element) -> AnyDomain:
    """The domain with the generically mapped generator."""
    return domain.with_generator(gm_generator(domain, s, gm_shared_point(domain, sk_map, pk_map_peer)))


# --- Integrated Mapping ------------------------------------------------------------


def im_nonce_usable(cipher: str, s: bytes) -> bool:
    """The PRF of Integrated Mapping is defined for a nonce s of 16 or 32 bytes, at least the key length."""
    n = len(s)
    return (n == 16 or n == 32) and n >= symmetric.KEY_LENGTHS[cipher]


_ECB = modes.ECB()


def prf(cipher: str, s: bytes, t: bytes, p: int) -> bytes:
    """R(s, t) = x_0 || ... || x_{n-1} with n*l >= log2(p) + 64 (§4.4.3.3.2, Figure 2).

    k_0 = E(t, s); x_i = E(k_i, c1); k_{i+1} = E(k_i, c0); every key truncated
    to the key size (AES-192: 24 bytes), E in CBC mode with IV 0.
    """
    klen = symmetric.KEY_LENGTHS[cipher]
    l_bytes = len(s)
    if len(t) != klen:
        raise ValueError("nonce t must have the key length")
    if not im_nonce_usable(cipher, s):
        raise ValueError("nonce s must be 16 or 32 bytes and at least the key length")
    c0, c1 = (C0_128, C1_128) if l_bytes == 16 else (C0_256, C1_256)
    n = -(-(p.bit_length() + 64) // (8 * l_bytes))  # ceil
    if cipher == "3DES":
        key = symmetric.encrypt(cipher, t, s)[:klen]
        out = bytearray()
        for _ in range(n):
            out += symmetric.encrypt(cipher, key, c1)
            key = symmetric.encrypt(cipher, key, c0)[:klen]
        return bytes(out)
    if l_bytes != 16:  # 32-byte nonce and constants: CBC over two blocks
        key = aes.encrypt_cbc(t, s)[:klen]
        out = bytearray()
        for _ in range(n):
            x, nxt = aes.encrypt_cbc_pair(key, c1, c0)
            out += x
            key = nxt[:klen]
        return bytes(out)
    # one block each (AES, 16-byte s): CBC with IV 0 is ECB, and one key schedule per k_i
    # serves both E(k_i, c1) and E(k_i, c0)
    both = c1 + c0
    if libcrypto.AVAILABLE:
        try:
            return libcrypto.aes_key_chain(t, s, both, n)
        except libcrypto.NativeError:
            pass
    key = Cipher(algorithms.AES(t), _ECB).encryptor().update(s)
    out = bytearray()
    for _ in range(n):
        xk = Cipher(algorithms.AES(key), _ECB).encryptor().update(both)
        out += xk[:16]
        key = xk[16:]
    return bytes(out)


def point_encoding(curve: ec.Curve, t: int) -> ec.Point:
    """f_G(t): Appendix B.2 (affine), for p = 3 mod 4, then times the cofactor.

    One exponentiation instead of Appendix B's inversion and exponentiation: with
    X2 = N/D (N = -b(1 + alpha + alpha^2), D = a(alpha + alpha^2)) and
    h2 = U/D^3 (U = N^3 + a*N*D^2 + b*D^3), A' = (U*D)^(p-1-(p+1)/4) gives
    c = A'^2*U*D = +1 or -1 (h2 a square or not), 1/D = c*A'^2*U, Appendix B's
    A = A'*D^2, and so (X2, A*h2) = (N*U*A'^2, A'^3*U^2) when c = 1, else
    (X3, A*t^3*h2) = (-alpha*N*U*A'^2, -A'^3*t^3*U^2): the same point. The
    exponentiation (its base is secret: t comes from the nonce) is OpenSSL's
    constant-time one when libcrypto is loaded. U = 0 (only on curves with a point
    of order 2) takes Appendix B's steps as written.
    """
    p, a, b = curve.p, curve.a, curve.b
    if p % 4 != 3:
        raise UnsupportedError("Integrated Mapping needs a curve with p = 3 mod 4 (not NIST P-224)")
    if not 0 < t < p:
        raise InvalidPublicKeyError("IM: t out of range", reason="PACE_MAPPING_IDENTITY")
    alpha = (-t * t) % p
    aa = (alpha + alpha * alpha) % p
    denom = a * aa % p
    if denom == 0:
        raise InvalidPublicKeyError("IM: degenerate point encoding input", reason="PACE_MAPPING_IDENTITY")
    e = p - 1 - (p + 1) // 4
    n_ = -b * (1 + aa) % p
    dd = denom * denom % p
    u_ = (n_ * (n_ * n_ + a * dd) + b * dd * denom) % p
    if u_:
        a1 = pow_mod(u_ * denom % p, e, p)
        a1_sq = a1 * a1 % p
        c = a1_sq * u_ % p * denom % p
        if c == 1:
            x, y = n_ * u_ % p * a1_sq % p, a1_sq * a1 % p * u_ % p * u_ % p
        else:
            t3 = t * t * t % p
            x = -alpha * n_ % p * u_ % p * a1_sq % p
            y = -a1_sq * a1 % p * t3 % p * u_ % p * u_ % p
        P = ec.Point(x, y)
    else:  # h2 = 0: Appendix B as written
        P = _point_encoding_appendix_b(curve, t)
    if not ec.is_on_curve(curve, P.x, P.y):
        raise InvalidPublicKeyError("IM point encoding left the curve", reason="PACE_MAPPING_IDENTITY")
    if curve.h != 1:
        cleared = ec.mul(curve, curve.h, P)
        if cleared is None:
            raise InvalidPublicKeyError("IM point is of small order", reason="PACE_MAPPING_IDENTITY")
        P = cleared
    return P


def _point_encoding_appendix_b(curve: ec.Curve, t: int) -> ec.Point:
    """Appendix B.2 step by step (an inversion and an exponentiation, OpenSSL's constant-time ones
    when libcrypto is loaded), affine: :func:`point_encoding`'s path when h2 = 0, and the reference
    the tests compare its one-exponentiation path with. ``a * (alpha + alpha^2)`` must not be 0."""
    p, a, b = curve.p, curve.a, curve.b
    alpha = (-t * t) % p
    aa = (alpha + alpha * alpha) % p
    x2 = (-b * (1 + aa) * pow_mod(a * aa % p, p - 2, p)) % p
    x3 = alpha * x2 % p
    h2 = (x2 * x2 * x2 + a * x2 + b) % p
    u = t * t * t * h2 % p
    A = pow_mod(h2, p - 1 - (p + 1) // 4, p)
    if A * A * h2 % p == 1:
        return ec.Point(x2, A * h2 % p)
    return ec.Point(x3, A * u % p)


def im_generator(domain: AnyDomain, cipher: str, s: bytes, t: bytes) -> Element:
    """G' = f_G(R_p(s,t)) (ECDH) or g' = (R_p(s,t))^((p-1)/q) mod p (DH), checked != 1."""
    if isinstance(domain, EcDomain):
        r = int.from_bytes(prf(cipher, s, t, domain.curve.p), "big") % domain.curve.p
        return point_encoding(domain.curve, r)
    assert isinstance(domain, DhDomain)
    g = domain.group
    r = int.from_bytes(prf(cipher, s, t, g.p), "big") % g.p
    gen = pow_mod(r, (g.p - 1) // g.q, g.p)
    if gen == 1:
        raise InvalidPublicKeyError("IM mapped generator is 1", reason="PACE_MAPPING_IDENTITY")
    return gen


def im_map(domain: AnyDomain, cipher: str, s: bytes, t: bytes) -> AnyDomain:
    return domain.with_generator(im_generator(domain, cipher, s, t))


def im_supported(domain: AnyDomain) -> bool:
    return not isinstance(domain, EcDomain) or domain.curve.p % 4 == 3


# --- Chip Authentication Mapping (§4.4.3.5) -------------------------------------------

CAM_IV_INPUT = b"\xff" * 16


def cam_encrypt(k_enc: bytes, ca_ic: int, order: int) -> bytes:
    """A_IC = E(KSenc, pad(FE2OS(CA_IC))) with AES-CBC, IV = E(KSenc, -1)."""
    size = (order.bit_length() + 7) // 8
    iv = aes.encrypt_block(k_enc, CAM_IV_INPUT)
    return aes.encrypt_cbc(k_enc, pad(ca_ic.to_bytes(size, "big"), 16), iv)


def cam_decrypt(k_enc: bytes, a_ic: bytes, order: int) -> int:
    """CA_IC from the encrypted chip authentication data; SecureMessagingError if malformed."""
    if not a_ic or len(a_ic) % 16 or len(a_ic) > 128:
        raise SecureMessagingError("PACE-CAM: encrypted chip authentication data has a wrong length")
    iv = aes.encrypt_block(k_enc, CAM_IV_INPUT)
    plain = unpad(aes.decrypt_cbc(k_enc, a_ic, iv))
    size = (order.bit_length() + 7) // 8
    if len(plain) != size:
        raise SecureMessagingError("PACE-CAM: chip authentication data has a wrong length")
    v = int.from_bytes(plain, "big")
    if not 0 < v < order:
        raise SecureMessagingError("PACE-CAM: chip authentication data out of range")
    return v


def cam_chip_data(sk_ic_static: int, sk_map_ic: int, order: int) -> int:
    """CA_IC = SK_IC^-1 * SK_map,IC mod n (chip side)."""
    return pow(sk_ic_static, -1, order) * sk_map_ic % order


def cam_check(domain: AnyDomain, ca_ic: int, pk_ic_static: Element, pk_map_ic: Element) -> bool:
    """PK_map,IC == CA_IC * PK_IC: the chip knows the static key (§4.4.3.5.2); one scalar product.

    The relation lives in :mod:`cccd_chip.crypto.cam_check` (shared with verification)."""
    return cam_relation(domain, ca_ic, pk_ic_static, pk_map_ic)
