"""ECDSA over explicitly given prime curves (BSI TR-03111 §4.2.1.2, SEC 1 §4.1.4).

ICAO 9303-12 §4.4.6 makes CSCA and DS keys carry explicit domain parameters.
This module turns a SpecifiedECDomain into an :class:`~cccd_chip.crypto.ec.Curve`,
matches it to a named curve only when **all** of p, a, b, G, n and h are
equal (partial matching is the CVE-2020-0601 "CurveBall" pattern), validates
domains that match nothing, and verifies ECDSA over them with the point
arithmetic of :mod:`cccd_chip.crypto.ec`. Keys on curves OpenSSL knows never
come here: pyca/cryptography verifies those.
"""

from __future__ import annotations

from typing import Any, Optional

from ..errors import InvalidPublicKeyError, ParseError, UnsupportedError
from . import ec as _ec
from .ec import Curve, Point

CUSTOM_CURVE_NAME = "explicit"


def domain_from_specified(spec: Any) -> Curve:
    """Curve from an asn1crypto SpecifiedECDomain (RFC 3279 §2.3.5), not yet validated.

    If every parameter equals a named curve's, that named curve is returned.
    """
    try:
        field_id = spec["field_id"]
        if field_id["field_type"].native != "prime_field":
            raise UnsupportedError("characteristic-two curves not supported", reason="ALGORITHM_UNSUPPORTED")
        p = int(field_id["parameters"].native)
        if p < 5 or p.bit_length() > _ec.MAX_FIELD_BITS or p % 2 == 0:
            raise InvalidPublicKeyError("EC field prime out of range", reason="EC_DOMAIN_INVALID")
        a = int.from_bytes(spec["curve"]["a"].native, "big")
        b = int.from_bytes(spec["curve"]["b"].native, "big")
        n = int(spec["order"].native)
        cof = spec["cofactor"].native
        h = int(cof) if cof is not None else None
        base = bytes(spec["base"])
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise ParseError(f"malformed explicit EC parameters ({type(e).__name__})") from None
    if not (0 <= a < p and 0 <= b < p) or n < 3 or n.bit_length() > _ec.MAX_FIELD_BITS + 1:
        raise InvalidPublicKeyError("EC domain parameters out of range", reason="EC_DOMAIN_INVALID")
    gx, gy = _decode_any_point(p, a, b, base)
    named = _ec.find_named_curve(p, a, b, gx, gy, n, h)
    if named is not None:
        return named
    return Curve(CUSTOM_CURVE_NAME, None, p, a, b, gx, gy, n, h if h is not None else 1)


def _decode_any_point(p: int, a: int, b: int, data: bytes) -> tuple[int, int]:
    """Uncompressed or compressed point (SEC 1 §2.3.4) on y^2 = x^3 + ax + b."""
    size = (p.bit_length() + 7) // 8
    if len(data) == 1 + 2 * size and data[0] == 0x04:
        x = int.from_bytes(data[1 : 1 + size], "big")
        y = int.from_bytes(data[1 + size :], "big")
    elif len(data) == 1 + size and data[0] in (0x02, 0x03):
        x = int.from_bytes(data[1:], "big")
        if x >= p:
            raise InvalidPublicKeyError("EC point coordinate not below p", reason=_ec.R_COORDINATE)
        y_ = _ec.sqrt_mod((x * x * x + a * x + b) % p, p)
        if y_ is None:
            raise InvalidPublicKeyError("compressed EC point not on the curve", reason=_ec.R_NOT_ON_CURVE)
        y = y_ if (y_ & 1) == (data[0] & 1) else (p - y_) % p
    else:
        raise InvalidPublicKeyError("EC point encoding not supported", reason=_ec.R_FORMAT)
    if not (x < p and y < p) or (y * y - (x * x * x + a * x + b)) % p != 0:
        raise InvalidPublicKeyError("EC point not on the curve", reason=_ec.R_NOT_ON_CURVE)
    return x, y


def public_point(curve: Curve, data: bytes) -> Point:
    """Decode and validate a public point Q (on the curve, in the subgroup, not O)."""
    x, y = _decode_any_point(curve.p, curve.a, curve.b, data)
    return _ec.validate_point(curve, x, y, check_subgroup=True)


def validate_domain(curve: Curve) -> None:
    """Domain sanity for curves that matched no named one (raises InvalidPublicKeyError)."""
    _ec.validate_domain(curve)


def verify_digest(curve: Curve, q: Point, digest: bytes, r: int, s: int) -> bool:
    """True iff (r, s) is a valid ECDSA signature of ``digest`` under Q (SEC 1 §4.1.4)."""
    n = curve.n
    if not (1 <= r < n and 1 <= s < n):
        return False
    e = int.from_bytes(digest, "big")
    excess = len(digest) * 8 - n.bit_length()
    if excess > 0:
        e >>= excess
    w = pow(s, -1, n)
    pt = _ec.mul_add(curve, e * w % n, curve.G, r * w % n, q)
    if pt is None:
        return False
    return pt.x % n == r


def named_curve(oid: str) -> Optional[Curve]:
    return _ec.curve_by_oid(oid)
