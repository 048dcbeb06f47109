"""Algorithm policy for Passive Authentication (robustness catalogue families 23, 24).

Every algorithm a document relies on is classified:

- ``forbidden``: MD2, MD4, MD5 (as a digest, inside RSASSA-PSS parameters or as
  mdXWithRSAEncryption) -> ``failed`` ``ALGORITHM_FORBIDDEN`` (B51 LDS_H_22/36);
- ``unknown``: a digest, signature or key algorithm this toolkit does not
  know -> ``undetermined`` ``ALGORITHM_UNSUPPORTED`` (TR-03135-1 Tables 5.28,
  5.29: "non conformance"), never ``successful`` and never a crash;
- ``deprecated``: SHA-1 (ICAO 9303-12 §4.1.6 now lists SHA-224..512 only, but
  profile DPRCTD-SHA1 of TR-03105-5.1 requires validating SHA-1 documents) ->
  ``successful`` ``DEPRECATED_ALGORITHM`` (accepted, flagged);
- ``ok`` otherwise.

Where: SignedData.digestAlgorithms, the SignerInfo's digestAlgorithm and
signatureAlgorithm (PSS hash and MGF1 hash included), the LDSSecurityObject's
hashAlgorithm, the DSC's signature and key algorithm, the CSCA's signature
and key algorithm.
"""

from __future__ import annotations

from functools import lru_cache
from dataclasses import dataclass
from typing import Final, Iterable, Optional

from ..crypto.signatures import HASH_OIDS
from ..errors import CccdError
from ..lds import cms
from ..lds.cms import AlgorithmIdentifier, SignedData, SignerInfo
from ..pki.certificate import Certificate
from .report import CheckResult, Reason, Verdict
from ..values import FrozenValue

FORBIDDEN_DIGESTS: Final[dict[str, str]] = {
    "1.2.840.113549.2.2": "md2",
    "1.2.840.113549.2.4": "md4",
    "1.2.840.113549.2.5": "md5",
}
FORBIDDEN_SIGNATURES: Final[dict[str, str]] = {
    "1.2.840.113549.1.1.2": "md2WithRSAEncryption",
    "1.2.840.113549.1.1.3": "md4WithRSAEncryption",
    "1.2.840.113549.1.1.4": "md5WithRSAEncryption",
}
DEPRECATED_HASHES: Final = frozenset({"sha1"})

_RSA, _PSS, _EC = "1.2.840.113549.1.1.1", "1.2.840.113549.1.1.10", "1.2.840.10045.2.1"
_DSA: Final = "1.2.840.10040.4.1"  # id-dsa (RFC 3279 §2.3.2)
_MGF1: Final = "1.2.840.113549.1.1.8"
# signature OID -> hash name (None: the hash comes from the SignerInfo's digestAlgorithm)
_SIGNATURES: Final[dict[str, Optional[str]]] = {
    "1.2.840.113549.1.1.5": "sha1", "1.3.14.3.2.29": "sha1", "1.2.840.113549.1.1.14": "sha224",
    "1.2.840.113549.1.1.11": "sha256", "1.2.840.113549.1.1.12": "sha384", "1.2.840.113549.1.1.13": "sha512",
    _RSA: None, _EC: None,
    "1.2.840.10045.4.1": "sha1", "1.2.840.10045.4.3.1": "sha224", "1.2.840.10045.4.3.2": "sha256",
    "1.2.840.10045.4.3.3": "sha384", "1.2.840.10045.4.3.4": "sha512",
    "0.4.0.127.0.7.1.1.4.1.1": "sha1", "0.4.0.127.0.7.1.1.4.1.2": "sha224", "0.4.0.127.0.7.1.1.4.1.3": "sha256",
    "0.4.0.127.0.7.1.1.4.1.4": "sha384", "0.4.0.127.0.7.1.1.4.1.5": "sha512",
    # DSA (RFC 3279 §2.2.2, RFC 5758 §3.1); bare id-dsa takes the SignerInfo's digestAlgorithm
    "1.2.840.10040.4.3": "sha1", "2.16.840.1.101.3.4.3.1": "sha224", "2.16.840.1.101.3.4.3.2": "sha256",
    "2.16.840.1.101.3.4.3.3": "sha384", "2.16.840.1.101.3.4.3.4": "sha512", _DSA: None,
}
_KEY_ALGORITHMS: Final = frozenset({_RSA, _PSS, _EC, _DSA})

OK: Final = "ok"
DEPRECATED: Final = "deprecated"
FORBIDDEN: Final = "forbidden"
UNKNOWN: Final = "unknown"
_ORDER: Final = {OK: 0, DEPRECATED: 1, UNKNOWN: 2, FORBIDDEN: 3}


