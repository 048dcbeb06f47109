"""Elliptic curves over prime fields: the one place with EC point arithmetic.

PACE Generic Mapping needs ``s*G + H`` and key pairs on a mapped generator
(ICAO 9303-11 §4.4.3.3.1), Integrated Mapping needs the point encoding of
Appendix B, and explicit-parameter CSCA keys need ECDSA over a curve given
by its parameters (ICAO 9303-12 §4.4.6). ``cryptography`` has no point
arithmetic, so this module gives it:

- short Weierstrass curves ``y^2 = x^3 + a*x + b`` over GF(p) (BSI TR-03111 §2.3);
- scalar products through libcrypto's ``EC_POINT_mul`` (:mod:`.libcrypto`,
  constant-time single-scalar paths) on every curve OpenSSL accepts, named or
  explicit; the pure-Python arithmetic below is the fallback when no libcrypto 3
  is loadable (and does the rare public checks n*P, h*P);
- pure Python: Jacobian coordinates, width-w NAF scalar multiplication with an
  affine (batch-normalised) table and mixed additions, interleaved ``mul_add``,
  fixed-base products through ``cryptography`` or a cached comb table;
- uncompressed encoding with every coordinate padded to the field size
  (TR-03111 §3.2.1) and full validation of every received point
  (:func:`decode_point`): exact length, format byte, coordinates below p,
  on the curve, not the identity, in the subgroup of order n.

The pure-Python fallback is not constant-time. It only ever handles
ephemeral session keys of the host and the virtual chip.
"""

from __future__ import annotations

from dataclasses import field
from functools import cached_property, lru_cache
from typing import Callable, Iterator, Optional

from cryptography.hazmat.primitives.asymmetric import ec as _ossl_ec

from ..errors import InvalidPublicKeyError, UnsupportedError
from ..frozen import frozen_dataclass
from . import libcrypto
from .primes import probably_prime

# Reasons carried by InvalidPublicKeyError.reason for received EC points.
R_LENGTH = "EC_POINT_LENGTH"
R_FORMAT = "EC_POINT_FORMAT"
R_COORDINATE = "EC_COORDINATE_OUT_OF_RANGE"
R_NOT_ON_CURVE = "EC_POINT_NOT_ON_CURVE"
R_IDENTITY = "EC_POINT_IDENTITY"
R_SUBGROUP = "EC_POINT_NOT_IN_SUBGROUP"

MAX_FIELD_BITS = 1024  # explicit parameters beyond this are refused


@frozen_dataclass
class Point:
    """An affine point; the identity (point at infinity) is ``None`` in this API."""

    x: int
    y: int

    def __iter__(self) -> Iterator[int]:  # allows ``x, y = point``
        yield self.x
        yield self.y


