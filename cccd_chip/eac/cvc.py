"""Card-verifiable certificates and certificate requests (BSI TR-03110-3 Appendix C; ISO/IEC 7816-8).

A CV certificate (TR-03110-3 §C.1, Table C.1)::

    7F21 CV Certificate
      7F4E Certificate Body
        5F29 Certificate Profile Identifier (00)
        42   Certification Authority Reference (CAR)
        7F49 Public Key (§D.3: 06 OID, then 81..87 ECDSA or 81 n, 82 e RSA)
        5F20 Certificate Holder Reference (CHR)
        7F4C Certificate Holder Authorization Template (CHAT, :mod:`.chat`)
        5F25 Certificate Effective Date   (6 bytes unpacked BCD, YYMMDD)
        5F24 Certificate Expiration Date  (6 bytes unpacked BCD, YYMMDD)
        65   Certificate Extensions (optional; 73 discretionary data templates)
      5F37 Signature (ECDSA: plain r||s, TR-03111 §5.2.1)

A certificate request (§C.2) has no CHAT and no dates, the CAR is optional, the
public key carries its domain parameters; its inner signature (5F37) is made
with the requested key; an authenticated request wraps it in ``67 { 7F21 ..,
42 outer CAR, 5F37 outer signature }``.

Parsing is strict and bounded: the data objects come in the order above, each
exactly once, no byte left over; the whole object is at most ``MAX_CVC`` bytes;
only the project's exceptions (ParseError, UnsupportedError, VerificationError)
leave this module. The certificate keeps the bytes it was read from: signatures
are checked over the body exactly as received. The date fields and the profile
byte are ``construct`` structs over the project's TLV layer.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import construct as c
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec as _ossl_ec
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from ..crypto import ec as _ec
from ..crypto import ecdsa as _ecdsa
from ..crypto.signatures import hash_algorithm
from ..errors import CccdError, InvalidPublicKeyError, ParseError, UnsupportedError, VerificationError
from ..iso7816 import tlv
from ..lds.security_infos import oid_from_bytes, oid_to_bytes
from . import chat as chat_mod
from . import oids
from .chat import Chat

MAX_CVC = 8192  # an RSA-4096 key with every field fits in 1.5 KiB; nothing larger is a CVC
MAX_REFERENCE = 16  # country code (2) + holder mnemonic (<= 9) + sequence number (5), §A.6.1? / C.1.2
MAX_EXTENSIONS = 16
MAX_KEY_FIELD = 1024  # bytes of one key component (RSA-8192 modulus)

TAG_CERTIFICATE = 0x7F21
TAG_BODY = 0x7F4E
TAG_PROFILE = 0x5F29
TAG_CAR = 0x42
TAG_PUBLIC_KEY = 0x7F49
TAG_CHR = 0x5F20
TAG_CHAT = 0x7F4C
TAG_EFFECTIVE = 0x5F25
TAG_EXPIRATION = 0x5F24
TAG_EXTENSIONS = 0x65
TAG_SIGNATURE = 0x5F37
TAG_AUTHENTICATION = 0x67
TAG_DISCRETIONARY_TEMPLATE = 0x73

PROFILE_VERSION_1 = 0

# TR-03110-3 §D.2.1.1: a date is six bytes, one decimal digit each (unpacked BCD), YYMMDD
BcdDate = c.ExprValidator(c.Array(6, c.Int8ub), lambda obj, ctx: all(0 <= d <= 9 for d in obj))
ProfileIdentifier = c.Int8ub

# ECDSA public key data objects (TR-03110-3 Table D.3)
EC_FIELDS = {0x81: "p", 0x82: "a", 0x83: "b", 0x84: "G", 0x85: "r", 0x86: "Y", 0x87: "f"}
RSA_FIELDS = {0x81: "n", 0x82: "e"}


# --- dates and references ---------------------------------------------------------


def decode_date(value: bytes, *, what: str = "date", file: str = "CVC", offset: int = 0) -> _dt.date:
    """Six unpacked BCD digits YYMMDD -> date in 2000-2099 (TR-03110-3 §D.2.1.1)."""
    try:
        digits = BcdDate.parse(value) if len(value) == 6 else None
    except c.ConstructError:
        digits = None
    if digits is None:
        raise ParseError(f"CVC {what} is not six unpacked BCD digits", file=file, offset=offset)
    yy, mm, dd = digits[0] * 10 + digits[1], digits[2] * 10 + digits[3], digits[4] * 10 + digits[5]
    try:
        return _dt.date(2000 + yy, mm, dd)
    except ValueError:
        raise ParseError(f"CVC {what} is not a calendar date", file=file, offset=offset) from None


def encode_date(d: _dt.date) -> bytes:
    if not 2000 <= d.year <= 2099:
        raise ParseError("a CVC date must lie in 2000-2099")
    text = d.strftime("%y%m%d")
    return bytes(BcdDate.build([int(ch) for ch in text]))


def decode_reference(value: bytes, *, what: str, file: str = "CVC", offset: int = 0) -> str:
    """CAR / CHR: 1..16 printable ISO/IEC 8859-1 characters (TR-03110-3 §A.6.1)."""
    if not 1 <= len(value) <= MAX_REFERENCE or any(b < 0x20 or 0x7F <= b < 0xA0 for b in value):
        raise ParseError(f"CVC {what} must be 1..{MAX_REFERENCE} printable characters", file=file, offset=offset)
    return value.decode("latin-1")


def encode_reference(name: str) -> bytes:
    raw = name.encode("latin-1")
    decode_reference(raw, what="reference")
    return raw


@dataclass(frozen=True)
class Reference:
    """The parts of a CAR / CHR (TR-03110-3 §A.6.1): country, holder mnemonic, sequence number."""

    text: str

    @property
    def country(self) -> str:
        return self.text[:2]

    @property
    def mnemonic(self) -> str:
        return self.text[2:-5] if len(self.text) > 7 else self.text[2:]

    @property
    def sequence(self) -> str:
        return self.text[-5:] if len(self.text) > 7 else ""


# --- public keys -----------------------------------------------------------------------


@dataclass(frozen=True)
class CvcPublicKey:
    """A 7F49 public key: the id-TA OID and its data objects (values as bytes, in order)."""

    oid: str
    objects: tuple[tuple[int, bytes], ...]

    @property
    def algorithm(self) -> oids.TaAlgorithm:
        alg = oids.ta_algorithm(self.oid)
        if alg is None:
            raise UnsupportedError(f"CVC public key algorithm {self.oid} is not an id-TA algorithm",
                                   reason="ALGORITHM_UNSUPPORTED")
        return alg

    @property
    def kind(self) -> str:
        return "rsa" if self.oid.startswith(oids.ID_TA_RSA + ".") else "ec"

    def __repr__(self) -> str:
        return f"CvcPublicKey({self.oid}, tags={[f'{t:02X}' for t, _ in self.objects]})"

    def get(self, tag: int) -> Optional[bytes]:
        for t, v in self.objects:
            if t == tag:
                return v
        return None

    @property
    def has_domain(self) -> bool:
        """Whether the key carries its EC domain parameters (CVCA certificates and requests)."""
        return self.kind == "ec" and self.get(0x81) is not None

    def curve(self) -> _ec.Curve:
        """The EC domain of this key (needs ``has_domain``): a named curve when every parameter matches."""
        need = (0x81, 0x82, 0x83, 0x84, 0x85)
        if not self.has_domain or any(self.get(t) is None for t in need):
            raise ParseError("CVC public key without complete domain parameters")
        p, a, b = (int.from_bytes(self.get(t) or b"", "big") for t in (0x81, 0x82, 0x83))
        n = int.from_bytes(self.get(0x85) or b"", "big")
        f = self.get(0x87)
        h = int.from_bytes(f, "big") if f else None
        if p < 5 or p % 2 == 0 or p.bit_length() > _ec.MAX_FIELD_BITS or not (0 <= a < p and 0 <= b < p) or n < 3:
            raise InvalidPublicKeyError("CVC EC domain parameters out of range", reason="EC_DOMAIN_INVALID")
        gx, gy = _ecdsa._decode_any_point(p, a, b, self.get(0x84) or b"")
        named = _ec.find_named_curve(p, a, b, gx, gy, n, h)
        if named is not None:
            return named
        curve = _ec.Curve(_ecdsa.CUSTOM_CURVE_NAME, None, p, a, b, gx, gy, n, h if h is not None else 1)
        _ecdsa.validate_domain(curve)
        return curve

    def point(self, curve: _ec.Curve) -> _ec.Point:
        y = self.get(0x86)
        if y is None:
            raise ParseError("CVC EC public key without its point (86)")
        return _ecdsa.public_point(curve, y)

    def rsa_numbers(self) -> tuple[int, int]:
        n_raw, e_raw = self.get(0x81), self.get(0x82)
        if n_raw is None or e_raw is None:
            raise ParseError("CVC RSA public key needs 81 (modulus) and 82 (exponent)")
        n, e = int.from_bytes(n_raw, "big"), int.from_bytes(e_raw, "big")
        if n.bit_length() < 1024 or e < 3 or e % 2 == 0 or n % 2 == 0:
            raise InvalidPublicKeyError("CVC RSA public key out of range")
        return n, e

    def encode(self) -> bytes:
        return tlv.encode(TAG_PUBLIC_KEY, tlv.encode(0x06, oid_to_bytes(self.oid))
                          + b"".join(tlv.encode(t, v) for t, v in self.objects))

    def without_domain(self) -> "CvcPublicKey":
        """Only the OID and the point (DV and terminal certificates, TR-03110-3 §D.3.3)."""
        if self.kind != "ec":
            return self
        return CvcPublicKey(self.oid, tuple((t, v) for t, v in self.objects if t == 0x86))

    def fingerprint(self) -> str:
        """SHA-256 of the point / modulus (to match a private key), hex."""
        core = self.get(0x86) if self.kind == "ec" else self.get(0x81)
        return hashlib.sha256(core or b"").hexdigest().upper()

    def to_json(self, domain: Optional[_ec.Curve] = None) -> dict[str, Any]:
        alg = oids.ta_algorithm(self.oid)
        out: dict[str, Any] = {"algorithm": alg.name if alg else self.oid}
        if self.kind == "ec":
            if self.has_domain:
                try:
                    cv = self.curve()
                    out["curve"] = cv.name
                except CccdError as e:
                    out["curve"] = f"invalid ({e.reason})"
            elif domain is not None:
                out["curve"] = f"{domain.name} (inherited)"
            else:
                out["curve"] = "inherited from the CVCA"
            y = self.get(0x86)
            out["point"] = y.hex().upper() if y else None
        else:
            n_raw = self.get(0x81) or b""
            out["modulus_bits"] = int.from_bytes(n_raw, "big").bit_length()
            out["exponent"] = int.from_bytes(self.get(0x82) or b"", "big")
        return out


def ec_public_key(oid: str, curve: _ec.Curve, point: _ec.Point, *, with_domain: bool) -> CvcPublicKey:
    """An ECDSA 7F49 key; ``with_domain``: p, a, b, G, r, f too (CVCA certificates, requests)."""
    objs: list[tuple[int, bytes]] = []
    size = curve.size
    if with_domain:
        objs += [(0x81, curve.p.to_bytes(size, "big")), (0x82, curve.a.to_bytes(size, "big")),
                 (0x83, curve.b.to_bytes(size, "big")), (0x84, _ec.encode_point(curve, curve.G)),
                 (0x85, curve.n.to_bytes(curve.order_size, "big"))]
    objs.append((0x86, _ec.encode_point(curve, point)))
    if with_domain:
        objs.append((0x87, curve.h.to_bytes(max(1, (curve.h.bit_length() + 7) // 8), "big")))
    return CvcPublicKey(oid, tuple(objs))


def rsa_public_key(oid: str, n: int, e: int) -> CvcPublicKey:
    return CvcPublicKey(oid, ((0x81, n.to_bytes((n.bit_length() + 7) // 8, "big")),
                              (0x82, e.to_bytes(max(1, (e.bit_length() + 7) // 8), "big"))))


def parse_public_key(value: bytes, *, file: str = "CVC", base: int = 0) -> CvcPublicKey:
    """The value of a 7F49 template: 06 OID first, then distinct context tags 81..87 in order."""
    items = tlv.decode(value, file=file)
    if not items or items[0].tag != 0x06:
        raise ParseError("CVC public key must start with its OID (06)", file=file, offset=base)
    oid = oid_from_bytes(items[0].value, file=file, offset=base)
    allowed = RSA_FIELDS if oid.startswith(oids.ID_TA_RSA + ".") else EC_FIELDS
    objs: list[tuple[int, bytes]] = []
    last = 0
    for it in items[1:]:
        if it.tag not in allowed or it.tag <= last:
            raise ParseError(f"unexpected data object {it.tag:02X} in a CVC public key", file=file,
                             offset=base + it.offset)
        if not it.value or len(it.value) > MAX_KEY_FIELD:
            raise ParseError(f"CVC public key field {it.tag:02X} is empty or too long", file=file,
                             offset=base + it.offset)
        last = it.tag
        objs.append((it.tag, it.value))
    return CvcPublicKey(oid, tuple(objs))


# --- signatures -------------------------------------------------------------------------


def verify_signature(key: CvcPublicKey, message: bytes, signature: bytes,
                     domain: Optional[_ec.Curve] = None) -> None:
    """Check ``signature`` over ``message`` with ``key`` (TR-03110-3 §A.7; TR-03111 §4.2.1).

    ECDSA keys of DV and terminal certificates carry no domain parameters: ``domain`` (the
    CVCA's curve) is used then. Raises VerificationError when the signature is wrong.
    """
    alg = key.algorithm
    h = hash_algorithm(alg.hash)
    if alg.scheme == "ecdsa":
        curve = key.curve() if key.has_domain else domain
        if curve is None:
            raise UnsupportedError("the ECDSA key inherits its domain parameters and none were given",
                                   reason="ALGORITHM_UNSUPPORTED")
        q = key.point(curve)
        size = curve.order_size
        if len(signature) != 2 * size:
            raise VerificationError("plain ECDSA signature has the wrong length", reason="CVC_SIGNATURE_INVALID")
        r, s = int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")
        ossl = _ec.ossl_curve(curve)
        if ossl is not None:
            if not (1 <= r < curve.n and 1 <= s < curve.n):
                raise VerificationError("ECDSA signature out of range", reason="CVC_SIGNATURE_INVALID")
            pub = _ossl_ec.EllipticCurvePublicKey.from_encoded_point(ossl, _ec.encode_point(curve, q))
            try:
                pub.verify(encode_dss_signature(r, s), message, _ossl_ec.ECDSA(h))
            except InvalidSignature:
                raise VerificationError(f"ecdsa-{alg.hash} signature invalid", reason="CVC_SIGNATURE_INVALID") from None
            return
        digest = hashes.Hash(h)
        digest.update(message)
        if not _ecdsa.verify_digest(curve, q, digest.finalize(), r, s):
            raise VerificationError(f"ecdsa-{alg.hash} signature invalid", reason="CVC_SIGNATURE_INVALID")
        return
    n, e = key.rsa_numbers()
    pub_rsa = rsa.RSAPublicNumbers(e, n).public_key()
    pad: padding.AsymmetricPadding
    if alg.scheme == "rsa-pss":
        pad = padding.PSS(mgf=padding.MGF1(h), salt_length=h.digest_size)
    else:
        pad = padding.PKCS1v15()
    try:
        pub_rsa.verify(signature, message, pad, h)
    except (InvalidSignature, ValueError):
        raise VerificationError(f"{alg.name} signature invalid", reason="CVC_SIGNATURE_INVALID") from None


# --- certificates -----------------------------------------------------------------------


@dataclass(frozen=True)
class Extension:
    """One discretionary data template (73) of the certificate extensions: OID + data objects."""

    oid: str
    objects: tuple[tuple[int, bytes], ...] = ()

    @property
    def name(self) -> str:
        return oids.EXTENSION_NAMES.get(self.oid, self.oid)

    def encode(self) -> bytes:
        return tlv.encode(TAG_DISCRETIONARY_TEMPLATE, tlv.encode(0x06, oid_to_bytes(self.oid))
                          + b"".join(tlv.encode(t, v) for t, v in self.objects))

    def to_json(self) -> dict[str, Any]:
        return {"extension": self.name, "objects": {f"{t:02X}": v.hex().upper() for t, v in self.objects}}


@dataclass(frozen=True)
class CvCertificate:
    """A parsed (or built) CV certificate; ``body`` is the 7F4E TLV the signature covers."""

    profile: int
    car: str
    public_key: CvcPublicKey
    chr: str
    chat: Chat
    effective: _dt.date
    expiration: _dt.date
    extensions: tuple[Extension, ...]
    body: bytes = field(repr=False)
    signature: bytes = field(repr=False)

    @property
    def raw(self) -> bytes:
        return tlv.encode(TAG_CERTIFICATE, self.body + tlv.encode(TAG_SIGNATURE, self.signature))

    @property
    def pso_data(self) -> bytes:
        """Command data of PSO:Verify Certificate: body and signature, without 7F21 (TR-03110-3 §B.11.5)."""
        return self.body + tlv.encode(TAG_SIGNATURE, self.signature)

    @property
    def role(self) -> int:
        return self.chat.role

    @property
    def self_signed(self) -> bool:
        return self.car == self.chr

    @property
    def kind(self) -> str:
        """"CVCA", "link" (CVCA signed by another CVCA key), "DV" or "terminal"."""
        if self.role == chat_mod.ROLE_CVCA:
            return "CVCA" if self.self_signed else "link"
        if self.role in (chat_mod.ROLE_DV_DOMESTIC, chat_mod.ROLE_DV_FOREIGN):
            return "DV"
        return "terminal"

    def valid_at(self, day: _dt.date) -> bool:
        return self.effective <= day <= self.expiration

    def verify(self, issuer_key: CvcPublicKey, domain: Optional[_ec.Curve] = None) -> None:
        """Check this certificate's signature with its issuer's key (VerificationError if wrong)."""
        verify_signature(issuer_key, self.body, self.signature, domain)

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "CV certificate",
            "kind": self.kind,
            "profile": self.profile,
            "car": self.car,
            "chr": self.chr,
            "role": self.chat.role_name,
            "chat": self.chat.to_json(),
            "public_key": self.public_key.to_json(),
            "effective": self.effective.isoformat(),
            "expiration": self.expiration.isoformat(),
            "extensions": [x.to_json() for x in self.extensions],
            "signature_bytes": len(self.signature),
            "sha256": hashlib.sha256(self.raw).hexdigest().upper(),
        }


@dataclass(frozen=True)
class CertificateRequest:
    """A certificate request (TR-03110-3 §C.2), optionally authenticated (outer CAR + signature)."""

    profile: int
    car: Optional[str]
    public_key: CvcPublicKey
    chr: str
    extensions: tuple[Extension, ...]
    body: bytes = field(repr=False)
    inner_signature: bytes = field(repr=False)
    outer_car: Optional[str] = None
    outer_signature: Optional[bytes] = field(default=None, repr=False)

    @property
    def inner(self) -> bytes:
        return tlv.encode(TAG_CERTIFICATE, self.body + tlv.encode(TAG_SIGNATURE, self.inner_signature))

    @property
    def raw(self) -> bytes:
        if self.outer_car is None or self.outer_signature is None:
            return self.inner
        return tlv.encode(TAG_AUTHENTICATION, self.inner + tlv.encode(TAG_CAR, encode_reference(self.outer_car))
                          + tlv.encode(TAG_SIGNATURE, self.outer_signature))

    @property
    def outer_message(self) -> bytes:
        """What the outer signature covers: the inner request and the outer CAR (§C.2.1)."""
        return self.inner + tlv.encode(TAG_CAR, encode_reference(self.outer_car or ""))

    def verify_inner(self) -> None:
        """Proof of possession: the inner signature verifies with the requested key itself."""
        verify_signature(self.public_key, self.body, self.inner_signature)

    def verify_outer(self, key: CvcPublicKey, domain: Optional[_ec.Curve] = None) -> None:
        if self.outer_signature is None:
            raise VerificationError("the request is not authenticated (no outer signature)",
                                    reason="CVC_SIGNATURE_INVALID")
        verify_signature(key, self.outer_message, self.outer_signature, domain)

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "CV certificate request",
            "profile": self.profile,
            "car": self.car,
            "chr": self.chr,
            "public_key": self.public_key.to_json(),
            "extensions": [x.to_json() for x in self.extensions],
            "authenticated": self.outer_signature is not None,
            "outer_car": self.outer_car,
            "sha256": hashlib.sha256(self.raw).hexdigest().upper(),
        }


def _check_size(raw: bytes, file: str) -> None:
    if len(raw) > MAX_CVC:
        raise ParseError(f"a CVC of {len(raw)} bytes exceeds {MAX_CVC}", file=file, offset=0)


def _split_certificate(raw: bytes, file: str) -> tuple[tlv.Tlv, bytes, tlv.Tlv]:
    """7F21 { 7F4E body, 5F37 signature } -> (body TLV, body bytes as received, signature TLV)."""
    outer = tlv.decode_one(raw, expected_tag=TAG_CERTIFICATE, file=file)
    start = len(raw) - len(outer.value)
    parts = list(tlv.iter_tlv(outer.value, file=file))
    if len(parts) != 2 or parts[0].tag != TAG_BODY or parts[1].tag != TAG_SIGNATURE:
        raise ParseError("a CV certificate holds a body (7F4E) and a signature (5F37)", file=file, offset=start)
    body_end = parts[1].offset
    return parts[0], bytes(outer.value[:body_end]), parts[1]


def _extensions(value: bytes, file: str, base: int) -> tuple[Extension, ...]:
    items = tlv.decode(value, file=file)
    if len(items) > MAX_EXTENSIONS:
        raise ParseError("too many CVC extensions", file=file, offset=base)
    out = []
    for it in items:
        if it.tag != TAG_DISCRETIONARY_TEMPLATE:
            raise ParseError(f"unexpected data object {it.tag:02X} in CVC extensions", file=file, offset=base + it.offset)
        inner = tlv.decode(it.value, file=file)
        if not inner or inner[0].tag != 0x06:
            raise ParseError("a CVC extension starts with its OID", file=file, offset=base + it.offset)
        oid = oid_from_bytes(inner[0].value, file=file, offset=base + it.offset)
        if any(x.constructed for x in inner[1:]) or len(inner) > MAX_EXTENSIONS:
            raise ParseError("CVC extension data objects must be primitive", file=file, offset=base + it.offset)
        out.append(Extension(oid, tuple((x.tag, x.value) for x in inner[1:])))
    return tuple(out)


def _body_fields(value: bytes, expected: tuple[tuple[int, bool], ...], file: str, base: int) -> dict[int, tlv.Tlv]:
    """The body's data objects in ``expected`` order (tag, required); anything else is refused."""
    items = tlv.decode(value, file=file)
    found: dict[int, tlv.Tlv] = {}
    pos = 0
    for tag, required in expected:
        if pos < len(items) and items[pos].tag == tag:
            found[tag] = items[pos]
            pos += 1
        elif required:
            raise ParseError(f"CVC body lacks data object {tag:02X} (or has it out of order)", file=file, offset=base)
    if pos != len(items):
        raise ParseError(f"unexpected data object {items[pos].tag:02X} in a CVC body", file=file,
                         offset=base + items[pos].offset)
    return found


def _profile(item: tlv.Tlv, file: str, base: int) -> int:
    if len(item.value) != 1:
        raise ParseError("CVC profile identifier must be one byte", file=file, offset=base)
    value = int(ProfileIdentifier.parse(item.value))
    if value != PROFILE_VERSION_1:
        raise UnsupportedError(f"CVC profile identifier {value} (only 0 is defined)", reason="ALGORITHM_UNSUPPORTED")
    return value


_CERT_BODY = ((TAG_PROFILE, True), (TAG_CAR, True), (TAG_PUBLIC_KEY, True), (TAG_CHR, True), (TAG_CHAT, True),
              (TAG_EFFECTIVE, True), (TAG_EXPIRATION, True), (TAG_EXTENSIONS, False))
_REQUEST_BODY = ((TAG_PROFILE, True), (TAG_CAR, False), (TAG_PUBLIC_KEY, True), (TAG_CHR, True),
                 (TAG_EXTENSIONS, False))


def parse_certificate(raw: bytes, *, file: str = "CVC") -> CvCertificate:
    """Parse a CV certificate (7F21). ParseError / UnsupportedError for anything else."""
    raw = bytes(raw)
    _check_size(raw, file)
    body_tlv, body_bytes, sig = _split_certificate(raw, file)
    f = _body_fields(body_tlv.value, _CERT_BODY, file, 0)
    ext = f.get(TAG_EXTENSIONS)
    if not sig.value or len(sig.value) > MAX_KEY_FIELD:
        raise ParseError("CVC signature is empty or too long", file=file)
    return CvCertificate(
        profile=_profile(f[TAG_PROFILE], file, 0),
        car=decode_reference(f[TAG_CAR].value, what="CAR", file=file),
        public_key=parse_public_key(f[TAG_PUBLIC_KEY].value, file=file),
        chr=decode_reference(f[TAG_CHR].value, what="CHR", file=file),
        chat=chat_mod.parse(f[TAG_CHAT].value, file=file),
        effective=decode_date(f[TAG_EFFECTIVE].value, what="effective date", file=file),
        expiration=decode_date(f[TAG_EXPIRATION].value, what="expiration date", file=file),
        extensions=_extensions(ext.value, file, 0) if ext is not None else (),
        body=body_bytes,
        signature=sig.value,
    )


def parse_request(raw: bytes, *, file: str = "CVC request") -> CertificateRequest:
    """Parse a certificate request: 7F21 (plain) or 67 { 7F21, 42 outer CAR, 5F37 } (authenticated)."""
    raw = bytes(raw)
    _check_size(raw, file)
    outer_car = outer_sig = None
    inner_raw = raw
    if raw[:1] == bytes([TAG_AUTHENTICATION]):
        outer = tlv.decode_one(raw, expected_tag=TAG_AUTHENTICATION, file=file)
        parts = list(tlv.iter_tlv(outer.value, file=file))
        if [p.tag for p in parts] != [TAG_CERTIFICATE, TAG_CAR, TAG_SIGNATURE]:
            raise ParseError("an authenticated request holds 7F21, 42 and 5F37", file=file)
        inner_raw = outer.value[: parts[1].offset]
        outer_car = decode_reference(parts[1].value, what="outer CAR", file=file)
        outer_sig = parts[2].value
    body_tlv, body_bytes, sig = _split_certificate(inner_raw, file)
    f = _body_fields(body_tlv.value, _REQUEST_BODY, file, 0)
    car = f.get(TAG_CAR)
    ext = f.get(TAG_EXTENSIONS)
    return CertificateRequest(
        profile=_profile(f[TAG_PROFILE], file, 0),
        car=decode_reference(car.value, what="CAR", file=file) if car is not None else None,
        public_key=parse_public_key(f[TAG_PUBLIC_KEY].value, file=file),
        chr=decode_reference(f[TAG_CHR].value, what="CHR", file=file),
        extensions=_extensions(ext.value, file, 0) if ext is not None else (),
        body=body_bytes,
        inner_signature=sig.value,
        outer_car=outer_car,
        outer_signature=outer_sig,
    )


def looks_like_cvc(raw: bytes) -> bool:
    """7F21 or 67 at the start (cheap test before parsing)."""
    return raw[:2] == b"\x7f\x21" or raw[:1] == b"\x67"


def parse_any(raw: bytes, *, file: str = "CVC") -> "CvCertificate | CertificateRequest":
    """A certificate, else a request (a body without CHAT and dates)."""
    if raw[:1] == bytes([TAG_AUTHENTICATION]):
        return parse_request(raw, file=file)
    try:
        return parse_certificate(raw, file=file)
    except ParseError as first:
        try:
            return parse_request(raw, file=file)
        except CccdError:
            raise first from None


# --- building ---------------------------------------------------------------------------

Sign = Callable[[bytes], bytes]


def build_body(car: str, public_key: CvcPublicKey, chr: str, chat: Chat, effective: _dt.date,
               expiration: _dt.date, extensions: tuple[Extension, ...] = ()) -> bytes:
    """The 7F4E body of a certificate, data objects in the order of TR-03110-3 Table C.1."""
    items = (tlv.encode(TAG_PROFILE, bytes([PROFILE_VERSION_1])) + tlv.encode(TAG_CAR, encode_reference(car))
             + public_key.encode() + tlv.encode(TAG_CHR, encode_reference(chr)) + chat.encode()
             + tlv.encode(TAG_EFFECTIVE, encode_date(effective)) + tlv.encode(TAG_EXPIRATION, encode_date(expiration)))
    if extensions:
        items += tlv.encode(TAG_EXTENSIONS, b"".join(x.encode() for x in extensions))
    return tlv.encode(TAG_BODY, items)


def build_certificate(car: str, public_key: CvcPublicKey, chr: str, chat: Chat, effective: _dt.date,
                      expiration: _dt.date, sign: Sign, extensions: tuple[Extension, ...] = ()) -> CvCertificate:
    """A certificate signed by ``sign`` (the issuer's key; plain r||s for ECDSA), re-parsed to check it."""
    body = build_body(car, public_key, chr, chat, effective, expiration, extensions)
    raw = tlv.encode(TAG_CERTIFICATE, body + tlv.encode(TAG_SIGNATURE, sign(body)))
    return parse_certificate(raw)


def build_request(public_key: CvcPublicKey, chr: str, sign_inner: Sign, *, car: Optional[str] = None,
                  extensions: tuple[Extension, ...] = (), outer_car: Optional[str] = None,
                  sign_outer: Optional[Sign] = None) -> CertificateRequest:
    """A certificate request; with ``outer_car`` and ``sign_outer`` an authenticated one (§C.2)."""
    items = tlv.encode(TAG_PROFILE, bytes([PROFILE_VERSION_1]))
    if car is not None:
        items += tlv.encode(TAG_CAR, encode_reference(car))
    items += public_key.encode() + tlv.encode(TAG_CHR, encode_reference(chr))
    if extensions:
        items += tlv.encode(TAG_EXTENSIONS, b"".join(x.encode() for x in extensions))
    body = tlv.encode(TAG_BODY, items)
    inner = tlv.encode(TAG_CERTIFICATE, body + tlv.encode(TAG_SIGNATURE, sign_inner(body)))
    if outer_car is None or sign_outer is None:
        return parse_request(inner)
    message = inner + tlv.encode(TAG_CAR, encode_reference(outer_car))
    raw = tlv.encode(TAG_AUTHENTICATION, message + tlv.encode(TAG_SIGNATURE, sign_outer(message)))
    return parse_request(raw)