@dataclass(frozen=True, init=False)
class AlgorithmUse(FrozenValue):
    """One algorithm found in one place (``where``: e.g. ``SignerInfo.digestAlgorithm``)."""

    where: str
    name: str  # "sha256", "md5", "rsassa-pss(sha256)", or the dotted OID when unknown
    status: str  # ok | deprecated | forbidden | unknown

    def __init__(self, where: str, name: str, status: str) -> None:
        # stores into the slots (values.py: the generated __init__ is interpreted Python)
        object.__setattr__(self, "where", where)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "status", status)


# --- classification ------------------------------------------------------------------


def classify_digest(oid: str, where: str) -> AlgorithmUse:
    if oid in FORBIDDEN_DIGESTS:
        return AlgorithmUse(where, FORBIDDEN_DIGESTS[oid], FORBIDDEN)
    name = HASH_OIDS.get(oid)
    if name is None:
        return AlgorithmUse(where, oid, UNKNOWN)
    return AlgorithmUse(where, name, DEPRECATED if name in DEPRECATED_HASHES else OK)


@lru_cache(maxsize=512)
def classify_signature(oid: str, params: Optional[bytes], digest_oid: Optional[str], where: str) -> tuple[AlgorithmUse, ...]:
    """The signature algorithm and the hashes it implies (PSS: hash and MGF1 hash)."""
    if oid in FORBIDDEN_SIGNATURES:
        return (AlgorithmUse(where, FORBIDDEN_SIGNATURES[oid], FORBIDDEN),)
    if oid == _PSS:
        try:
            p = cms.parse_pss_params(params)
        except CccdError:
            return (AlgorithmUse(where, "rsassa-pss(malformed parameters)", UNKNOWN),)
        uses = [classify_digest(p.hash_oid, f"{where} (PSS hash)")]
        if p.mgf_oid != _MGF1:
            uses.append(AlgorithmUse(f"{where} (PSS mask generation)", p.mgf_oid, UNKNOWN))
        else:
            uses.append(classify_digest(p.mgf_hash_oid, f"{where} (MGF1 hash)"))
        return tuple(uses)
    if oid not in _SIGNATURES:
        return (AlgorithmUse(where, oid, UNKNOWN),)
    hash_name = _SIGNATURES[oid]
    if hash_name is None:  # bare rsaEncryption / id-ecPublicKey / id-dsa: hash from digestAlgorithm
        if digest_oid is None:
            return (AlgorithmUse(where, oid, UNKNOWN),)
        return (classify_digest(digest_oid, where),)
    return (AlgorithmUse(where, hash_name, DEPRECATED if hash_name in DEPRECATED_HASHES else OK),)


def signer_info_forbidden(si: SignerInfo) -> Optional[str]:
    """Name of a forbidden algorithm in the SignerInfo (digest or signature), else None."""
    uses = (classify_digest(si.digest_algorithm.oid, "digestAlgorithm"),) + classify_signature(
        si.signature_algorithm.oid, si.signature_algorithm.parameters, si.digest_algorithm.oid, "signatureAlgorithm"
    )
    for u in uses:
        if u.status == FORBIDDEN:
            return u.name
    return None


def certificate_forbidden(cert: Certificate) -> Optional[str]:
    """Name of a forbidden signature algorithm of ``cert``, else None."""
    for u in _certificate_uses(cert, "certificate"):
        if u.status == FORBIDDEN:
            return u.name
    return None


_CERT_CACHE: Final[dict[tuple[bytes, str], tuple[AlgorithmUse, ...]]] = {}
_CERT_CACHE_MAX: Final = 20_000


def _certificate_uses(cert: Certificate, label: str) -> tuple[AlgorithmUse, ...]:
    key = (cert.fingerprint, label)
    hit = _CERT_CACHE.get(key)
    if hit is not None:
        return hit
    uses: list[AlgorithmUse] = []
    alg = _algorithm_identifier(cert.signature_algorithm)
    if alg is None:
        uses.append(AlgorithmUse(f"{label} signature", "malformed AlgorithmIdentifier", UNKNOWN))
    else:
        uses.extend(classify_signature(alg.oid, alg.parameters, None, f"{label} signature"))
    key_oid = _spki_algorithm(cert.spki)
    if key_oid not in _KEY_ALGORITHMS:
        uses.append(AlgorithmUse(f"{label} key", key_oid or "malformed SubjectPublicKeyInfo", UNKNOWN))
    out = tuple(uses)
    if len(_CERT_CACHE) >= _CERT_CACHE_MAX:
        _CERT_CACHE.clear()
    _CERT_CACHE[key] = out
    return out


def _algorithm_identifier(der: bytes) -> Optional[AlgorithmIdentifier]:
    from asn1crypto import algos

    try:
        a = algos.SignedDigestAlgorithm.load(der, strict=True)
        params = a["parameters"]
        raw = None if params is None or params.native is None and not params.contents else params.dump()
        return AlgorithmIdentifier(a["algorithm"].dotted, raw)
    except Exception:  # asn1crypto raises many types on malformed input
        return None