@frozen_dataclass
class Curve:
    """Domain parameters of a prime-field curve (BSI TR-03111 §2.3.1)."""

    name: str
    oid: Optional[str]
    p: int
    a: int
    b: int
    gx: int
    gy: int
    n: int
    h: int
    size: int = field(init=False)  # bytes of a field element
    order_size: int = field(init=False)  # bytes of the order

    def __post_init__(self) -> None:
        object.__setattr__(self, "size", (self.p.bit_length() + 7) // 8)
        object.__setattr__(self, "order_size", (self.n.bit_length() + 7) // 8)

    @property
    def G(self) -> Point:
        return Point(self.gx, self.gy)

    @property
    def bits(self) -> int:
        return self.p.bit_length()

    @cached_property
    def params(self) -> tuple[int, int, int, int, int, int, int]:
        return (self.p, self.a, self.b, self.gx, self.gy, self.n, self.h)

    @cached_property
    def core(self) -> tuple[int, int, int, int, int]:
        """(p, a, b, n, h): the group, whatever the generator."""
        return (self.p, self.a % self.p, self.b % self.p, self.n, self.h)

    @cached_property
    def named(self) -> Optional["Curve"]:
        """The named curve with this group (itself, or its own for a mapped generator), else None."""
        return _BY_CORE.get(self.core)

    def with_generator(self, g: Point) -> "Curve":
        """The same curve with another generator (PACE mapped generator G')."""
        return Curve(self.name + "'", None, self.p, self.a, self.b, g.x, g.y, self.n, self.h)

    def __repr__(self) -> str:
        return f"Curve({self.name})"


def _c(name: str, oid: str, p: int, a: int, b: int, gx: int, gy: int, n: int, h: int) -> Curve:
    return Curve(name, oid or None, p, a, b, gx, gy, n, h)


# Parameters as published in FIPS 186-4 / SEC 2 and RFC 5639 (brainpool).
_TABLE = (
    _c("secp192r1", "1.2.840.10045.3.1.1",
       0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFFFFFFFFFF,
       0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFFFFFFFFFC,
       0x64210519E59C80E70FA7E9AB72243049FEB8DEECC146B9B1,
       0x188DA80EB03090F67CBF20EB43A18800F4FF0AFD82FF1012,
       0x7192B95FFC8DA78631011ED6B24CDD573F977A11E794811,
       0xFFFFFFFFFFFFFFFFFFFFFFFF99DEF836146BC9B1B4D22831, 1),
    _c("secp224r1", "1.3.132.0.33",
       0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF000000000000000000000001,
       0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFE,
       0xB4050A850C04B3ABF54132565044B0B7D7BFD8BA270B39432355FFB4,
       0xB70E0CBD6BB4BF7F321390B94A03C1D356C21122343280D6115C1D21,
       0xBD376388B5F723FB4C22DFE6CD4375A05A07476444D5819985007E34,
       0xFFFFFFFFFFFFFFFFFFFFFFFFFFFF16A2E0B8F03E13DD29455C5C2A3D, 1),
    _c("secp256r1", "1.2.840.10045.3.1.7",
       0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF,
       0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFC,
       0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B,
       0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
       0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5,
       0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551, 1),
    _c("secp384r1", "1.3.132.0.34",
       0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFF0000000000000000FFFFFFFF,
       0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFF0000000000000000FFFFFFFC,
       0xB3312FA7E23EE7E4988E056BE3F82D19181D9C6EFE8141120314088F5013875AC656398D8A2ED19D2A85C8EDD3EC2AEF,
       0xAA87CA22BE8B05378EB1C71EF320AD746E1D3B628BA79B9859F741E082542A385502F25DBF55296C3A545E3872760AB7,
       0x3617DE4A96262C6F5D9E98BF9292DC29F8F41DBD289A147CE9DA3113B5F0B8C00A60B1CE1D7E819D7A431D7C90EA0E5F,
       0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973, 1),
    _c("secp521r1", "1.3.132.0.35",
       0x1FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF,
       0x1FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC,
       0x51953EB9618E1C9A1F929A21A0B68540EEA2DA725B99B315F3B8B489918EF109E156193951EC7E937B1652C0BD3BB1BF073573DF883D2C34F1EF451FD46B503F00,
       0xC6858E06B70404E9CD9E3ECB662395B4429C648139053FB521F828AF606B4D3DBAA14B5E77EFE75928FE1DC127A2FFA8DE3348B3C1856A429BF97E7E31C2E5BD66,
       0x11839296A789A3BC0045C8A5FB42C7D1BD998F54449579B446817AFBD17273E662C97EE72995EF42640C550B9013FAD0761353C7086A272C24088BE94769FD16650,
       0x1FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFA51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409, 1),
    _c("brainpoolP160r1", "1.3.36.3.3.2.8.1.1.1",
       0xE95E4A5F737059DC60DFC7AD95B3D8139515620F,
       0x340E7BE2A280EB74E2BE61BADA745D97E8F7C300,
       0x1E589A8595423412134FAA2DBDEC95C8D8675E58,
       0xBED5AF16EA3F6A4F62938C4631EB5AF7BDBCDBC3,
       0x1667CB477A1A8EC338F94741669C976316DA6321,
       0xE95E4A5F737059DC60DF5991D45029409E60FC09, 1),
    _c("brainpoolP192r1", "1.3.36.3.3.2.8.1.1.3",
       0xC302F41D932A36CDA7A3463093D18DB78FCE476DE1A86297,
       0x6A91174076B1E0E19C39C031FE8685C1CAE040E5C69A28EF,
       0x469A28EF7C28CCA3DC721D044F4496BCCA7EF4146FBF25C9,
       0xC0A0647EAAB6A48753B033C56CB0F0900A2F5C4853375FD6,
       0x14B690866ABD5BB88B5F4828C1490002E6773FA2FA299B8F,
       0xC302F41D932A36CDA7A3462F9E9E916B5BE8F1029AC4ACC1, 1),
    _c("brainpoolP224r1", "1.3.36.3.3.2.8.1.1.5",
       0xD7C134AA264366862A18302575D1D787B09F075797DA89F57EC8C0FF,
       0x68A5E62CA9CE6C1C299803A6C1530B514E182AD8B0042A59CAD29F43,
       0x2580F63CCFE44138870713B1A92369E33E2135D266DBB372386C400B,
       0xD9029AD2C7E5CF4340823B2A87DC68C9E4CE3174C1E6EFDEE12C07D,
       0x58AA56F772C0726F24C6B89E4ECDAC24354B9E99CAA3F6D3761402CD,
       0xD7C134AA264366862A18302575D0FB98D116BC4B6DDEBCA3A5A7939F, 1),
    _c("brainpoolP256r1", "1.3.36.3.3.2.8.1.1.7",
       0xA9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5377,
       0x7D5A0975FC2C3057EEF67530417AFFE7FB8055C126DC5C6CE94A4B44F330B5D9,
       0x26DC5C6CE94A4B44F330B5D9BBD77CBF958416295CF7E1CE6BCCDC18FF8C07B6,
       0x8BD2AEB9CB7E57CB2C4B482FFC81B7AFB9DE27E1E3BD23C23A4453BD9ACE3262,
       0x547EF835C3DAC4FD97F8461A14611DC9C27745132DED8E545C1D54C72F046997,
       0xA9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A7, 1),
    _c("brainpoolP320r1", "1.3.36.3.3.2.8.1.1.9",
       0xD35E472036BC4FB7E13C785ED201E065F98FCFA6F6F40DEF4F92B9EC7893EC28FCD412B1F1B32E27,
       0x3EE30B568FBAB0F883CCEBD46D3F3BB8A2A73513F5EB79DA66190EB085FFA9F492F375A97D860EB4,
       0x520883949DFDBC42D3AD198640688A6FE13F41349554B49ACC31DCCD884539816F5EB4AC8FB1F1A6,
       0x43BD7E9AFB53D8B85289BCC48EE5BFE6F20137D10A087EB6E7871E2A10A599C710AF8D0D39E20611,
       0x14FDD05545EC1CC8AB4093247F77275E0743FFED117182EAA9C77877AAAC6AC7D35245D1692E8EE1,
       0xD35E472036BC4FB7E13C785ED201E065F98FCFA5B68F12A32D482EC7EE8658E98691555B44C59311, 1),
    _c("brainpoolP384r1", "1.3.36.3.3.2.8.1.1.11",
       0x8CB91E82A3386D280F5D6F7E50E641DF152F7109ED5456B412B1DA197FB71123ACD3A729901D1A71874700133107EC53,
       0x7BC382C63D8C150C3C72080ACE05AFA0C2BEA28E4FB22787139165EFBA91F90F8AA5814A503AD4EB04A8C7DD22CE2826,
       0x4A8C7DD22CE28268B39B55416F0447C2FB77DE107DCD2A62E880EA53EEB62D57CB4390295DBC9943AB78696FA504C11,
       0x1D1C64F068CF45FFA2A63A81B7C13F6B8847A3E77EF14FE3DB7FCAFE0CBD10E8E826E03436D646AAEF87B2E247D4AF1E,
       0x8ABE1D7520F9C2A45CB1EB8E95CFD55262B70B29FEEC5864E19C054FF99129280E4646217791811142820341263C5315,
       0x8CB91E82A3386D280F5D6F7E50E641DF152F7109ED5456B31F166E6CAC0425A7CF3AB6AF6B7FC3103B883202E9046565, 1),
    _c("brainpoolP512r1", "1.3.36.3.3.2.8.1.1.13",
       0xAADD9DB8DBE9C48B3FD4E6AE33C9FC07CB308DB3B3C9D20ED6639CCA703308717D4D9B009BC66842AECDA12AE6A380E62881FF2F2D82C68528AA6056583A48F3,
       0x7830A3318B603B89E2327145AC234CC594CBDD8D3DF91610A83441CAEA9863BC2DED5D5AA8253AA10A2EF1C98B9AC8B57F1117A72BF2C7B9E7C1AC4D77FC94CA,
       0x3DF91610A83441CAEA9863BC2DED5D5AA8253AA10A2EF1C98B9AC8B57F1117A72BF2C7B9E7C1AC4D77FC94CADC083E67984050B75EBAE5DD2809BD638016F723,
       0x81AEE4BDD82ED9645A21322E9C4C6A9385ED9F70B5D916C1B43B62EEF4D0098EFF3B1F78E2D0D48D50D1687B93B97D5F7C6D5047406A5E688B352209BCB9F822,
       0x7DDE385D566332ECC0EABFA9CF7822FDF209F70024A57B1AA000C55B881F8111B2DCDE494A5F485E5BCA4BD88A2763AED1CA2B2FA8F0540678CD1E0F3AD80892,
       0xAADD9DB8DBE9C48B3FD4E6AE33C9FC07CB308DB3B3C9D20ED6639CCA70330870553E5C414CA92619418661197FAC10471DB1D381085DDADDB58796829CA90069, 1),
)

CURVES: dict[str, Curve] = {c.name: c for c in _TABLE}
# (p, a, b, n, h) -> named curve: a mapped generator's curve uses the named curve's OpenSSL group
_BY_CORE: dict[tuple[int, int, int, int, int], Curve] = {(c.p, c.a, c.b, c.n, c.h): c for c in _TABLE}
_BY_OID: dict[str, Curve] = {c.oid: c for c in _TABLE if c.oid}
_BY_PARAMS: dict[tuple[int, int, int, int, int, int, int], Curve] = {c.params: c for c in _TABLE}
ALIASES = {"P-192": "secp192r1", "prime192v1": "secp192r1", "P-224": "secp224r1", "P-256": "secp256r1",
           "prime256v1": "secp256r1", "P-384": "secp384r1", "P-521": "secp521r1"}

_OSSL: dict[str, type[_ossl_ec.EllipticCurve]] = {
    "secp192r1": _ossl_ec.SECP192R1,
    "secp224r1": _ossl_ec.SECP224R1,
    "secp256r1": _ossl_ec.SECP256R1,
    "secp384r1": _ossl_ec.SECP384R1,
    "secp521r1": _ossl_ec.SECP521R1,
    "brainpoolP256r1": _ossl_ec.BrainpoolP256R1,
    "brainpoolP384r1": _ossl_ec.BrainpoolP384R1,
    "brainpoolP512r1": _ossl_ec.BrainpoolP512R1,
}


def curve_by_name(name: str) -> Curve:
    """A named curve ("brainpoolP256r1", "secp256r1" / "P-256", ...)."""
    c = CURVES.get(ALIASES.get(name, name))
    if c is None:
        raise UnsupportedError(f"unknown elliptic curve {name!r}")
    return c


def curve_by_oid(oid: str) -> Optional[Curve]:
    return _BY_OID.get(oid)


def find_named_curve(p: int, a: int, b: int, gx: int, gy: int, n: int, h: Optional[int]) -> Optional[Curve]:
    """The named curve whose EVERY parameter equals the given ones, else None.

    ``a`` and ``b`` are compared reduced mod p; a missing cofactor (optional in
    ECParameters) is taken as the named curve's own only if that is 1.
    """
    key_a, key_b = a % p if p else a, b % p if p else b
    if h is None:
        return _BY_PARAMS.get((p, key_a, key_b, gx, gy, n, 1))
    return _BY_PARAMS.get((p, key_a, key_b, gx, gy, n, h))


def ossl_curve(curve: Curve) -> Optional[_ossl_ec.EllipticCurve]:
    """The ``cryptography`` curve object for a named curve OpenSSL handles, else None."""
    if curve.oid is None:
        return None
    cls = _OSSL.get(curve.name)
    return cls() if cls is not None else None


# --- field / affine helpers ----------------------------------------------------


def is_on_curve(curve: Curve, x: int, y: int) -> bool:
    p = curve.p
    return (y * y - (x * x * x + curve.a * x + curve.b)) % p == 0


def neg(curve: Curve, P: Optional[Point]) -> Optional[Point]:
    if P is None:
        return None
    return Point(P.x, (-P.y) % curve.p)


# --- Jacobian arithmetic (X, Y, Z) ~ (X/Z^2, Y/Z^3); Z == 0 is the identity -------

Jac = tuple[int, int, int]
_Aff = Optional[tuple[int, int]]  # an affine (x, y), None for the identity
_J_INF: Jac = (1, 1, 0)


def _jdbl(P: Jac, p: int, a: int, a_is_m3: bool) -> Jac:
    X, Y, Z = P
    if not Z or not Y:
        return _J_INF
    YY = Y * Y % p
    S = 4 * X * YY % p
    ZZ = Z * Z % p
    if a_is_m3:
        M = 3 * (X - ZZ) * (X + ZZ) % p
    else:
        M = (3 * X * X + a * ZZ * ZZ) % p
    X3 = (M * M - 2 * S) % p
    return (X3, (M * (S - X3) - 8 * YY * YY) % p, 2 * Y * Z % p)


def _jadd_affine(P: Jac, x2: int, y2: int, p: int, a: int, a_is_m3: bool) -> Jac:
    """Mixed addition Jacobian + affine."""
    X1, Y1, Z1 = P
    if not Z1:
        return (x2, y2, 1)
    Z1Z1 = Z1 * Z1 % p
    H = (x2 * Z1Z1 - X1) % p
    r = (y2 * Z1 * Z1Z1 - Y1) % p
    if not H:
        if not r:
            return _jdbl(P, p, a, a_is_m3)
        return _J_INF
    HH = H * H % p
    HHH = H * HH % p
    V = X1 * HH % p
    X3 = (r * r - HHH - 2 * V) % p
    return (X3, (r * (V - X3) - Y1 * HHH) % p, Z1 * H % p)


def _jadd(P: Jac, Q: Jac, p: int, a: int, a_is_m3: bool) -> Jac:
    X1, Y1, Z1 = P
    X2, Y2, Z2 = Q
    if not Z1:
        return Q
    if not Z2:
        return P
    Z1Z1 = Z1 * Z1 % p
    Z2Z2 = Z2 * Z2 % p
    U1 = X1 * Z2Z2 % p
    U2 = X2 * Z1Z1 % p
    S1 = Y1 * Z2 * Z2Z2 % p
    S2 = Y2 * Z1 * Z1Z1 % p
    H = (U2 - U1) % p
    r = (S2 - S1) % p
    if not H:
        if not r:
            return _jdbl(P, p, a, a_is_m3)
        return _J_INF
    HH = H * H % p
    HHH = H * HH % p
    V = U1 * HH % p
    X3 = (r * r - HHH - 2 * V) % p
    return (X3, (r * (V - X3) - S1 * HHH) % p, Z1 * Z2 * H % p)


def _to_affine(P: Jac, p: int) -> Optional[Point]:
    X, Y, Z = P
    if not Z:
        return None
    zi = pow(Z, -1, p)
    zi2 = zi * zi % p
    return Point(X * zi2 % p, Y * zi2 * zi % p)


def _batch_affine(points: list[Jac], p: int) -> list[_Aff]:
    """Normalise many Jacobian points with one inversion (Montgomery's trick).

    Identity entries come back as None.
    """
    zs = [P[2] for P in points]
    prefix = []
    acc = 1
    for z in zs:
        prefix.append(acc)
        if z:
            acc = acc * z % p
    inv = pow(acc, -1, p) if acc != 1 or any(zs) else 1
    out: list[_Aff] = [None] * len(points)
    for i in range(len(points) - 1, -1, -1):
        z = zs[i]
        if not z:
            continue
        zi = inv * prefix[i] % p
        inv = inv * z % p
        zi2 = zi * zi % p
        X, Y, _ = points[i]
        out[i] = (X * zi2 % p, Y * zi2 * zi % p)
    return out


def _wnaf(k: int, w: int) -> list[int]:
    """Width-w NAF digits of k >= 0, least significant first."""
    digits = []
    full = 1 << w
    half = full >> 1
    while k:
        if k & 1:
            d = k & (full - 1)
            if d >= half:
                d -= full
            k -= d
        else:
            d = 0
        digits.append(d)
        k >>= 1
    return digits


def _odd_multiples(curve: Curve, P: Point, w: int) -> list[_Aff]:
    """Affine P, 3P, 5P, ..., (2^(w-1)-1)P as (x, y) tuples (None for identity)."""
    p, a = curve.p, curve.a
    m3 = _a_is_m3(curve)
    base = (P.x, P.y, 1)
    twice = _jdbl(base, p, a, m3)
    table = [base]
    for _ in range((1 << (w - 2)) - 1):
        table.append(_jadd(table[-1], twice, p, a, m3))
    return _batch_affine(table, p)


def _a_is_m3(curve: Curve) -> bool:
    return curve.a % curve.p == curve.p - 3


def _window_for(bits: int) -> int:
    return 4 if bits <= 200 else 5


def _mul_jac(curve: Curve, k: int, P: Point) -> Jac:
    p, a = curve.p, curve.a
    m3 = _a_is_m3(curve)
    w = _window_for(k.bit_length())
    table = _odd_multiples(curve, P, w)
    R = _J_INF
    for d in reversed(_wnaf(k, w)):
        R = _jdbl(R, p, a, m3)
        if d:
            pt = table[abs(d) >> 1]
            if pt is None:
                continue
            R = _jadd_affine(R, pt[0], pt[1] if d > 0 else p - pt[1], p, a, m3)
    return R


# --- libcrypto (constant-time C) -------------------------------------------------------


# Explicit domains that passed validate_domain: libcrypto's ladder pads the scalar with the
# group's cardinality n*h, so it may only run where n*h is the curve's true order.
_VALIDATED: set[tuple[int, int, int, int, int]] = set()
_MAX_VALIDATED = 256


def _native_group(curve: Curve) -> Optional[tuple[Optional[str], tuple[int, int, int, int, int, int, int]]]:
    """(OID, parameters) of the OpenSSL group for ``curve`` - the named curve's, also for a
    mapped generator (PACE G') - or None when the curve is neither named nor validated."""
    named = curve.named
    if named is not None:
        return named.oid, named.params
    if curve.core in _VALIDATED:
        return None, curve.params
    return None


def _pyca_openssl_version() -> int:
    try:
        from cryptography.hazmat.backends.openssl.backend import backend

        return int(backend.openssl_version_number())
    except Exception:  # noqa: BLE001 - a private API of cryptography; only a speed choice hangs on it
        return 0


# Fixed-base products and x-only ECDH go through cryptography's own OpenSSL instead of the
# system libcrypto where the former is much faster: P-384 got its fast implementation in
# OpenSSL 3.2 (measured: 0.25 ms vs 0.68 ms per product with a 3.0 libcrypto).
_PYCA_FASTER: frozenset[str] = frozenset(
    {"secp384r1"} if libcrypto.AVAILABLE and int(libcrypto.version() or "0", 16) < 0x30200000
    and _pyca_openssl_version() >= 0x30200000 else ()
)


def _native_mul(curve: Curve, k: int, P: Point) -> tuple[bool, Optional[Point]]:
    """(done, k*P) through libcrypto for 0 < k < n; done is False when Python must do it."""
    target = _native_group(curve) if libcrypto.AVAILABLE and 0 < k < curve.n else None
    if target is None:
        return False, None
    oid, params = target
    try:
        if P.x == params[3] and P.y == params[4]:
            r = libcrypto.ec_mul_gen(oid, params, k)
        else:
            r = libcrypto.ec_mul(oid, params, k, (P.x, P.y))
    except libcrypto.NativeError:
        return False, None
    return True, None if r is None else Point(r[0], r[1])


def _native_x(curve: Curve, k: int, P: Point) -> tuple[bool, Optional[bytes]]:
    """(done, x(k*P) padded to the field size) through libcrypto for 0 < k < n (None: the identity)."""
    target = _native_group(curve) if libcrypto.AVAILABLE and 0 < k < curve.n else None
    if target is None:
        return False, None
    try:
        return True, libcrypto.ec_mul_x(target[0], target[1], k, (P.x, P.y))
    except libcrypto.NativeError:
        return False, None


# --- public arithmetic ----------------------------------------------------------


def add(curve: Curve, P: Optional[Point], Q: Optional[Point]) -> Optional[Point]:
    """P + Q (affine in, affine out; None is the identity)."""
    if P is None:
        return Q
    if Q is None:
        return P
    m3 = _a_is_m3(curve)
    return _to_affine(_jadd_affine((P.x, P.y, 1), Q.x, Q.y, curve.p, curve.a, m3), curve.p)


def double(curve: Curve, P: Optional[Point]) -> Optional[Point]:
    if P is None:
        return None
    return _to_affine(_jdbl((P.x, P.y, 1), curve.p, curve.a, _a_is_m3(curve)), curve.p)


def mul(curve: Curve, k: int, P: Optional[Point]) -> Optional[Point]:
    """k*P for any k (libcrypto's ladder for 0 < k < n, else wNAF in Jacobian coordinates)."""
    if k < 0:
        return mul(curve, -k, neg(curve, P))
    if P is None or k == 0:
        return None
    done, R = _native_mul(curve, k, P)
    if done:
        return R
    return _to_affine(_mul_jac(curve, k, P), curve.p)


def mul_sum(curve: Curve, k1: int, k2: int, P: Point) -> Optional[Point]:
    """k1*G + k2*P for the curve's generator G and 0 <= k1, k2 < n.

    PACE-GM on the host: sk*G' = (sk*s)*G + (sk*SK_map)*PK_map,IC (ICAO 9303-11
    §4.4.3.3.1) without G'. libcrypto: two constant-time single-scalar products and
    one addition in C when G is the named curve's generator.
    """
    target = _native_group(curve) if libcrypto.AVAILABLE and 0 < k1 < curve.n and 0 < k2 < curve.n else None
    if target is not None and curve.name not in _PYCA_FASTER:
        oid, params = target
        if (curve.gx, curve.gy) == (params[3], params[4]):
            try:
                r = libcrypto.ec_mul_sum(oid, params, k1, k2, (P.x, P.y))
            except libcrypto.NativeError:
                pass
            else:
                return None if r is None else Point(r[0], r[1])
    return add(curve, mul_base(curve, k1) if curve.oid else mul(curve, k1, curve.G), mul(curve, k2, P))


def is_multiple(curve: Curve, k: int, P: Point, Q: Point) -> bool:
    """k*P == Q with one scalar product (the PACE-CAM check CA_IC * PK_IC = PK_map,IC,
    ICAO 9303-11 §4.4.3.5.2; full points compared, not only x)."""
    return 0 < k < curve.n and mul(curve, k, P) == Q


def mul_add(curve: Curve, k1: int, P: Optional[Point], k2: int, Q: Optional[Point]) -> Optional[Point]:
    """k1*P + k2*Q (public scalars, e.g. ECDSA verification): libcrypto's products, else
    one shared doubling chain (interleaved wNAF)."""
    if libcrypto.AVAILABLE and 0 < k1 < curve.n and 0 < k2 < curve.n and P is not None and Q is not None:
        d1, R1 = _native_mul(curve, k1, P)
        d2, R2 = _native_mul(curve, k2, Q)
        if d1 and d2:
            return add(curve, R1, R2)
    if k1 < 0 or k2 < 0:
        return add(curve, mul(curve, k1, P), mul(curve, k2, Q))
    if P is None or k1 == 0:
        return mul(curve, k2, Q)
    if Q is None or k2 == 0:
        return mul(curve, k1, P)
    p, a = curve.p, curve.a
    m3 = _a_is_m3(curve)
    w = _window_for(max(k1.bit_length(), k2.bit_length()))
    t1 = _odd_multiples(curve, P, w)
    t2 = _odd_multiples(curve, Q, w)
    n1, n2 = _wnaf(k1, w), _wnaf(k2, w)
    length = max(len(n1), len(n2))
    n1 += [0] * (length - len(n1))
    n2 += [0] * (length - len(n2))
    R = _J_INF
    for i in range(length - 1, -1, -1):
        R = _jdbl(R, p, a, m3)
        for d, t in ((n1[i], t1), (n2[i], t2)):
            if d:
                pt = t[abs(d) >> 1]
                if pt is not None:
                    R = _jadd_affine(R, pt[0], pt[1] if d > 0 else p - pt[1], p, a, m3)
    return _to_affine(R, p)


# Fixed base: comb of 4-bit windows, one table per (curve, generator) --------------

_COMB_W = 4


@lru_cache(maxsize=32)
def _comb_table(curve: Curve) -> tuple[tuple[_Aff, ...], ...]:
    """For window i: the affine points j * 2^(4i) * G, j = 1..15."""
    p, a = curve.p, curve.a
    m3 = _a_is_m3(curve)
    windows = (curve.n.bit_length() + _COMB_W - 1) // _COMB_W
    jac = []
    base = (curve.gx, curve.gy, 1)
    for _ in range(windows):
        row = [base]
        for _j in range(2, 1 << _COMB_W):
            row.append(_jadd(row[-1], base, p, a, m3))
        jac.extend(row)
        nxt = row[-1]  # 15*base
        base = _jadd(nxt, row[0], p, a, m3)  # 16*base
    flat = _batch_affine(jac, p)
    step = (1 << _COMB_W) - 1
    return tuple(tuple(flat[i * step:(i + 1) * step]) for i in range(windows))


def _mul_base_own(curve: Curve, k: int) -> Optional[Point]:
    k %= curve.n
    if not k:
        return None
    p, a = curve.p, curve.a
    m3 = _a_is_m3(curve)
    table = _comb_table(curve)
    R = _J_INF
    i = 0
    mask = (1 << _COMB_W) - 1
    while k:
        d = k & mask
        if d:
            pt = table[i][d - 1]
            if pt is not None:
                R = _jadd_affine(R, pt[0], pt[1], p, a, m3)
        k >>= _COMB_W
        i += 1
    return _to_affine(R, p)


def mul_base(curve: Curve, k: int) -> Optional[Point]:
    """k*G for the curve's own generator (libcrypto, else ``cryptography`` or a comb table)."""
    k %= curve.n
    if not k:
        return None
    if curve.name not in _PYCA_FASTER:
        done, R = _native_mul(curve, k, curve.G)
        if done:
            return R
    oc = ossl_curve(curve)
    if oc is not None:
        pub = _ossl_ec.derive_private_key(k, oc).public_key()
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat  # not on verification's path

        raw = pub.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
        L = curve.size
        return Point(int.from_bytes(raw[1:1 + L], "big"), int.from_bytes(raw[1 + L:], "big"))
    return _mul_base_own(curve, k)


# --- encoding and validation (BSI TR-03111 §3.2.1) ---------------------------


def int_to_bytes(v: int, length: int) -> bytes:
    """Big-endian, left-padded to ``length`` (field or order size)."""
    return v.to_bytes(length, "big")


def encode_point(curve: Curve, P: Optional[Point]) -> bytes:
    """Uncompressed 04 || X || Y, each coordinate padded to the field size."""
    if P is None:
        raise ValueError("the identity has no uncompressed encoding")
    L = curve.size
    return b"\x04" + P.x.to_bytes(L, "big") + P.y.to_bytes(L, "big")


def validate_point(curve: Curve, x: int, y: int, *, check_subgroup: bool = True) -> Point:
    """Check coordinates, curve equation and subgroup; raise InvalidPublicKeyError."""
    p = curve.p
    if not (0 <= x < p and 0 <= y < p):
        raise InvalidPublicKeyError("EC point coordinate not below p", reason=R_COORDINATE)
    if not is_on_curve(curve, x, y):
        raise InvalidPublicKeyError("EC point is not on the curve", reason=R_NOT_ON_CURVE)
    P = Point(x, y)
    if check_subgroup and curve.h != 1:
        # cofactor > 1: the point must have order n (n*P == O); this rejects
        # the small-order points of the curve.
        if _to_affine(_mul_jac(curve, curve.n, P), p) is not None:
            raise InvalidPublicKeyError("EC point is not in the subgroup of order n", reason=R_SUBGROUP)
    return P


def decode_point(curve: Curve, data: bytes, *, check_subgroup: bool = True) -> Point:
    """Decode and fully validate a received uncompressed point.

    Refused, each with its own ``reason``: the identity encoding (00),
    a wrong length, a format byte other than 04, a coordinate >= p, a point
    off the curve, a point outside the subgroup of order n.
    """
    L = curve.size
    if len(data) == 1 and data[0] == 0x00:
        raise InvalidPublicKeyError("EC point is the identity", reason=R_IDENTITY)
    if len(data) != 1 + 2 * L:
        raise InvalidPublicKeyError(
            f"EC point of {len(data)} bytes, expected {1 + 2 * L}", reason=R_LENGTH
        )
    if data[0] != 0x04:
        raise InvalidPublicKeyError(f"EC point format {data[0]:02X} is not uncompressed (04)", reason=R_FORMAT)
    x = int.from_bytes(data[1:1 + L], "big")
    y = int.from_bytes(data[1 + L:], "big")
    return validate_point(curve, x, y, check_subgroup=check_subgroup)


def check_not_identity(P: Optional[Point], what: str = "EC point") -> Point:
    if P is None:
        raise InvalidPublicKeyError(f"{what} is the identity", reason=R_IDENTITY)
    return P


# --- keys ----------------------------------------------------------------------


def random_scalar(n: int, rng: Callable[[int], bytes]) -> int:
    """Draw ``rng(len(order_bytes))`` big-endian, redrawn until in [1, n-1]."""
    size = (n.bit_length() + 7) // 8
    # P-521: n has 521 bits in 66 bytes, so ~1 draw in 128 is in range; 20000
    # tries fail with probability < 1e-68 for an honest rng.
    for _ in range(20000):
        k = int.from_bytes(rng(size), "big")
        if 1 <= k < n:
            return k
    raise ValueError("random source does not yield a valid scalar")


def generate_keypair(curve: Curve, rng: Callable[[int], bytes]) -> tuple[int, Point]:
    """(private scalar, public point) on the curve's generator."""
    k = random_scalar(curve.n, rng)
    return k, check_not_identity(mul_base(curve, k) if curve.oid else mul(curve, k, curve.G))


def ecdh_x(curve: Curve, sk: int, peer: Point) -> bytes:
    """x-coordinate of sk*peer, padded to the field size (BSI TR-03111 §4.3.1, ECKA-DH).

    ``peer`` must already be validated (in the subgroup of order n). libcrypto does
    the work, else ``cryptography`` on the curves it knows; the result is never the
    identity for valid inputs. With a cofactor h > 1 the product is (sk*h)*peer.
    """
    k = sk * curve.h % curve.n if curve.h != 1 else sk
    done, x = (False, None) if curve.name in _PYCA_FASTER else _native_x(curve, k, peer)
    if done:
        if x is None:
            raise InvalidPublicKeyError("ECDH result is the identity", reason=R_IDENTITY)
        return x
    oc = ossl_curve(curve)
    if oc is not None:
        priv = _ossl_ec.derive_private_key(sk, oc)
        pub = _ossl_ec.EllipticCurvePublicKey.from_encoded_point(oc, encode_point(curve, peer))
        return priv.exchange(_ossl_ec.ECDH(), pub)
    S = mul(curve, sk * curve.h if curve.h != 1 else sk, peer)
    if S is None:
        raise InvalidPublicKeyError("ECDH result is the identity", reason=R_IDENTITY)
    return S.x.to_bytes(curve.size, "big")


def x_only_key_pair(curve: Curve, sk: int, G: Point) -> Optional[tuple[Point, Callable[[Point], bytes]]]:
    """(a public point with the x-coordinate of sk*G', ECKA with sk) for a key pair on a mapped
    generator G', on the curves where ``cryptography``'s OpenSSL is much faster than the system
    libcrypto (:data:`_PYCA_FASTER`: P-384 with a libcrypto before 3.2); None elsewhere.

    ``cryptography`` gives x(sk*G') only (ECDH with G' as the peer); y is the square root
    h^((p+1)/4) of h = x^3 + a*x + b (p = 3 mod 4, OpenSSL's constant-time exponentiation), so
    the point is sk*G' or -sk*G' = (n-sk)*G'. Either is a key pair of the same secret for
    ECKA: x(sk*PK_IC) = x((n-sk)*PK_IC), and the chip computes K from the point it receives,
    so the shared secret, and the tokens over the keys as exchanged, do not depend on the
    sign (BSI TR-03111 §4.3.1; ICAO 9303-11 §4.4.3.3.2). PACE-IM's host key is used for
    nothing else. The key object is built once (one ``derive_private_key``) and serves both
    products: instead of the system libcrypto's generic P-384 ladder for sk*G' (measured
    ~0.55 ms) and ~0.47 ms for ECKA, ~0.75 ms for both.
    """
    if curve.name not in _PYCA_FASTER or curve.h != 1 or curve.p % 4 != 3 or not 0 < sk < curve.n:
        return None
    oc = ossl_curve(curve)
    if oc is None:
        return None
    key = _ossl_ec.derive_private_key(sk, oc)
    peer = _ossl_ec.EllipticCurvePublicKey.from_encoded_point(oc, encode_point(curve, G))
    x = int.from_bytes(key.exchange(_ossl_ec.ECDH(), peer), "big")
    p = curve.p
    h = (x * x * x + curve.a * x + curve.b) % p
    y = libcrypto.pow_mod(h, (p + 1) >> 2, p)
    if y * y % p != h:  # x comes from a point of the curve: h is a square
        raise InvalidPublicKeyError("ECDH x-coordinate is not on the curve", reason=R_NOT_ON_CURVE)

    def agree(peer_point: Point) -> bytes:
        """x(sk * peer), padded to the field size (``peer_point`` already validated)."""
        pub = _ossl_ec.EllipticCurvePublicKey.from_encoded_point(oc, encode_point(curve, peer_point))
        return key.exchange(_ossl_ec.ECDH(), pub)

    return Point(x, y), agree


def sqrt_mod(v: int, p: int) -> Optional[int]:
    """A square root of v mod prime p, or None (Tonelli-Shanks; p = 3 mod 4 fast path)."""
    v %= p
    if v == 0:
        return 0
    if pow(v, (p - 1) // 2, p) != 1:
        return None
    if p % 4 == 3:
        return pow(v, (p + 1) // 4, p)
    q, s = p - 1, 0
    while q % 2 == 0:
        q //= 2
        s += 1
    z = 2
    while pow(z, (p - 1) // 2, p) != p - 1:
        z += 1
    m, c, t, r = s, pow(z, q, p), pow(v, q, p), pow(v, (q + 1) // 2, p)
    while t != 1:
        i, t2 = 0, t
        while t2 != 1:
            t2 = t2 * t2 % p
            i += 1
        b = pow(c, 1 << (m - i - 1), p)
        m, c, t, r = i, b * b % p, t * b * b % p, r * b % p
    return r


def validate_domain(curve: Curve) -> None:
    """Sanity checks for explicit domain parameters received from a card or certificate.

    Bounded sizes, 4a^3 + 27b^2 != 0, generator on the curve, n*G == O, and
    Hasse's bound for n*h. Primality of p and n is checked probabilistically.
    Raises InvalidPublicKeyError(reason="EC_DOMAIN_INVALID").
    """
    p, a, b, n, h = curve.p, curve.a, curve.b, curve.n, curve.h

    def bad(msg: str) -> InvalidPublicKeyError:
        return InvalidPublicKeyError(f"explicit EC domain parameters invalid: {msg}", reason="EC_DOMAIN_INVALID")

    if p.bit_length() > MAX_FIELD_BITS or p < 5 or p % 2 == 0:
        raise bad("field size")
    if not (0 <= a < p and 0 <= b < p):
        raise bad("a or b not reduced")
    if (4 * a * a * a + 27 * b * b) % p == 0:
        raise bad("singular curve")
    if not (1 <= h <= 4 and n > 1 and n.bit_length() <= p.bit_length() + 1):
        raise bad("order or cofactor")
    if not probably_prime(p) or not probably_prime(n):
        raise bad("p or n not prime")
    # Hasse: |p + 1 - n*h| <= 2*sqrt(p)
    t = p + 1 - n * h
    if t * t > 4 * p:
        raise bad("order outside the Hasse bound")
    if not (0 <= curve.gx < p and 0 <= curve.gy < p) or not is_on_curve(curve, curve.gx, curve.gy):
        raise bad("generator not on the curve")
    if _to_affine(_mul_jac(curve, n, curve.G), p) is not None:
        raise bad("generator order is not n")
    if len(_VALIDATED) < _MAX_VALIDATED:
        _VALIDATED.add(curve.core)


