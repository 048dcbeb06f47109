"""SecurityInfos of EF.CardAccess, EF.CardSecurity and DG14 (ICAO 9303-11 §9.2, BSI TR-03110-3 §A.1).

    SecurityInfos ::= SET OF SecurityInfo
    SecurityInfo  ::= SEQUENCE { protocol OBJECT IDENTIFIER,
                                 requiredData ANY DEFINED BY protocol,
                                 optionalData ANY DEFINED BY protocol OPTIONAL }

:func:`parse` keeps the SET order and the exact bytes of every info (``raw``),
returns frozen dataclasses and keeps unknown infos as
:class:`UnknownSecurityInfo`. :func:`build` encodes them back (DER, SET OF
sorted unless asked otherwise). This module is also the one place for the
BSI/ICAO protocol object identifiers and their decoding into mapping, key
agreement, cipher and key length (:func:`pace_algorithm`, :func:`ca_algorithm`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Final, Iterable, Optional, TYPE_CHECKING, TypeVar, Union

from ..content_cache import ContentCache
from ..errors import CccdError, ParseError, UnsupportedError
from ..iso7816 import tlv
from ..values import exact_bytes, FrozenValue

if TYPE_CHECKING:  # crypto is imported lazily at run time
    from ..crypto.domain_params import AnyDomain, DomainPolicy, Element

# --- object identifiers (ICAO 9303-11 §9.2.3, §9.2.7, §9.2.9; 9303-10) -------

BSI_DE: Final = "0.4.0.127.0.7"
ID_PK: Final = BSI_DE + ".2.2.1"
ID_PK_DH: Final = ID_PK + ".1"
ID_PK_ECDH: Final = ID_PK + ".2"
ID_TA: Final = BSI_DE + ".2.2.2"
ID_CA: Final = BSI_DE + ".2.2.3"
ID_CA_DH: Final = ID_CA + ".1"
ID_CA_ECDH: Final = ID_CA + ".2"
ID_PACE: Final = BSI_DE + ".2.2.4"
ID_PACE_DH_GM: Final = ID_PACE + ".1"
ID_PACE_ECDH_GM: Final = ID_PACE + ".2"
ID_PACE_DH_IM: Final = ID_PACE + ".3"
ID_PACE_ECDH_IM: Final = ID_PACE + ".4"
ID_PACE_ECDH_CAM: Final = ID_PACE + ".6"
ID_STANDARDIZED_DOMAIN_PARAMETERS: Final = BSI_DE + ".1.2"
ID_ICAO_MRTD_SECURITY: Final = "2.23.136.1.1"
ID_AA: Final = ID_ICAO_MRTD_SECURITY + ".5"
ID_EFDIR: Final = ID_ICAO_MRTD_SECURITY + ".13"

CIPHER_SUFFIX: Final = {1: ("3DES", 16), 2: ("AES-128", 16), 3: ("AES-192", 24), 4: ("AES-256", 32)}
_PACE_FAMILIES: Final = {
    ID_PACE_DH_GM: ("GM", "DH"),
    ID_PACE_ECDH_GM: ("GM", "ECDH"),
    ID_PACE_DH_IM: ("IM", "DH"),
    ID_PACE_ECDH_IM: ("IM", "ECDH"),
    ID_PACE_ECDH_CAM: ("CAM", "ECDH"),
}
_CA_FAMILIES: Final = {ID_CA_DH: "DH", ID_CA_ECDH: "ECDH"}
_CIPHER_NAMES: Final = {"3DES": "3DES-CBC-CBC", "AES-128": "AES-CBC-CMAC-128", "AES-192": "AES-CBC-CMAC-192",
                 "AES-256": "AES-CBC-CMAC-256"}

MAX_INFOS: Final = 64
MAX_OID_BYTES: Final = 40


@dataclass(frozen=True)
class PaceAlgorithm(FrozenValue):
    """What a PACE protocol OID stands for (ICAO 9303-11 Tables 2 and 3)."""

    oid: str
    mapping: str  # "GM" | "IM" | "CAM"
    key_agreement: str  # "DH" | "ECDH"
    cipher: str  # "3DES" | "AES-128" | "AES-192" | "AES-256"
    key_length: int  # bytes

    @property
    def name(self) -> str:
        return f"id-PACE-{self.key_agreement}-{self.mapping}-{_CIPHER_NAMES[self.cipher]}"


@dataclass(frozen=True)
class CaAlgorithm(FrozenValue):
    """What a Chip Authentication protocol OID stands for (ICAO 9303-11 Tables 5 and 6)."""

    oid: str
    key_agreement: str
    cipher: str
    key_length: int

    @property
    def name(self) -> str:
        return f"id-CA-{self.key_agreement}-{_CIPHER_NAMES[self.cipher]}"


def pace_algorithm(oid: str) -> Optional[PaceAlgorithm]:
    """Decode a PACE protocol OID; None when it is not one (CAM exists only with AES)."""
    family, _, last = oid.rpartition(".")
    fam = _PACE_FAMILIES.get(family)
    if fam is None or not last.isdigit() or int(last) not in CIPHER_SUFFIX:
        return None
    if fam[0] == "CAM" and int(last) == 1:
        return None
    cipher, klen = CIPHER_SUFFIX[int(last)]
    return PaceAlgorithm(oid, fam[0], fam[1], cipher, klen)


def ca_algorithm(oid: str) -> Optional[CaAlgorithm]:
    family, _, last = oid.rpartition(".")
    ka = _CA_FAMILIES.get(family)
    if ka is None or not last.isdigit() or int(last) not in CIPHER_SUFFIX:
        return None
    cipher, klen = CIPHER_SUFFIX[int(last)]
    return CaAlgorithm(oid, ka, cipher, klen)


def pace_oid(mapping: str, key_agreement: str, cipher: str) -> str:
    """The PACE OID for (mapping, key agreement, cipher); UnsupportedError if none exists."""
    for family, (m, ka) in _PACE_FAMILIES.items():
        if m == mapping and ka == key_agreement:
            for suffix, (c, _) in CIPHER_SUFFIX.items():
                if c == cipher and not (m == "CAM" and suffix == 1):
                    return f"{family}.{suffix}"
    raise UnsupportedError(f"no PACE protocol for {mapping}/{key_agreement}/{cipher}")


def ca_oid(key_agreement: str, cipher: str) -> str:
    family = ID_CA_ECDH if key_agreement == "ECDH" else ID_CA_DH
    for suffix, (c, _) in CIPHER_SUFFIX.items():
        if c == cipher:
            return f"{family}.{suffix}"
    raise UnsupportedError(f"no CA protocol for {key_agreement}/{cipher}")


# --- OID codec (ISO/IEC 8825-1 §8.19) -----------------------------------------


def oid_to_bytes(dotted: str) -> bytes:
    """Content octets of an OBJECT IDENTIFIER (what MSE:Set AT carries in tag 80)."""
    arcs = [int(a) for a in dotted.split(".")]
    if len(arcs) < 2 or arcs[0] > 2 or (arcs[0] < 2 and arcs[1] > 39):
        raise ValueError("invalid OID")
    out = bytearray()
    for v in [40 * arcs[0] + arcs[1]] + arcs[2:]:
        chunk = [v & 0x7F]
        v >>= 7
        while v:
            chunk.append(0x80 | (v & 0x7F))
            v >>= 7
        out += bytes(reversed(chunk))
    return bytes(out)


def oid_from_bytes(data: bytes, *, file: Optional[str] = None, offset: int = 0) -> str:
    if not data or len(data) > MAX_OID_BYTES or data[-1] & 0x80:
        raise ParseError("malformed OBJECT IDENTIFIER", file=file, offset=offset)
    arcs: list[int] = []
    v = 0
    start = True
    for b in data:
        if start and b == 0x80:
            raise ParseError("non-minimal OBJECT IDENTIFIER arc", file=file, offset=offset)
        v = (v << 7) | (b & 0x7F)
        start = not (b & 0x80)
        if start:
            arcs.append(v)
            v = 0
    first = arcs[0]
    head = [0, first] if first < 40 else ([1, first - 40] if first < 80 else [2, first - 80])
    return ".".join(str(a) for a in head + arcs[1:])


def _int_bytes(v: int) -> bytes:
    """DER INTEGER content (two's complement, minimal)."""
    return v.to_bytes(max(1, (v.bit_length() + 8) // 8), "big", signed=True)


def _der_int(v: int) -> bytes:
    return tlv.encode(0x02, _int_bytes(v))


# --- the infos -------------------------------------------------------------------


class _Default(Enum):
    STRICT = "strict"


_STRICT: Final = _Default.STRICT  # "the default DomainPolicy" (crypto.domain_params.STRICT, imported lazily)


@dataclass(frozen=True)
class PaceInfo(FrozenValue):
    """PACEInfo (ICAO 9303-11 §9.2.1)."""

    protocol: str
    version: int
    parameter_id: Optional[int] = None
    raw: bytes = field(default=b"", compare=False, repr=False)

    @property
    def algorithm(self) -> PaceAlgorithm:
        alg = pace_algorithm(self.protocol)
        assert alg is not None  # guaranteed by the parser / builder
        return alg

    def encode(self) -> bytes:
        body = tlv.encode(0x06, oid_to_bytes(self.protocol)) + _der_int(self.version)
        if self.parameter_id is not None:
            body += _der_int(self.parameter_id)
        return tlv.encode(0x30, body)


@dataclass(frozen=True)
class PaceDomainParameterInfo(FrozenValue):
    """PACEDomainParameterInfo (§9.2.2); ``domain_parameter`` is the raw AlgorithmIdentifier."""

    protocol: str
    domain_parameter: bytes
    parameter_id: Optional[int] = None
    raw: bytes = field(default=b"", compare=False, repr=False)

    def domain(self, policy: "Optional[DomainPolicy] | _Default" = _STRICT) -> "AnyDomain":
        """The parsed, validated :class:`~cccd_chip.crypto.domain_params.Domain`, admitted by ``policy``
        (:class:`~cccd_chip.crypto.domain_params.DomainPolicy`; default: standardized domains only)."""
        from ..crypto import domain_params

        if policy is _STRICT:
            policy = domain_params.STRICT
        return domain_params.from_algorithm_identifier(self.domain_parameter, self.parameter_id, file="SecurityInfos",
                                                       policy=policy)

    def encode(self) -> bytes:
        body = tlv.encode(0x06, oid_to_bytes(self.protocol)) + self.domain_parameter
        if self.parameter_id is not None:
            body += _der_int(self.parameter_id)
        return tlv.encode(0x30, body)


@dataclass(frozen=True)
class ChipAuthenticationInfo(FrozenValue):
    """ChipAuthenticationInfo (§9.2.5)."""

    protocol: str
    version: int
    key_id: Optional[int] = None
    raw: bytes = field(default=b"", compare=False, repr=False)

    @property
    def algorithm(self) -> CaAlgorithm:
        alg = ca_algorithm(self.protocol)
        assert alg is not None
        return alg

    def encode(self) -> bytes:
        body = tlv.encode(0x06, oid_to_bytes(self.protocol)) + _der_int(self.version)
        if self.key_id is not None:
            body += _der_int(self.key_id)
        return tlv.encode(0x30, body)


@dataclass(frozen=True)
class ChipAuthenticationPublicKeyInfo(FrozenValue):
    """ChipAuthenticationPublicKeyInfo (§9.2.6); ``public_key`` is the raw SubjectPublicKeyInfo."""

    protocol: str  # id-PK-DH | id-PK-ECDH
    public_key: bytes
    key_id: Optional[int] = None
    raw: bytes = field(default=b"", compare=False, repr=False)

    @property
    def key_agreement(self) -> str:
        return "ECDH" if self.protocol == ID_PK_ECDH else "DH"

    def domain_and_key(self, policy: "Optional[DomainPolicy] | _Default" = _STRICT) -> "tuple[AnyDomain, Element]":
        """(Domain, validated public element) of this key; ParseError / InvalidPublicKeyError /
        UnsupportedError (a domain ``policy`` refuses; default: standardized domains only)."""
        return parse_subject_public_key(self.public_key, self.key_id, policy=policy)

    def encode(self) -> bytes:
        body = tlv.encode(0x06, oid_to_bytes(self.protocol)) + self.public_key
        if self.key_id is not None:
            body += _der_int(self.key_id)
        return tlv.encode(0x30, body)


@dataclass(frozen=True)
class TerminalAuthenticationInfo(FrozenValue):
    """TerminalAuthenticationInfo (§9.2.8); an optional efCVCA (TR-03110 v1) is kept raw."""

    protocol: str
    version: int
    extra: bytes = b""
    raw: bytes = field(default=b"", compare=False, repr=False)

    def encode(self) -> bytes:
        return tlv.encode(0x30, tlv.encode(0x06, oid_to_bytes(self.protocol)) + _der_int(self.version) + self.extra)


@dataclass(frozen=True)
class ActiveAuthenticationInfo(FrozenValue):
    """ActiveAuthenticationInfo (§9.2.4): the ECDSA signature algorithm of AA."""

    protocol: str
    version: int
    signature_algorithm: str
    raw: bytes = field(default=b"", compare=False, repr=False)

    def encode(self) -> bytes:
        body = (
            tlv.encode(0x06, oid_to_bytes(self.protocol))
            + _der_int(self.version)
            + tlv.encode(0x06, oid_to_bytes(self.signature_algorithm))
        )
        return tlv.encode(0x30, body)


@dataclass(frozen=True)
class UnknownSecurityInfo(FrozenValue):
    """Any other SecurityInfo, kept as read and otherwise ignored."""

    protocol: str
    raw: bytes = field(default=b"", compare=True, repr=False)

    def encode(self) -> bytes:
        return self.raw


SecurityInfo = Union[
    PaceInfo,
    PaceDomainParameterInfo,
    ChipAuthenticationInfo,
    ChipAuthenticationPublicKeyInfo,
    TerminalAuthenticationInfo,
    ActiveAuthenticationInfo,
    UnknownSecurityInfo,
]


_I = TypeVar("_I")


@dataclass(frozen=True)
class SecurityInfos(FrozenValue):
    """All infos in SET order, with the exact bytes they were parsed from."""

    infos: tuple[SecurityInfo, ...]
    raw: bytes = field(default=b"", compare=False, repr=False)

    def _of(self, cls: type[_I]) -> tuple[_I, ...]:
        return tuple(i for i in self.infos if isinstance(i, cls))

    @property
    def pace_infos(self) -> tuple[PaceInfo, ...]:
        return self._of(PaceInfo)

    @property
    def pace_domain_parameter_infos(self) -> tuple[PaceDomainParameterInfo, ...]:
        return self._of(PaceDomainParameterInfo)

    @property
    def chip_authentication_infos(self) -> tuple[ChipAuthenticationInfo, ...]:
        return self._of(ChipAuthenticationInfo)

    @property
    def chip_authentication_public_keys(self) -> tuple[ChipAuthenticationPublicKeyInfo, ...]:
        return self._of(ChipAuthenticationPublicKeyInfo)

    @property
    def terminal_authentication_infos(self) -> tuple[TerminalAuthenticationInfo, ...]:
        return self._of(TerminalAuthenticationInfo)

    @property
    def active_authentication_infos(self) -> tuple[ActiveAuthenticationInfo, ...]:
        return self._of(ActiveAuthenticationInfo)

    @property
    def unknown(self) -> tuple[UnknownSecurityInfo, ...]:
        return self._of(UnknownSecurityInfo)

    def ca_public_key(self, key_id: Optional[int]) -> Optional[ChipAuthenticationPublicKeyInfo]:
        """The CA public key with this keyId (or the only one when key_id is None)."""
        keys = self.chip_authentication_public_keys
        if key_id is None:
            return keys[0] if len(keys) == 1 else None
        for k in keys:
            if k.key_id == key_id:
                return k
        return None

    def pace_domain_parameters(self, parameter_id: Optional[int]) -> Optional[PaceDomainParameterInfo]:
        infos = self.pace_domain_parameter_infos
        if parameter_id is None:
            return infos[0] if len(infos) == 1 else None
        for i in infos:
            if i.parameter_id == parameter_id:
                return i
        return None


# --- parsing --------------------------------------------------------------------


_PARSED: Final[ContentCache[SecurityInfos]] = ContentCache("SecurityInfos", 4096)
_PUBLIC_KEYS: Final["ContentCache[tuple[AnyDomain, Element]]"] = ContentCache("ChipAuthenticationPublicKey", 4096)


def parse(data: bytes, *, file: str = "SecurityInfos", base: int = 0) -> SecurityInfos:
    """Parse a DER ``SET OF SecurityInfo``; raise ParseError (file, offset) on any defect.

    Results are cached by the exact bytes (with ``file`` and ``base``, which errors
    name): EF.CardAccess is the same on every card of a generation, DG14 is read by
    three checks of one document (:mod:`cccd_chip.content_cache`).
    """
    data = exact_bytes(data)
    return _PARSED.get_or_compute((data, file, base), lambda: _parse_checked(data, file, base))


def _parse_checked(data: bytes, file: str, base: int) -> SecurityInfos:
    try:
        return _parse(data, file, base)
    except CccdError:
        raise
    except Exception as exc:  # noqa: BLE001 - untrusted input boundary
        raise ParseError(f"malformed SecurityInfos ({type(exc).__name__})", file=file, offset=base) from None


def _parse(data: bytes, file: str, base: int) -> SecurityInfos:
    h = tlv.read_header(data, 0, file=file)
    if h.tag != 0x31:
        raise ParseError(f"SecurityInfos must be a SET (31), found {h.tag:02X}", file=file, offset=base)
    if h.total_len != len(data):
        raise ParseError(f"{len(data) - h.total_len} trailing bytes after SecurityInfos", file=file,
                         offset=base + h.total_len)
    infos: list[SecurityInfo] = []
    for item in tlv.iter_tlv(data, h.header_len, h.total_len, file=file):
        if len(infos) >= MAX_INFOS:
            raise ParseError("too many SecurityInfo entries", file=file, offset=base + item.offset)
        if item.tag != 0x30:
            raise ParseError("SecurityInfo must be a SEQUENCE", file=file, offset=base + item.offset)
        raw = bytes(data[item.offset : item.offset + _total(data, item.offset, file)])
        infos.append(_parse_info(item.value, raw, file, base + item.offset))
    return SecurityInfos(tuple(infos), data)


def _total(data: bytes, offset: int, file: str) -> int:
    return tlv.read_header(data, offset, file=file).total_len


def _parse_info(body: bytes, raw: bytes, file: str, off: int) -> SecurityInfo:
    fields = list(tlv.iter_tlv(body, file=file))
    if not fields or fields[0].tag != 0x06:
        raise ParseError("SecurityInfo without protocol OID", file=file, offset=off)
    oid = oid_from_bytes(fields[0].value, file=file, offset=off)
    rest = fields[1:]

    def fail(msg: str) -> ParseError:
        return ParseError(f"{msg} in SecurityInfo {oid}", file=file, offset=off)

    def integer(i: int) -> int:
        f = rest[i]
        if f.tag != 0x02 or not f.value:
            raise fail("expected INTEGER")
        if len(f.value) > 1 and (f.value[0] == 0 and f.value[1] < 0x80):
            raise fail("non-minimal INTEGER")
        v = int.from_bytes(f.value, "big", signed=True)
        if v < 0 or v > 0xFFFFFFFF:
            raise fail("INTEGER out of range")
        return v

    def raw_field(i: int) -> bytes:
        f = rest[i]
        start = f.offset
        end = rest[i + 1].offset if i + 1 < len(rest) else len(body)
        return bytes(body[start:end])

    if pace_algorithm(oid) is not None:
        if len(rest) not in (1, 2):
            raise fail("PACEInfo needs version and optional parameterId")
        return PaceInfo(oid, integer(0), integer(1) if len(rest) == 2 else None, raw)
    if oid in _PACE_FAMILIES:
        if len(rest) not in (1, 2) or rest[0].tag != 0x30:
            raise fail("PACEDomainParameterInfo needs an AlgorithmIdentifier")
        return PaceDomainParameterInfo(oid, raw_field(0), integer(1) if len(rest) == 2 else None, raw)
    if ca_algorithm(oid) is not None:
        if len(rest) not in (1, 2):
            raise fail("ChipAuthenticationInfo needs version and optional keyId")
        return ChipAuthenticationInfo(oid, integer(0), integer(1) if len(rest) == 2 else None, raw)
    if oid in (ID_PK_DH, ID_PK_ECDH):
        if len(rest) not in (1, 2) or rest[0].tag != 0x30:
            raise fail("ChipAuthenticationPublicKeyInfo needs a SubjectPublicKeyInfo")
        return ChipAuthenticationPublicKeyInfo(oid, raw_field(0), integer(1) if len(rest) == 2 else None, raw)
    if oid == ID_TA:
        if not rest:
            raise fail("TerminalAuthenticationInfo needs a version")
        extra = bytes(body[rest[1].offset :]) if len(rest) > 1 else b""
        return TerminalAuthenticationInfo(oid, integer(0), extra, raw)
    if oid == ID_AA:
        if len(rest) != 2 or rest[1].tag != 0x06:
            raise fail("ActiveAuthenticationInfo needs version and signatureAlgorithm")
        return ActiveAuthenticationInfo(oid, integer(0), oid_from_bytes(rest[1].value, file=file, offset=off), raw)
    return UnknownSecurityInfo(oid, raw)


def parse_subject_public_key(spki: bytes, key_id: Optional[int] = None, *,
                             policy: "Optional[DomainPolicy] | _Default" = _STRICT) -> "tuple[AnyDomain, Element]":
    """(Domain, validated public element) from a CA SubjectPublicKeyInfo (EC point or DH INTEGER,
    read unsigned by :mod:`cccd_chip.crypto.key_integers`).

    ``policy``: a :class:`~cccd_chip.crypto.domain_params.DomainPolicy` (default: standardized
    domains only), or None for any sound parameters (the virtual chip's own keys).
    """
    from ..crypto import domain_params

    chosen: Optional[DomainPolicy] = domain_params.STRICT if isinstance(policy, _Default) else policy
    # cached by the exact SubjectPublicKeyInfo, keyId and policy (content_cache): a document's
    # CA key is read by the PACE-CAM check and the DG14 comparison; errors are never cached
    data = exact_bytes(spki)
    return _PUBLIC_KEYS.get_or_compute((data, key_id, chosen),
                                       lambda: _parse_subject_public_key(data, key_id, chosen))


def _parse_subject_public_key(spki: bytes, key_id: Optional[int],
                              policy: "Optional[DomainPolicy]") -> "tuple[AnyDomain, Element]":
    from ..crypto import domain_params
    from ..crypto.key_integers import read_key_integer_element

    file = "ChipAuthenticationPublicKey"
    try:
        outer = tlv.decode_one(spki, expected_tag=0x30, file=file)
        parts = tlv.decode(outer.value, file=file)
        if len(parts) != 2 or parts[0].tag != 0x30 or parts[1].tag != 0x03:
            raise ParseError("SubjectPublicKeyInfo must hold AlgorithmIdentifier and BIT STRING", file=file)
        alg_der = tlv.encode(0x30, parts[0].value)
        domain = domain_params.from_algorithm_identifier(alg_der, key_id, file=file, policy=policy)
        bits = parts[1].value
        if not bits or bits[0] != 0:
            raise ParseError("public key BIT STRING with unused bits", file=file)
        key = bits[1:]
        if domain.kind == "DH":
            y = read_key_integer_element(key, what="DH public value", file=file).value
            return domain, domain.decode(y.to_bytes(max(1, (y.bit_length() + 7) // 8), "big"))
        return domain, domain.decode(key)
    except CccdError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise ParseError(f"malformed SubjectPublicKeyInfo ({type(exc).__name__})", file=file) from None


def build_subject_public_key(domain: "AnyDomain", public: "Element", *, explicit: bool = False) -> bytes:
    """SubjectPublicKeyInfo for a CA key: ecPublicKey (named curve or explicit) / dhpublicnumber."""
    from ..crypto import domain_params as dp
    from ..crypto import ec

    if isinstance(domain, dp.EcDomain):
        c = domain.curve
        if explicit or c.oid is None:
            L = c.size
            spec = tlv.encode(
                0x30,
                _der_int(1)
                + tlv.encode(0x30, tlv.encode(0x06, oid_to_bytes(dp.OID_PRIME_FIELD)) + _der_int(c.p))
                + tlv.encode(0x30, tlv.encode(0x04, c.a.to_bytes(L, "big")) + tlv.encode(0x04, c.b.to_bytes(L, "big")))
                + tlv.encode(0x04, b"\x04" + c.gx.to_bytes(L, "big") + c.gy.to_bytes(L, "big"))
                + _der_int(c.n)
                + _der_int(c.h),
            )
        else:
            spec = tlv.encode(0x06, oid_to_bytes(c.oid))
        alg = tlv.encode(0x30, tlv.encode(0x06, oid_to_bytes(dp.OID_EC_PUBLIC_KEY)) + spec)
        if not isinstance(public, ec.Point):
            raise TypeError("an EC domain needs a point as public key")
        key = domain.encode(public)
    else:
        if not (isinstance(domain, dp.DhDomain) and isinstance(public, int)):
            raise TypeError("a DH domain needs an integer public value")
        g = domain.group
        alg = tlv.encode(
            0x30,
            tlv.encode(0x06, oid_to_bytes(dp.OID_DH_PUBLIC_NUMBER))
            + tlv.encode(0x30, _der_int(g.p) + _der_int(g.g) + _der_int(g.q)),
        )
        key = _der_int(public)
    return tlv.encode(0x30, alg + tlv.encode(0x03, b"\x00" + key))


def build(infos: Iterable[SecurityInfo], *, der_sort: bool = True) -> bytes:
    """Encode SecurityInfos; DER sorts the SET OF elements by their encodings."""
    parts = [i.raw if i.raw else i.encode() for i in infos]
    if der_sort:
        parts.sort()
    return tlv.encode(0x31, b"".join(parts))