def _spki_algorithm(spki: bytes) -> Optional[str]:
    from asn1crypto import keys

    try:
        dotted: str = keys.PublicKeyInfo.load(spki, strict=True)["algorithm"]["algorithm"].dotted
        return dotted
    except Exception:  # malformed: reported as unknown
        return None


# --- the check -------------------------------------------------------------------------


def document_algorithms(
    sd: SignedData, lds_hash_oid: Optional[str], dsc: Optional[Certificate], csca: Optional[Certificate]
) -> tuple[AlgorithmUse, ...]:
    """Every algorithm use of a signed object, its DSC and CSCA."""
    uses: list[AlgorithmUse] = []
    for a in sd.digest_algorithms:
        uses.append(classify_digest(a.oid, "SignedData.digestAlgorithms"))
    for si in sd.signer_infos:
        uses.append(classify_digest(si.digest_algorithm.oid, "SignerInfo.digestAlgorithm"))
        uses.extend(classify_signature(si.signature_algorithm.oid, si.signature_algorithm.parameters,
                                       si.digest_algorithm.oid, "SignerInfo.signatureAlgorithm"))
    if lds_hash_oid is not None:
        uses.append(classify_digest(lds_hash_oid, "LDSSecurityObject.hashAlgorithm"))
    if dsc is not None:
        uses.extend(_certificate_uses(dsc, "DSC"))
    if csca is not None:
        uses.extend(_certificate_uses(csca, "CSCA"))
    return tuple(uses)


def check_algorithms(
    sd: SignedData,
    lds_hash_oid: Optional[str],
    dsc: Optional[Certificate],
    csca: Optional[Certificate],
    *,
    prefix: str = "passive",
    subject: str = "SOD",
) -> CheckResult:
    """``<prefix>.algorithms``: forbidden -> failed, unknown -> undetermined, SHA-1 -> flagged.

    Cached by the algorithm identifiers and certificates involved: a back-end
    sees the same few combinations on thousands of documents.
    """
    key = (
        tuple(a.oid for a in sd.digest_algorithms),
        tuple((si.digest_algorithm.oid, si.signature_algorithm.oid, si.signature_algorithm.parameters) for si in sd.signer_infos),
        lds_hash_oid,
        dsc.fingerprint if dsc is not None else None,
        csca.fingerprint if csca is not None else None,
        prefix,
        subject,
    )
    hit = _CHECK_CACHE.get(key)
    if hit is None:
        hit = verdict_for(document_algorithms(sd, lds_hash_oid, dsc, csca), f"{prefix}.algorithms", subject)
        if len(_CHECK_CACHE) >= _CERT_CACHE_MAX:
            _CHECK_CACHE.clear()
        _CHECK_CACHE[key] = hit
    return hit


_CHECK_CACHE: Final[dict[tuple[object, ...], CheckResult]] = {}  # key: the identifiers listed above


def verdict_for(uses: Iterable[AlgorithmUse], check: str, subject: str) -> CheckResult:
    uses = tuple(uses)
    worst = max((_ORDER[u.status] for u in uses), default=0)
    status = next(s for s, rank in _ORDER.items() if rank == worst)
    picked = [u for u in uses if u.status == status]
    listing = _listing(picked)
    if status == FORBIDDEN:
        return CheckResult(check, Verdict.FAILED, Reason.ALGORITHM_FORBIDDEN, subject, f"forbidden: {listing}")
    if status == UNKNOWN:
        return CheckResult(check, Verdict.UNDETERMINED, Reason.ALGORITHM_UNSUPPORTED, subject, f"unknown: {listing}")
    if status == DEPRECATED:
        return CheckResult(check, Verdict.SUCCESSFUL, Reason.DEPRECATED_ALGORITHM, subject, f"deprecated (accepted): {listing}")
    names = sorted({u.name for u in uses})
    return CheckResult(check, Verdict.SUCCESSFUL, Reason.OK, subject, ", ".join(names)[:200])


def _listing(uses: list[AlgorithmUse]) -> str:
    seen: dict[str, list[str]] = {}
    for u in uses:
        seen.setdefault(u.name, [])
        if u.where not in seen[u.name]:
            seen[u.name].append(u.where)
    return "; ".join(f"{name} in {', '.join(where)}" for name, where in seen.items())[:240]


__all__ = [
    "AlgorithmUse",
    "FORBIDDEN_DIGESTS",
    "FORBIDDEN_SIGNATURES",
    "DEPRECATED_HASHES",
    "classify_digest",
    "classify_signature",
    "signer_info_forbidden",
    "certificate_forbidden",
    "document_algorithms",
    "check_algorithms",
    "verdict_for",
]
