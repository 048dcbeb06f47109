"""Verification of a CMS SignerInfo (RFC 5652 §5.4, §5.6; ICAO 9303-10 §4.6.2, 9303-12 §9).

Shared by EF.SOD, EF.CardSecurity and CSCA master lists. The signature
algorithm is the SignerInfo's (never the signer certificate's), the hash for
bare ``rsaEncryption`` / ``id-ecPublicKey`` comes from the SignerInfo's
digestAlgorithm, signed attributes must carry contentType = eContentType and
messageDigest = hash(eContent octets as received).

Failures raise :class:`VerificationError` whose ``reason`` is one of the
``SIGNED_*`` codes below; callers map them to their own verdict reasons.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from dataclasses import dataclass
from typing import Callable, Final, Iterable, Optional, Sequence

from ..crypto.signatures import (
    PublicKey,
    SignatureAlgorithm,
    digest_named,
    hash_name_from_oid,
    signature_algorithm,
    verify_signature,
)
from ..errors import CccdError, ParseError, VerificationError
from ..lds.cms import AlgorithmIdentifier, SignedData, SignerInfo
from .certificate import Certificate, load_certificate
from ..values import FrozenValue

R_NO_SIGNED_ATTRS: Final = "SIGNED_ATTRS_MISSING"
R_CONTENT_TYPE: Final = "SIGNED_CONTENT_TYPE_MISMATCH"
R_MESSAGE_DIGEST: Final = "SIGNED_MESSAGE_DIGEST_MISMATCH"
R_SIGNATURE: Final = "SIGNED_SIGNATURE_INVALID"
R_DIGEST_ALG: Final = "SIGNED_DIGEST_ALGORITHM"
R_PROFILE: Final = "SIGNED_DATA_PROFILE"

_FORBIDDEN_DIGESTS: Final = {"1.2.840.113549.2.5", "1.2.840.113549.2.2"}  # MD5, MD2


def single_signer(sd: SignedData) -> SignerInfo:
    """The one SignerInfo that ICAO profiles allow (9303-10 §4.6.2.1)."""
    if len(sd.signer_infos) != 1:
        raise ParseError(f"{len(sd.signer_infos)} SignerInfos, exactly one expected")
    return sd.signer_infos[0]


def signer_matches(si: SignerInfo, cert: Certificate) -> bool:
    """Does ``cert`` carry the SignerInfo's sid (SKI or issuer + serial)?"""
    if si.sid_ski is not None:
        if cert.ski is not None:
            return cert.ski == si.sid_ski
        return _spki_sha1(cert) == si.sid_ski
    if si.sid_issuer is None or si.sid_serial is None:
        return False
    if cert.serial != si.sid_serial:
        return False
    return cert.issuer == si.sid_issuer or cert.issuer_key == _name_key(si.sid_issuer)


def find_signer(si: SignerInfo, candidates: Iterable[bytes | Certificate]) -> Optional[Certificate]:
    """First candidate certificate designated by the SignerInfo's sid; malformed ones are skipped."""
    for cert in _loaded(candidates):
        if signer_matches(si, cert):
            return cert
    return None


MAX_SIGNER_CANDIDATES: Final = 8  # embedded certificates whose key is tried when the sid designates none


@dataclass(frozen=True, init=False)
class SignerIdentification(FrozenValue):
    """Which certificate signed a SignerInfo, and how it was found (RFC 5652 §5.3, §5.6).

    ``by``: ``"sid"`` (issuerAndSerialNumber per RFC 5280 §7.1, or SKI),
    ``"key"`` (the sid designates no embedded certificate, or several, and this
    is the one whose key verifies the signature; reported as SIGNER_ID_MISMATCH),
    ``"none"``. ``algorithm`` is set when the signature was verified here.
    """

    certificate: Optional[Certificate]
    by: str
    algorithm: Optional[SignatureAlgorithm] = None

    def __init__(
            self,
            certificate: Optional[Certificate],
            by: str,
            algorithm: Optional[SignatureAlgorithm] = None,
    ) -> None:
        # stores into the slots (values.py: the generated __init__ is interpreted Python)
        object.__setattr__(self, "certificate", certificate)
        object.__setattr__(self, "by", by)
        object.__setattr__(self, "algorithm", algorithm)


