"""PACE / CA domain parameters: standardized IDs and explicit parameters (ICAO 9303-11 §9.5).

A :class:`Domain` is what the protocols need of a group, the same for ECDH
and DH: draw a key pair, decode and validate a received public value,
encode one, the group operation, scalar multiplication, the shared secret
(x-coordinate or g^xy, padded to the field size) and a copy of itself with
another generator (the PACE mapped generator).

Standardized IDs (Table 12): 0-2 RFC 5114 DH groups, 8-18 NIST and
brainpool curves; 3-7 and 19-31 are reserved. Explicit parameters come as an
AlgorithmIdentifier (ecPublicKey + specifiedCurve, or dhpublicnumber +
DomainParameters): they are matched to a named curve by every parameter,
else validated (:func:`ec.validate_domain`, :func:`dh.validate_group`).

The chip chooses the domain (EF.CardAccess is unsigned), and a weak domain
lets a fake chip recover the password offline from one PACE run: a
:class:`DomainPolicy` therefore accepts only the standardized domains of
Table 12 (or explicit parameters equal to one of them, every parameter) by
default. Other explicit parameters need ``allow_explicit`` and then pass
:func:`check_strength` (sizes, prime order, small cofactor, not anomalous,
no small embedding degree; DH: sizes, prime q, g of order q).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Callable, Generic, Optional, TypeVar, Union

from asn1crypto import core as _core
from asn1crypto import keys as _keys

from ..errors import CccdError, InvalidPublicKeyError, ParseError, UnsupportedError
from ..frozen import frozen_dataclass
from . import dh, ec

Element = Union[ec.Point, int]
E = TypeVar("E", ec.Point, int)  # the group element of one Domain kind

STANDARD_DH = {0: "rfc5114-1024-160", 1: "rfc5114-2048-224", 2: "rfc5114-2048-256"}
STANDARD_EC = {
    8: "secp192r1",
    9: "brainpoolP192r1",
    10: "secp224r1",
    11: "brainpoolP224r1",
    12: "secp256r1",
    13: "brainpoolP256r1",
    14: "brainpoolP320r1",
    15: "secp384r1",
    16: "brainpoolP384r1",
    17: "brainpoolP512r1",
    18: "secp521r1",
}
STANDARD_IDS = tuple(sorted(list(STANDARD_DH) + list(STANDARD_EC)))

STANDARD_CURVE_NAMES = frozenset(STANDARD_EC.values())
STANDARD_DH_GROUP_NAMES = frozenset(STANDARD_DH.values())
R_NOT_STANDARDIZED = "DOMAIN_NOT_STANDARDIZED"
R_EC_WEAK = "EC_DOMAIN_WEAK"
R_DH_WEAK = "DH_DOMAIN_WEAK"
MAX_EMBEDDING_DEGREE_CHECKED = 100  # MOV/Frey-Rueck: p^k = 1 mod n for a small k is refused


@frozen_dataclass
class DomainPolicy:
    """Which domain parameters a chip may impose on PACE / Chip Authentication.

    Default: the standardized domains of ICAO 9303-11 Table 12 (IDs 0-2, 8-18),
    named or spelt out with every parameter equal. ``allow_explicit`` also accepts
    other explicit parameters that pass :func:`check_strength` with these minimums.
    """

    allow_explicit: bool = False
    min_ec_bits: int = 224  # field and order (BSI TR-03111 §4.1; TR-02102-1 §3.6)
    max_ec_cofactor: int = 4
    min_dh_p_bits: int = 2048
    min_dh_q_bits: int = 224


STRICT = DomainPolicy()
EXPLICIT_ALLOWED = DomainPolicy(allow_explicit=True)


def check_strength(domain: "AnyDomain", policy: DomainPolicy = EXPLICIT_ALLOWED) -> None:
    """Refuse explicit parameters too weak for a password-authenticated key agreement.

    EC (BSI TR-03111 §4.1.1, SEC 1 §3.1.1.2.1): field and order of at least
    ``min_ec_bits``, prime order (checked by :func:`ec.validate_domain`), cofactor at
    most ``max_ec_cofactor``, not anomalous (n != p: Smart's attack), embedding
    degree above :data:`MAX_EMBEDDING_DEGREE_CHECKED` (MOV / Frey-Rueck).
    DH (RFC 2785, NIST SP 800-56A §5.5.1.1): p of ``min_dh_p_bits``, q of
    ``min_dh_q_bits``, both prime, q | p-1, g of order q (:func:`dh.validate_group`).
    Raises InvalidPublicKeyError with reason EC_DOMAIN_WEAK / DH_DOMAIN_WEAK.
    """
    if isinstance(domain, EcDomain):
        c = domain.curve

        def weak(msg: str) -> InvalidPublicKeyError:
            return InvalidPublicKeyError(f"explicit EC domain parameters too weak: {msg}", reason=R_EC_WEAK)

        if c.p.bit_length() < policy.min_ec_bits or c.n.bit_length() < policy.min_ec_bits:
            raise weak(f"field {c.p.bit_length()} / order {c.n.bit_length()} bits, "
                       f"at least {policy.min_ec_bits} needed")
        if c.h > policy.max_ec_cofactor:
            raise weak(f"cofactor {c.h}")
        if c.n == c.p or c.n * c.h == c.p:
            raise weak("anomalous curve (order = field size)")
        t = 1
        for k in range(1, MAX_EMBEDDING_DEGREE_CHECKED + 1):
            t = t * c.p % c.n
            if t == 1:
                raise weak(f"embedding degree {k}")
        ec.validate_domain(c)
        return
    if isinstance(domain, DhDomain):
        g = domain.group

        def weak_dh(msg: str) -> InvalidPublicKeyError:
            return InvalidPublicKeyError(f"explicit DH parameters too weak: {msg}", reason=R_DH_WEAK)

        if g.p.bit_length() < policy.min_dh_p_bits:
            raise weak_dh(f"p has {g.p.bit_length()} bits, at least {policy.min_dh_p_bits} needed")
        if g.q.bit_length() < policy.min_dh_q_bits:
            raise weak_dh(f"q has {g.q.bit_length()} bits, at least {policy.min_dh_q_bits} needed")
        dh.validate_group(g)
        return
    raise UnsupportedError("unknown domain kind")


def is_standardized(domain: "AnyDomain") -> bool:
    """The domain is one of ICAO 9303-11 Table 12 (every parameter, standard generator)."""
    if isinstance(domain, EcDomain):
        named = ec.CURVES.get(domain.curve.name)
        return named is not None and named.name in STANDARD_CURVE_NAMES and named.params == domain.curve.params
    if isinstance(domain, DhDomain):
        known = dh.GROUPS.get(domain.group.name)
        return (known is not None and domain.group.name in STANDARD_DH_GROUP_NAMES
                and (known.p, known.g, known.q) == (domain.group.p, domain.group.g, domain.group.q))
    return False


def admit(domain: "AnyDomain", policy: DomainPolicy) -> "AnyDomain":
    """``domain`` when ``policy`` accepts it; UnsupportedError (not standardized) or InvalidPublicKeyError (weak)."""
    if is_standardized(domain):
        return domain
    if not policy.allow_explicit:
        raise UnsupportedError("domain parameters are not one of the standardized domains (ICAO 9303-11 "
                               "Table 12); explicit parameters are refused unless allowed by the policy",
                               reason=R_NOT_STANDARDIZED)
    check_strength(domain, policy)
    return domain


OID_EC_PUBLIC_KEY = "1.2.840.10045.2.1"
OID_DH_PUBLIC_NUMBER = "1.2.840.10046.2.1"
OID_STANDARDIZED_DOMAIN_PARAMETERS = "0.4.0.127.0.7.1.2"
OID_PRIME_FIELD = "1.2.840.10045.1.1"


class Domain(ABC, Generic[E]):
    """Group operations PACE and CA need, independent of ECDH / DH."""

    kind: str  # "ECDH" | "DH"
    parameter_id: Optional[int]

    @property
    @abstractmethod
    def order(self) -> int: ...

    @property
    @abstractmethod
    def field_size(self) -> int:
        """Bytes of a field element / of p (the size of the shared secret)."""

    @property
    @abstractmethod
    def generator(self) -> E: ...

    @property
    def public_tag(self) -> int:
        """Tag of the public value in a public key data object (§9.4.3 / §9.4.4)."""
        return 0x86 if self.kind == "ECDH" else 0x84

    @abstractmethod
    def decode(self, data: bytes) -> E:
        """Decode and fully validate a received public value."""

    @abstractmethod
    def encode(self, e: E) -> bytes: ...

    @abstractmethod
    def mul_gen(self, k: int) -> E:
        """k * G (or g^k) for this domain's generator."""

    @abstractmethod
    def mul(self, k: int, e: E) -> E:
        """k * P (or y^k)."""

    @abstractmethod
    def op(self, a: E, b: E) -> E:
        """The group operation (P + Q or a*b mod p)."""

    def mul_gen_add(self, k1: int, k2: int, e: E) -> Optional[E]:
        """k1*G + k2*e (or g^k1 * e^k2), None when that is the identity (PACE-GM host key, §4.4.3.3.1)."""
        r = self.op(self.mul_gen(k1), self.mul(k2, e))
        return None if self.is_identity(r) else r

    @abstractmethod
    def inverse(self, e: E) -> E:
        """The group inverse (-P or e^-1 mod p)."""

    @abstractmethod
    def shared_secret(self, sk: int, peer: E) -> bytes:
        """KA(sk, peer): x-coordinate (ECKA) or peer^sk mod p, padded to the field size."""

    @abstractmethod
    def with_generator(self, g: E) -> "Domain[E]": ...

    @abstractmethod
    def is_identity(self, e: Optional[E]) -> bool: ...

    def generate(self, rng: Callable[[int], bytes]) -> tuple[int, E]:
        """Key pair with the private key drawn by the house rule (rng, redraw)."""
        k = ec.random_scalar(self.order, rng)
        return k, self.mul_gen(k)


class EcDomain(Domain[ec.Point]):
    kind = "ECDH"

    def __init__(self, curve: ec.Curve, parameter_id: Optional[int] = None, *, base: Optional[ec.Curve] = None):
        self.curve = curve
        self.base = base or curve  # the curve with its standard generator (for OpenSSL)
        self.parameter_id = parameter_id

    @property
    def order(self) -> int:
        return self.curve.n

    @property
    def field_size(self) -> int:
        return self.curve.size

    @property
    def generator(self) -> ec.Point:
        return self.curve.G

    def decode(self, data: bytes) -> ec.Point:
        return ec.decode_point(self.curve, data)

    def encode(self, e: ec.Point) -> bytes:
        return ec.encode_point(self.curve, e)

    def mul_gen(self, k: int) -> ec.Point:
        if self.curve is self.base:
            P = ec.mul_base(self.curve, k)
        else:
            P = ec.mul(self.curve, k, self.curve.G)
        return ec.check_not_identity(P, "public key")

    def mul(self, k: int, e: ec.Point) -> ec.Point:
        return ec.check_not_identity(ec.mul(self.curve, k, e), "EC scalar product")

    def op(self, a: ec.Point, b: ec.Point) -> ec.Point:
        return ec.check_not_identity(ec.add(self.curve, a, b), "EC point sum")

    def mul_gen_add(self, k1: int, k2: int, e: ec.Point) -> Optional[ec.Point]:
        n = self.curve.n
        k1, k2 = k1 % n, k2 % n
        if not k1:
            return ec.mul(self.curve, k2, e)
        if not k2:
            return ec.mul(self.curve, k1, self.curve.G)
        return ec.mul_sum(self.curve, k1, k2, e)

    def inverse(self, e: ec.Point) -> ec.Point:
        return ec.Point(e.x, (-e.y) % self.curve.p)

    def shared_secret(self, sk: int, peer: ec.Point) -> bytes:
        return ec.ecdh_x(self.base, sk, peer)

    def with_generator(self, g: ec.Point) -> "EcDomain":
        return EcDomain(self.curve.with_generator(g), self.parameter_id, base=self.base)

    def is_identity(self, e: Optional[ec.Point]) -> bool:
        return e is None

    def __repr__(self) -> str:
        return f"EcDomain({self.curve.name}, id={self.parameter_id})"


class DhDomain(Domain[int]):
    kind = "DH"

    def __init__(self, group: dh.DhGroup, parameter_id: Optional[int] = None):
        self.group = group
        self.parameter_id = parameter_id

    @property
    def order(self) -> int:
        return self.group.q

    @property
    def field_size(self) -> int:
        return self.group.size

    @property
    def generator(self) -> int:
        return self.group.g

    def decode(self, data: bytes) -> int:
        return dh.decode_value(self.group, data)

    def encode(self, e: int) -> bytes:
        """Unsigned integer with the least number of bytes (ICAO 9303-11 §9.4.1, §9.4.3)."""
        v = int(e)
        return v.to_bytes(max(1, (v.bit_length() + 7) // 8), "big")

    def mul_gen(self, k: int) -> int:
        return dh.power(self.group, self.group.g, k)

    def mul(self, k: int, e: int) -> int:
        return dh.power(self.group, e, k)

    def op(self, a: int, b: int) -> int:
        return a * b % self.group.p

    def inverse(self, e: int) -> int:
        return pow(e, -1, self.group.p)

    def shared_secret(self, sk: int, peer: int) -> bytes:
        return dh.shared_secret(self.group, sk, peer)

    def with_generator(self, g: int) -> "DhDomain":
        return DhDomain(self.group.with_generator(g), self.parameter_id)

    def is_identity(self, e: Optional[int]) -> bool:
        return e is None or e == 1

    def __repr__(self) -> str:
        return f"DhDomain({self.group.name}, id={self.parameter_id})"


#: A domain of either kind (its element type, ``ec.Point`` or ``int``, is known only at run time).
AnyDomain = Domain[Any]


def standard(parameter_id: int) -> AnyDomain:
    """The standardized domain parameters of ICAO 9303-11 Table 12."""
    if parameter_id in STANDARD_EC:
        return EcDomain(ec.curve_by_name(STANDARD_EC[parameter_id]), parameter_id)
    if parameter_id in STANDARD_DH:
        return DhDomain(dh.GROUPS[STANDARD_DH[parameter_id]], parameter_id)
    raise UnsupportedError(f"standardized domain parameter ID {parameter_id} is reserved or unknown")


# --- explicit parameters (AlgorithmIdentifier) --------------------------------


class _DhDomainParameters(_core.Sequence):
    """X9.42 DomainParameters (RFC 3279 §2.3.3); only p, g, q are used."""

    _fields = [
        ("p", _core.Integer),
        ("g", _core.Integer),
        ("q", _core.Integer),
        ("j", _core.Integer, {"optional": True}),
        ("validation_parms", _core.Any, {"optional": True}),
    ]


class _AlgId(_core.Sequence):
    _fields = [("algorithm", _core.ObjectIdentifier), ("parameters", _core.Any, {"optional": True})]


def from_algorithm_identifier(der: bytes, parameter_id: Optional[int] = None, *, file: Optional[str] = None,
                              policy: Optional[DomainPolicy] = STRICT) -> AnyDomain:
    """Domain from an AlgorithmIdentifier (explicit EC/DH, or standardizedDomainParameters).

    Explicit EC parameters equal to a named curve (all of p, a, b, G, n, h) give
    that curve; others are validated and used as given. Raises ParseError for
    malformed input, InvalidPublicKeyError for unsound or (by ``policy``) weak
    parameters, UnsupportedError (reason DOMAIN_NOT_STANDARDIZED) for parameters
    outside Table 12 when ``policy`` does not allow explicit ones. ``policy=None``
    skips the policy (sound parameters only; for building test cards).
    """
    d = _from_algorithm_identifier(der, parameter_id, file=file)
    return d if policy is None else admit(d, policy)


def _from_algorithm_identifier(der: bytes, parameter_id: Optional[int], *, file: Optional[str]) -> AnyDomain:
    try:
        alg = _AlgId.load(der, strict=True)
        oid = alg["algorithm"].dotted
        params = alg["parameters"]
        if oid == OID_STANDARDIZED_DOMAIN_PARAMETERS:
            pid = _core.Integer.load(params.dump(), strict=True).native
            d = standard(pid)
            return d
        if oid == OID_EC_PUBLIC_KEY:
            ecp = _keys.ECDomainParameters.load(params.dump(), strict=True)
            if ecp.name == "named":
                named = ec.curve_by_oid(ecp.chosen.dotted)
                if named is None:
                    raise UnsupportedError(f"named curve {ecp.chosen.dotted} is not supported")
                return EcDomain(named, parameter_id)
            if ecp.name != "specified":
                raise UnsupportedError("implicitly-CA EC parameters are not supported")
            curve = curve_from_specified(ecp.chosen)
            return EcDomain(curve, parameter_id)
        if oid == OID_DH_PUBLIC_NUMBER:
            dp = _DhDomainParameters.load(params.dump(), strict=True)
            group = dh.DhGroup("explicit", dp["p"].native, dp["g"].native, dp["q"].native)
            for known in dh.RFC5114_GROUPS:
                if (known.p, known.g, known.q) == (group.p, group.g, group.q):
                    return DhDomain(known, parameter_id)
            dh.validate_group(group)
            return DhDomain(group, parameter_id)
    except CccdError:
        raise
    except Exception as exc:  # noqa: BLE001 - untrusted input boundary
        raise ParseError(f"malformed domain parameters ({type(exc).__name__})", file=file) from None
    raise UnsupportedError(f"domain parameter algorithm {oid} is not supported")


def curve_from_specified(spec: Any) -> ec.Curve:
    # ``spec``: an asn1crypto ``keys.SpecifiedECDomain`` (asn1crypto ships no type stubs)
    """A Curve from asn1crypto SpecifiedECDomain; named when every parameter matches."""
    field_type = spec["field_id"]["field_type"].dotted
    if field_type != OID_PRIME_FIELD:
        raise UnsupportedError("only prime-field curves are supported")
    p = spec["field_id"]["parameters"].native
    if not isinstance(p, int) or p.bit_length() > ec.MAX_FIELD_BITS:
        raise InvalidPublicKeyError("explicit curve prime out of range", reason="EC_DOMAIN_INVALID")
    a = int.from_bytes(spec["curve"]["a"].native, "big")
    b = int.from_bytes(spec["curve"]["b"].native, "big")
    base = spec["base"].native
    L = (p.bit_length() + 7) // 8
    if len(base) != 1 + 2 * L or base[0] != 0x04:
        raise InvalidPublicKeyError("explicit curve base point must be uncompressed", reason="EC_DOMAIN_INVALID")
    gx = int.from_bytes(base[1 : 1 + L], "big")
    gy = int.from_bytes(base[1 + L :], "big")
    n = spec["order"].native
    h = spec["cofactor"].native if spec["cofactor"].native is not None else None
    named = ec.find_named_curve(p, a, b, gx, gy, n, h)
    if named is not None:
        return named
    curve = ec.Curve("explicit", None, p, a % p, b % p, gx, gy, n, 1 if h is None else h)
    ec.validate_domain(curve)
    return curve
