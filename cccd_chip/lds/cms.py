"""CMS SignedData (RFC 5652 §5) as used by EF.SOD, EF.CardSecurity and CSCA master lists.

ICAO 9303-10 §4.6.2 and 9303-12 §9 profile it; BSI TR-03110-3 §A.1.2.5 for
EF.CardSecurity. Parsing keeps every byte that verification needs exactly as
received: the eContent octets, each certificate, and the signed attributes
re-tagged as ``SET OF`` (0x31) per RFC 5652 §5.4. Building signs with an
injected ``signer`` so the virtual chip can produce SODs with RSA PKCS#1 v1.5,
RSASSA-PSS or ECDSA.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from dataclasses import dataclass
from typing import Callable, Final, Optional, Sequence

from asn1crypto import algos as a_algos
from asn1crypto import cms as a_cms
from asn1crypto import x509 as a_x509

from ..content_cache import ContentCache
from ..errors import ParseError
from ..iso7816.tlv import read_header
from . import ber, oids
from ._der import (
    Span,
    check_structure,
    children,
    decode_oid,
    der,
    der_int,
    der_oid,
    der_seq,
    der_set,
    elements,
    guard,
    int_at,
    octets,
    oid_at,
    single,
    sort_der,
)
from ..values import exact_bytes, FrozenValue

MAX_CMS_SIZE: Final = 16 * 1024 * 1024


@dataclass(frozen=True, init=False)
class AlgorithmIdentifier(FrozenValue):
    """RFC 5280 §4.1.1.2: OID and the DER of its parameters (None when absent)."""

    oid: str
    parameters: Optional[bytes] = None

    def __init__(self, oid: str, parameters: Optional[bytes] = None) -> None:
        # stores into the slots (values.py: the generated __init__ is interpreted Python)
        object.__setattr__(self, "oid", oid)
        object.__setattr__(self, "parameters", parameters)

    @property
    def name(self) -> str:
        return oids.name(self.oid)

    def encode(self) -> bytes:
        return der_seq(der_oid(self.oid), self.parameters or b"")


@dataclass(frozen=True, init=False)
class Attribute(FrozenValue):
    """RFC 5652 §5.3 Attribute: type OID and the DER of each value."""

    oid: str
    values: tuple[bytes, ...]

    def __init__(self, oid: str, values: tuple[bytes, ...]) -> None:
        # stores into the slots (values.py: the generated __init__ is interpreted Python)
        object.__setattr__(self, "oid", oid)
        object.__setattr__(self, "values", values)


@dataclass(frozen=True, init=False)
class SignerInfo(FrozenValue):
    """RFC 5652 §5.3. ``signed_attrs`` is the SET OF (tag 0x31) as received."""

    version: int
    sid_issuer: Optional[bytes]  # DER Name when sid is IssuerAndSerialNumber
    sid_serial: Optional[int]
    sid_ski: Optional[bytes]  # when sid is subjectKeyIdentifier
    digest_algorithm: AlgorithmIdentifier
    signed_attrs: Optional[bytes]
    signed_attributes: tuple[Attribute, ...]
    signature_algorithm: AlgorithmIdentifier
    signature: bytes
    unsigned_attrs: Optional[bytes]  # [1] element as received
    raw: bytes

    def __init__(
            self,
            version: int,
            sid_issuer: Optional[bytes],
            sid_serial: Optional[int],
            sid_ski: Optional[bytes],
            digest_algorithm: AlgorithmIdentifier,
            signed_attrs: Optional[bytes],
            signed_attributes: tuple[Attribute, ...],
            signature_algorithm: AlgorithmIdentifier,
            signature: bytes,
            unsigned_attrs: Optional[bytes],
            raw: bytes,
    ) -> None:
        # stores into the slots (values.py: the generated __init__ is interpreted Python)
        object.__setattr__(self, "version", version)
        object.__setattr__(self, "sid_issuer", sid_issuer)
        object.__setattr__(self, "sid_serial", sid_serial)
        object.__setattr__(self, "sid_ski", sid_ski)
        object.__setattr__(self, "digest_algorithm", digest_algorithm)
        object.__setattr__(self, "signed_attrs", signed_attrs)
        object.__setattr__(self, "signed_attributes", signed_attributes)
        object.__setattr__(self, "signature_algorithm", signature_algorithm)
        object.__setattr__(self, "signature", signature)
        object.__setattr__(self, "unsigned_attrs", unsigned_attrs)
        object.__setattr__(self, "raw", raw)

    @property
    def content_type(self) -> Optional[str]:
        """The single contentType attribute value, None if absent or ambiguous."""
        v = self._single(oids.ID_CONTENT_TYPE, 0x06)
        try:
            return decode_oid(v) if v is not None else None
        except ParseError:
            return None

    @property
    def message_digest(self) -> Optional[bytes]:
        """The single messageDigest attribute value, None if absent or ambiguous."""
        return self._single(oids.ID_MESSAGE_DIGEST, 0x04)

    @property
    def signing_time(self) -> Optional[datetime]:
        attrs = [a for a in self.signed_attributes if a.oid == oids.ID_SIGNING_TIME]
        if len(attrs) != 1 or len(attrs[0].values) != 1:
            return None
        try:
            when: datetime = a_cms.Time.load(attrs[0].values[0]).native
            return when
        except Exception:  # noqa: BLE001 - informative field only
            return None

    @property
    def signed_attrs_der(self) -> Optional[bytes]:
        """The signed attributes re-encoded in DER (RFC 5652 §5.4): SET OF sorted, minimal
        definite lengths, constructed strings flattened (:func:`ber.canonical_der`).

        Some signers signed this canonical form while storing another order or a
        BER form; a verifier tries it after :attr:`signed_attrs`.
        """
        if self.signed_attrs is None:
            return None
        try:
            return ber.canonical_der(self.signed_attrs, file="SignerInfo")
        except ParseError:
            return der_set([bytes(e[1]) for e in elements(self.signed_attrs[_hdr_len(self.signed_attrs):])])

    def _single(self, oid: str, tag: int) -> Optional[bytes]:
        attrs = [a for a in self.signed_attributes if a.oid == oid]
        if len(attrs) != 1 or len(attrs[0].values) != 1:
            return None
        v = attrs[0].values[0]
        try:
            spans = children(v, 0, len(v))
            if len(spans) != 1:
                return None
            if tag == 0x04 and spans[0][0] in (0x04, 0x24):  # BER: a segmented OCTET STRING (X.690 §8.7.3)
                return octets(v, spans[0], "attribute value")
        except ParseError:
            return None
        t, _, s, e = spans[0]
        return v[s:e] if t == tag else None


@dataclass(frozen=True, init=False)
class SignedData(FrozenValue):
    """RFC 5652 §5.1 SignedData inside its ContentInfo (``raw`` is the ContentInfo)."""

    version: int
    digest_algorithms: tuple[AlgorithmIdentifier, ...]
    econtent_type: str
    econtent: Optional[bytes]  # exact octets hashed into messageDigest; None if detached
    certificates: tuple[bytes, ...]
    crls: tuple[bytes, ...]
    signer_infos: tuple[SignerInfo, ...]
    raw: bytes

    def __init__(
            self,
            version: int,
            digest_algorithms: tuple[AlgorithmIdentifier, ...],
            econtent_type: str,
            econtent: Optional[bytes],
            certificates: tuple[bytes, ...],
            crls: tuple[bytes, ...],
            signer_infos: tuple[SignerInfo, ...],
            raw: bytes,
    ) -> None:
        # stores into the slots (values.py: the generated __init__ is interpreted Python)
        object.__setattr__(self, "version", version)
        object.__setattr__(self, "digest_algorithms", digest_algorithms)
        object.__setattr__(self, "econtent_type", econtent_type)
        object.__setattr__(self, "econtent", econtent)
        object.__setattr__(self, "certificates", certificates)
        object.__setattr__(self, "crls", crls)
        object.__setattr__(self, "signer_infos", signer_infos)
        object.__setattr__(self, "raw", raw)


# --- parse ------------------------------------------------------------------
#
# One bounded pass over the DER (``_der.read_element``): each element the
# verifier needs is read in place, its tag checked against RFC 5652 §5, and
# only the kept fields are copied (eContent, certificates and CRLs as raw
# elements, the SignerInfo fields). Every other element kept as raw bytes
# (algorithm parameters, the signer's issuer Name, attribute values, CRLs,
# unsigned attributes) is structure-checked (``_der.check_structure``), which
# costs little as they are small. Certificates, the bulk of the bytes, are
# validated by their own parser when used (``pki.certificate.load_certificate``
# wraps every failure, caches by content).

_CERTIFICATE_CHOICES: Final = frozenset({0x30, 0xA0, 0xA1, 0xA2, 0xA3})  # RFC 5652 §10.2.2 CertificateChoices
_CRL_CHOICES: Final = frozenset({0x30, 0xA1})  # RFC 5652 §10.2.1 RevocationInfoChoice
_MAX_SERIAL_LEN: Final = 128


def _hdr_len(tlv: bytes) -> int:
    return read_header(tlv, 0).header_len


def _expect(span: Optional[Span], tag: int, what: str, file: Optional[str], base: int, at: int) -> Span:
    if span is None:
        raise ParseError(f"{what} missing", file=file, offset=base + at)
    if span[0] != tag:
        raise ParseError(f"{what}: expected tag {tag:02X}, found {span[0]:02X}", file=file, offset=base + span[1])
    return span


_ALGORITHM_IDENTIFIERS: Final["ContentCache[AlgorithmIdentifier]"] = ContentCache("AlgorithmIdentifier", 512)
_MAX_CACHED_ALGORITHM_IDENTIFIER: Final = 256


def read_algorithm_identifier(data: bytes, span: Span, *, file: Optional[str] = None, base: int = 0) -> AlgorithmIdentifier:
    """AlgorithmIdentifier (RFC 5280 §4.1.1.2) at ``span``, parameters byte-exact.

    A SOD holds four and every document of an issuer the same ones: the value is cached
    by the element's exact bytes (:mod:`cccd_chip.content_cache`; it depends on nothing
    else, and a malformed element is read, and refused, every time).
    """
    tag, pos, vs, ve = span
    if tag == 0x30 and ve - pos <= _MAX_CACHED_ALGORITHM_IDENTIFIER:
        return _ALGORITHM_IDENTIFIERS.get_or_compute(
            data[pos:ve], lambda: _read_algorithm_identifier(data, span, file=file, base=base))
    return _read_algorithm_identifier(data, span, file=file, base=base)


def _read_algorithm_identifier(data: bytes, span: Span, *, file: Optional[str], base: int) -> AlgorithmIdentifier:
    tag, pos, vs, ve = span
    if tag != 0x30:
        raise ParseError("AlgorithmIdentifier is not a SEQUENCE", file=file, offset=base + pos)
    parts = children(data, vs, ve, file=file, base=base)
    if not parts or parts[0][0] != 0x06:
        raise ParseError("AlgorithmIdentifier without OID", file=file, offset=base + pos)
    if len(parts) > 2:
        raise ParseError("AlgorithmIdentifier with extra fields", file=file, offset=base + parts[2][1])
    params = _raw(data, parts[1], file, base) if len(parts) == 2 else None
    return AlgorithmIdentifier(oid_at(data, parts[0], "algorithm", file=file, base=base), params)


def _attributes(data: bytes, vs: int, ve: int, file: Optional[str], base: int) -> tuple[Attribute, ...]:
    """SET OF Attribute (RFC 5652 §5.3) in ``data[vs:ve]``; values kept as raw elements."""
    out = []
    for tag, pos, s, e in children(data, vs, ve, file=file, base=base):
        if tag != 0x30:
            raise ParseError("attribute is not a SEQUENCE", file=file, offset=base + pos)
        # the common form, read inline: 30 L { 06 l OID, 31 l' { one value, one-byte tag, short
        # length } } with every length in short form and each element ending where its parent
        # does; the same Attribute as the general walk below, which reads every other form and
        # raises every error (tests/lds/test_cms_attributes_fast_path.py)
        if e - s >= 6 and data[s] == 0x06 and data[s + 1] < 0x80:
            oe = s + 2 + data[s + 1]
            if oe + 4 <= e and data[oe] == 0x31 and data[oe + 1] < 0x80 and oe + 2 + data[oe + 1] == e:
                t, n = data[oe + 2], data[oe + 3]
                if t and t & 0x1F != 0x1F and n < 0x80 and oe + 4 + n == e:
                    value = _raw(data, (t, oe + 2, oe + 4, e), file, base)
                    out.append(Attribute(oid_at(data, (0x06, s, s + 2, oe), "attribute type", file=file, base=base), (value,)))
                    continue
        inner = children(data, s, e, file=file, base=base)
        if len(inner) != 2 or inner[0][0] != 0x06 or inner[1][0] != 0x31:
            raise ParseError("malformed attribute", file=file, offset=base + pos)
        vals = tuple(_raw(data, v, file, base) for v in children(data, inner[1][2], inner[1][3], file=file, base=base))
        out.append(Attribute(oid_at(data, inner[0], "attribute type", file=file, base=base), vals))
    return tuple(out)


def _signer_info(data: bytes, span: Span, file: Optional[str], base: int) -> SignerInfo:
    """SignerInfo (RFC 5652 §5.3)."""
    tag, pos, vs, ve = span
    if tag != 0x30:
        raise ParseError("SignerInfo is not a SEQUENCE", file=file, offset=base + pos)
    parts = children(data, vs, ve, file=file, base=base)
    it = iter(parts)
    nxt = next(it, None)
    version = int_at(data, _expect(nxt, 0x02, "SignerInfo version", file, base, ve), "SignerInfo version", file=file, base=base)
    sid = next(it, None)
    issuer = serial = ski = None
    if sid is not None and sid[0] == 0x80:  # [0] IMPLICIT SubjectKeyIdentifier
        ski = data[sid[2] : sid[3]]
    else:
        sid = _expect(sid, 0x30, "SignerInfo sid", file, base, ve)
        ias = children(data, sid[2], sid[3], file=file, base=base)
        if len(ias) != 2 or ias[0][0] != 0x30:
            raise ParseError("malformed IssuerAndSerialNumber", file=file, offset=base + sid[1])
        issuer = _raw(data, ias[0], file, base)
        serial = int_at(data, ias[1], "serial number", file=file, base=base, max_len=_MAX_SERIAL_LEN)
    nxt = _expect(next(it, None), 0x30, "digestAlgorithm", file, base, ve)
    digest_alg = read_algorithm_identifier(data, nxt, file=file, base=base)
    nxt = next(it, None)
    signed_attrs = None
    attrs: tuple[Attribute, ...] = ()
    if nxt is not None and nxt[0] == 0xA0:  # [0] IMPLICIT SET OF Attribute, re-tagged as signed (§5.4)
        signed_attrs = b"\x31" + data[nxt[1] + 1 : nxt[3]]
        attrs = _attributes(data, nxt[2], nxt[3], file, base)
        nxt = next(it, None)
    sig_alg = read_algorithm_identifier(data, _expect(nxt, 0x30, "signatureAlgorithm", file, base, ve), file=file, base=base)
    nxt = next(it, None)
    if nxt is None:
        raise ParseError("SignerInfo signature missing", file=file, offset=base + ve)
    signature = octets(data, nxt, "signature", file=file, base=base)
    nxt = next(it, None)
    unsigned = None
    if nxt is not None and nxt[0] == 0xA1:
        unsigned = _raw(data, nxt, file, base)
        nxt = next(it, None)
    if nxt is not None:
        raise ParseError("unexpected field in SignerInfo", file=file, offset=base + nxt[1])
    return SignerInfo(
        version=version,
        sid_issuer=issuer,
        sid_serial=serial,
        sid_ski=ski,
        digest_algorithm=digest_alg,
        signed_attrs=signed_attrs,
        signed_attributes=attrs,
        signature_algorithm=sig_alg,
        signature=signature,
        unsigned_attrs=unsigned,
        raw=data[pos:ve],
    )


def parse_at(data: bytes, start: int, end: int, *, file: Optional[str] = "CMS", base: int = 0) -> tuple[SignedData, int]:
    """Parse the ContentInfo exactly filling ``data[start:end]`` (RFC 5652 §3, §5.1).

    Returns the SignedData and the position in ``data`` of the eContent
    octets (-1 when detached or segmented). Error offsets are ``base +``
    positions in ``data``.
    """
    if end - start > MAX_CMS_SIZE:
        raise ParseError("CMS larger than the allowed maximum", file=file, offset=base + start)
    _, _, vs, ve = single(data, start, end, 0x30, "ContentInfo", file=file, base=base)
    ci = children(data, vs, ve, file=file, base=base)
    if not ci or ci[0][0] != 0x06:
        raise ParseError("ContentInfo without contentType", file=file, offset=base + start)
    if oid_at(data, ci[0], "contentType", file=file, base=base) != oids.ID_SIGNED_DATA:
        raise ParseError("ContentInfo is not SignedData", file=file, offset=base + start)
    if len(ci) < 2:
        raise ParseError("SignedData content missing", file=file, offset=base + start)
    if len(ci) > 2 or ci[1][0] != 0xA0:
        raise ParseError("malformed ContentInfo content", file=file, offset=base + ci[1][1])
    _, _, vs, ve = single(data, ci[1][2], ci[1][3], 0x30, "SignedData", file=file, base=base)
    it = iter(children(data, vs, ve, file=file, base=base))
    ver = _expect(next(it, None), 0x02, "SignedData version", file, base, ve)
    version = int_at(data, ver, "SignedData version", file=file, base=base)
    dig = _expect(next(it, None), 0x31, "digestAlgorithms", file, base, ve)
    digest_algorithms = tuple(
        read_algorithm_identifier(data, s, file=file, base=base) for s in children(data, dig[2], dig[3], file=file, base=base)
    )
    eci = _expect(next(it, None), 0x30, "encapContentInfo", file, base, ve)
    parts = children(data, eci[2], eci[3], file=file, base=base)
    if not parts:
        raise ParseError("encapContentInfo without eContentType", file=file, offset=base + eci[1])
    econtent_type = oid_at(data, parts[0], "eContentType", file=file, base=base)
    econtent: Optional[bytes] = None
    eoff = -1
    if len(parts) > 2 or (len(parts) == 2 and parts[1][0] != 0xA0):
        raise ParseError("malformed encapContentInfo", file=file, offset=base + parts[-1][1])
    if len(parts) == 2:
        inner_all = children(data, parts[1][2], parts[1][3], file=file, base=base)
        if len(inner_all) != 1:
            raise ParseError("eContent [0] must hold one OCTET STRING", file=file, offset=base + parts[1][1])
        inner = inner_all[0]
        econtent = octets(data, inner, "eContent", file=file, base=base)
        eoff = inner[2] if inner[0] == 0x04 else -1
    nxt = next(it, None)
    certificates: tuple[bytes, ...] = ()
    if nxt is not None and nxt[0] == 0xA0:
        certificates = _choices(data, nxt, _CERTIFICATE_CHOICES, "certificate", file, base)
        nxt = next(it, None)
    crls: tuple[bytes, ...] = ()
    if nxt is not None and nxt[0] == 0xA1:
        crls = _choices(data, nxt, _CRL_CHOICES, "CRL", file, base, checked=True)
        nxt = next(it, None)
    sis = _expect(nxt, 0x31, "signerInfos", file, base, ve)
    signer_infos = tuple(_signer_info(data, s, file, base) for s in children(data, sis[2], sis[3], file=file, base=base))
    extra = next(it, None)
    if extra is not None:
        raise ParseError("unexpected field in SignedData", file=file, offset=base + extra[1])
    value = SignedData(
        version=version,
        digest_algorithms=digest_algorithms,
        econtent_type=econtent_type,
        econtent=econtent,
        certificates=certificates,
        crls=crls,
        signer_infos=signer_infos,
        raw=data[start:end],
    )
    return value, eoff


def _choices(
    data: bytes, span: Span, allowed: frozenset[int], what: str, file: Optional[str], base: int, *, checked: bool = False
) -> tuple[bytes, ...]:
    out = []
    for c in children(data, span[2], span[3], file=file, base=base):
        if c[0] not in allowed:
            raise ParseError(f"unexpected {what} choice {c[0]:02X}", file=file, offset=base + c[1])
        out.append(_raw(data, c, file, base) if checked else data[c[1] : c[3]])
    return tuple(out)


def _raw(data: bytes, span: Span, file: Optional[str], base: int) -> bytes:
    """The element at ``span`` as bytes, its inner structure checked (bounded, iterative)."""
    out = data[span[1] : span[3]]
    if out[0] & 0x20:  # constructed: walk it
        check_structure(out, file=file, base=base + span[1])
    return out


def parse(raw: bytes, *, file: Optional[str] = "CMS") -> SignedData:
    """Parse a ContentInfo holding SignedData (RFC 5652 §3, §5.1), DER or BER (:func:`definite_form`)."""
    raw = exact_bytes(raw)
    try:
        return parse_at(raw, 0, len(raw), file=file)[0]
    except ParseError as exc:
        fixed = definite_form(raw, exc, file=file)
    return parse_at(fixed, 0, len(fixed), file=file)[0]


def definite_form(raw: bytes, der_error: ParseError, *, file: Optional[str]) -> bytes:
    """``raw`` with its indefinite lengths made definite, after the DER pass failed with ``der_error``.

    RFC 5652 §1.1 allows BER for SignedData. Only lengths change
    (:func:`cccd_chip.lds.ber.definite`): eContent octets, signatures and
    certificates stay byte for byte as received. Raises ``der_error`` when
    the input has no indefinite length (a plain DER defect), the BER error
    when the BER itself is malformed (end-of-contents missing, ...).
    """
    try:
        fixed = ber.definite(raw, file=file, max_size=MAX_CMS_SIZE + 64)
    except ParseError as ber_error:
        if "indefinite" in der_error.message:
            raise ber_error from None
        raise der_error from None
    if fixed is raw:
        raise der_error
    return fixed


# --- encode -----------------------------------------------------------------


def _retag(element: bytes, tag: int) -> bytes:
    return bytes([tag]) + element[1:]


def encode_signer_info(si: SignerInfo) -> bytes:
    """DER of a SignerInfo from its fields (signed attributes kept verbatim)."""
    if si.sid_ski is not None:
        sid = der(0x80, si.sid_ski)
    else:
        if si.sid_issuer is None or si.sid_serial is None:
            raise ValueError("SignerInfo needs a subjectKeyIdentifier or issuer and serial")
        sid = der_seq(si.sid_issuer, der_int(si.sid_serial))
    return der_seq(
        der_int(si.version),
        sid,
        si.digest_algorithm.encode(),
        _retag(si.signed_attrs, 0xA0) if si.signed_attrs is not None else b"",
        si.signature_algorithm.encode(),
        der(0x04, si.signature),
        si.unsigned_attrs or b"",
    )


def build(value: SignedData) -> bytes:
    """DER ContentInfo from a SignedData value; sets keep the value's order."""
    econtent = b"" if value.econtent is None else der(0xA0, der(0x04, value.econtent))
    body = der_seq(
        der_int(value.version),
        der(0x31, b"".join(a.encode() for a in value.digest_algorithms)),
        der_seq(der_oid(value.econtent_type), econtent),
        der(0xA0, b"".join(value.certificates)) if value.certificates else b"",
        der(0xA1, b"".join(value.crls)) if value.crls else b"",
        der(0x31, b"".join(encode_signer_info(s) for s in value.signer_infos)),
    )
    return der_seq(der_oid(oids.ID_SIGNED_DATA), der(0xA0, body))