def identify_signer(
    si: SignerInfo, embedded: Sequence[bytes], extra: Callable[[], Sequence[Certificate]] = lambda: ()
) -> SignerIdentification:
    """Find the signer of ``si`` (RFC 5652 §5.6) and verify its signature.

    Order: the embedded certificate(s) the sid designates (issuerAndSerialNumber
    compared per RFC 5280 §7.1, or the SKI of a v3 SignerInfo), else ``extra()``
    (the trust store's known DSCs with that sid: every one is tried, so a look-alike
    never hides the genuine one); if none of them verifies the signature, the
    other embedded certificates by key. The sid is unsigned framing, so a signer
    found by its key is as good as one found by name: the signature and the
    chain to a CSCA are what prove it. At most ``MAX_SIGNER_CANDIDATES`` undesignated
    keys are tried (a hostile SOD cannot make the verifier check thousands of signatures).

    When nothing verifies, the certificate the signature is judged against is
    returned unverified (the caller reports the signature as invalid): the
    designated one; else one whose serial matches and whose issuer has the same
    RDNs in another order; else the only embedded end-entity certificate. Only
    when none of these exists is the signer not found (undetermined): editing
    the unsigned sid never turns a wrong signature into "undetermined".
    """
    matches: list[Certificate] = []
    others: list[Certificate] = []  # the embedded certificates the sid does not designate
    for c in _loaded(embedded):
        (matches if signer_matches(si, c) else others).append(c)
    designated = matches or list(extra())
    for cert in designated:
        try:
            return SignerIdentification(cert, "sid", verify_signer_signature(si, cert.public_key))
        except CccdError:
            continue
    for cert in others[:MAX_SIGNER_CANDIDATES]:
        try:
            return SignerIdentification(cert, "key", verify_signer_signature(si, cert.public_key))
        except CccdError:
            continue
    if designated:
        return SignerIdentification(designated[0], "sid")
    loose = [c for c in others if _loosely_designated(si, c)]
    if loose:
        return SignerIdentification(loose[0], "key")
    end_entities = [c for c in others if not c.is_ca]
    if len(end_entities) == 1:
        return SignerIdentification(end_entities[0], "key")
    return SignerIdentification(None, "none")


def _loosely_designated(si: SignerInfo, cert: Certificate) -> bool:
    """Same serial, and the issuer has the same RDNs (RFC 5280 §7.1 each) in any order."""
    if si.sid_issuer is None or si.sid_serial != cert.serial:
        return False
    a, b = _rdn_keys(si.sid_issuer), _rdn_keys(cert.issuer)
    return a is not None and a == b


@lru_cache(maxsize=4096)
def _rdn_keys(name_der: bytes) -> Optional[tuple[str, ...]]:
    from asn1crypto import x509

    try:
        return tuple(sorted(rdn.hashable for rdn in x509.Name.load(name_der).chosen))
    except Exception:
        return None


def _loaded(candidates: Iterable[bytes | Certificate]) -> list[Certificate]:
    """The candidates as certificates, those that do not parse left out (a list: a generator
    is an object of its own in compiled code)."""
    out: list[Certificate] = []
    for c in candidates:
        try:
            out.append(c if isinstance(c, Certificate) else load_certificate(c))
        except ParseError:
            continue
    return out


def check_profile(sd: SignedData, si: SignerInfo) -> None:
    """The unsigned framing must agree with the signer (RFC 5652 §5.1, §5.3; catalogue family 21).

    SignedData version 1 or 3; SignerInfo version 1 with issuerAndSerialNumber,
    3 with subjectKeyIdentifier; the SignerInfo's digestAlgorithm listed in
    SignedData.digestAlgorithms; no MD5/MD2 anywhere.
    """
    if sd.version not in (1, 3):
        raise VerificationError(f"SignedData version {sd.version}", reason=R_PROFILE)
    if (si.version, si.sid_ski is not None) not in ((1, False), (3, True)):
        raise VerificationError(f"SignerInfo version {si.version} does not fit its sid", reason=R_PROFILE)
    listed = {a.oid for a in sd.digest_algorithms}
    if listed & _FORBIDDEN_DIGESTS:
        raise VerificationError("forbidden digest algorithm in SignedData", reason=R_DIGEST_ALG)
    if si.digest_algorithm.oid not in listed:
        raise VerificationError("SignerInfo digestAlgorithm not in SignedData.digestAlgorithms", reason=R_PROFILE)


def check_signed_attributes(sd: SignedData, si: SignerInfo) -> str:
    """Check the profile, contentType and messageDigest (RFC 5652 §5.3, §11.1-11.2); return the digest name."""
    check_profile(sd, si)
    dig_oid = si.digest_algorithm.oid
    if dig_oid in _FORBIDDEN_DIGESTS:
        raise VerificationError("forbidden digest algorithm in SignerInfo", reason=R_DIGEST_ALG)
    name = hash_name_from_oid(dig_oid)
    if si.signed_attrs is None:
        raise VerificationError("SignerInfo has no signed attributes", reason=R_NO_SIGNED_ATTRS)
    content_type = si.content_type
    if content_type is None or content_type != sd.econtent_type:
        raise VerificationError("contentType attribute differs from eContentType", reason=R_CONTENT_TYPE)
    md = si.message_digest
    if sd.econtent is None or md is None or digest_named(name, sd.econtent) != md:
        raise VerificationError("messageDigest differs from the eContent hash", reason=R_MESSAGE_DIGEST)
    return name


def verify_signer_signature(si: SignerInfo, key: PublicKey) -> SignatureAlgorithm:
    """Verify the SignerInfo signature over its signed attributes (as a SET OF).

    The attributes are checked as received first, then in canonical DER
    order (some signers signed the canonical form while storing another).
    """
    alg = _signer_algorithm(si.signature_algorithm.oid, si.signature_algorithm.parameters, si.digest_algorithm.oid)
    assert si.signed_attrs is not None
    try:
        verify_signature(key, alg, si.signed_attrs, si.signature)
        return alg
    except VerificationError:
        pass
    canonical = si.signed_attrs_der
    if canonical is not None and canonical != si.signed_attrs:
        try:
            verify_signature(key, alg, canonical, si.signature)
            return alg
        except VerificationError:
            pass
    raise VerificationError(f"{alg.name} signature over the signed attributes is invalid", reason=R_SIGNATURE)


@lru_cache(maxsize=256)
def _signer_algorithm(oid: str, params: Optional[bytes], digest_oid: str) -> SignatureAlgorithm:
    return signature_algorithm(AlgorithmIdentifier(oid, params).encode(), digest_oid=digest_oid)


def _spki_sha1(cert: Certificate) -> bytes:
    """RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING value."""
    return _spki_sha1_of(cert.spki)


@lru_cache(maxsize=4096)
def _spki_sha1_of(spki: bytes) -> bytes:
    from asn1crypto import keys

    try:
        info = keys.PublicKeyInfo.load(spki)
        return hashlib.sha1(bytes(info["public_key"].contents[1:])).digest()
    except Exception:
        return b""


@lru_cache(maxsize=4096)
def _name_key(name_der: bytes) -> str:
    """RFC 5280 §7.1 comparison key of a DER Name (cached: a verifier sees the same few issuers).

    asn1crypto's ``Name.hashable`` prepares every attribute value per RFC 4518
    (case folded, insignificant spaces removed, whatever the string type) and
    sorts the attributes of a multi-valued RDN (set semantics); the RDN sequence
    order is kept, as RFC 5280 requires.
    """
    from asn1crypto import x509

    try:
        key: str = x509.Name.load(name_der).hashable
        return key
    except Exception:
        return ""