def digest(alg: str, data: bytes) -> bytes:
    """Hash ``data`` with a digest given by name or OID (sha1 .. sha512)."""
    oid = oids.digest_oid(alg)
    return hashlib.new(oids.DIGEST_NAMES[oid], data).digest()


def rsassa_pss_params(hash_alg: str = "sha256", salt_length: int = 32) -> bytes:
    """DER RSASSA-PSS-params (RFC 8017 §A.2.3) with MGF1 over the same hash."""
    name = oids.DIGEST_NAMES[oids.digest_oid(hash_alg)]
    out: bytes = a_algos.RSASSAPSSParams(
        {
            "hash_algorithm": {"algorithm": name},
            "mask_gen_algorithm": {"algorithm": "mgf1", "parameters": {"algorithm": name}},
            "salt_length": salt_length,
        }
    ).dump()
    return out


@dataclass(frozen=True)
class PSSParams(FrozenValue):
    hash_oid: str
    mgf_oid: str
    mgf_hash_oid: str
    salt_length: int
    trailer_field: int


def parse_pss_params(params: Optional[bytes], *, file: Optional[str] = None) -> PSSParams:
    """RSASSA-PSS-params with the RFC 8017 defaults (SHA-1, MGF1-SHA-1, 20, 1)."""
    if params is None or params == b"\x05\x00":
        return PSSParams(oids.DIGESTS["sha1"], oids.MGF1, oids.DIGESTS["sha1"], 20, 1)
    check_structure(params, file=file)
    with guard(file, "RSASSA-PSS parameters"):
        p = a_algos.RSASSAPSSParams.load(params, strict=True)
        mgf = p["mask_gen_algorithm"]
        return PSSParams(
            p["hash_algorithm"]["algorithm"].dotted,
            mgf["algorithm"].dotted,
            mgf["parameters"]["algorithm"].dotted,
            int(p["salt_length"].native),
            int(p["trailer_field"].native if isinstance(p["trailer_field"].native, int) else 1),
        )


def _signing_time_attr(t: datetime) -> bytes:
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    value = a_cms.Time({"utc_time" if 1950 <= t.year < 2050 else "general_time": t}).dump()
    return der_seq(der_oid(oids.ID_SIGNING_TIME), der(0x31, value))


def certificate_sid(certificate_der: bytes, sid: str) -> tuple[Optional[bytes], Optional[int], Optional[bytes]]:
    """(issuer DER, serial, SKI) identifying ``certificate_der`` as a signer."""
    cert = a_x509.Certificate.load(certificate_der)
    if sid == "ski":
        ski = cert.key_identifier or cert.public_key.sha1
        return None, None, ski
    if sid == "issuer_serial":
        tbs = cert["tbs_certificate"]
        return tbs["issuer"].dump(), int(tbs["serial_number"].native), None
    raise ValueError("sid must be 'ski' or 'issuer_serial'")


def build_signed_data(
    econtent_type_oid: str,
    econtent: bytes,
    certificate_der: bytes,
    signer: Callable[[bytes], bytes],
    digest_alg: str = "sha256",
    signature_alg_oid: str = oids.ECDSA_WITH_SHA256,
    signature_params_der: Optional[bytes] = None,
    sid: str = "ski",
    include_cert: bool = True,
    *,
    extra_certificates: Sequence[bytes] = (),
    crls: Sequence[bytes] = (),
    signing_time: Optional[datetime] = None,
    digest_params_null: bool = False,
    extra_signed_attributes: Sequence[bytes] = (),
    message_digest: Optional[bytes] = None,
    content_type_attribute: Optional[str] = None,
) -> bytes:
    """Sign ``econtent`` and return the DER ContentInfo (RFC 5652 §5.4-5.5).

    ``signer(data)`` returns the signature over the DER signed attributes
    (it hashes itself: PKCS#1 v1.5, PSS or DER ECDSA as the algorithm says).
    ``message_digest`` / ``content_type_attribute`` override the computed
    attribute values (fault injection for the virtual chip).
    """
    dig_oid = oids.digest_oid(digest_alg)
    dig_alg = AlgorithmIdentifier(dig_oid, b"\x05\x00" if digest_params_null else None)
    md = message_digest if message_digest is not None else digest(dig_oid, econtent)
    attrs = [
        der_seq(der_oid(oids.ID_CONTENT_TYPE), der(0x31, der_oid(content_type_attribute or econtent_type_oid))),
        der_seq(der_oid(oids.ID_MESSAGE_DIGEST), der(0x31, der(0x04, md))),
    ]
    if signing_time is not None:
        attrs.append(_signing_time_attr(signing_time))
    attrs.extend(extra_signed_attributes)
    signed_attrs = der(0x31, b"".join(sort_der(attrs)))
    signature = signer(signed_attrs)
    issuer, serial, ski = certificate_sid(certificate_der, sid)
    si = SignerInfo(
        version=3 if ski is not None else 1,
        sid_issuer=issuer,
        sid_serial=serial,
        sid_ski=ski,
        digest_algorithm=dig_alg,
        signed_attrs=signed_attrs,
        signed_attributes=(),
        signature_algorithm=AlgorithmIdentifier(signature_alg_oid, signature_params_der),
        signature=signature,
        unsigned_attrs=None,
        raw=b"",
    )
    certs = ((certificate_der,) if include_cert else ()) + tuple(extra_certificates)
    value = SignedData(
        version=3,
        digest_algorithms=(dig_alg,),
        econtent_type=econtent_type_oid,
        econtent=econtent,
        certificates=certs,
        crls=tuple(crls),
        signer_infos=(si,),
        raw=b"",
    )
    return build(value)


def find_signer_certificate(value: SignedData, signer_info: SignerInfo) -> Optional[bytes]:
    """The certificate of ``value`` that ``signer_info``'s sid designates, if any."""
    for cert_der in value.certificates:
        try:
            cert = a_x509.Certificate.load(cert_der)
            if signer_info.sid_ski is not None:
                if cert.key_identifier == signer_info.sid_ski or cert.public_key.sha1 == signer_info.sid_ski:
                    return cert_der
            elif signer_info.sid_issuer is not None:
                tbs = cert["tbs_certificate"]
                if (
                    tbs["serial_number"].native == signer_info.sid_serial
                    and tbs["issuer"] == a_x509.Name.load(signer_info.sid_issuer)
                ):
                    return cert_der
        except Exception:  # noqa: BLE001 - a malformed certificate simply does not match
            continue
    return None
