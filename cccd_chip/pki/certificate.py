"""X.509 certificates of the eMRTD PKI (ICAO 9303-12 §7.1, RFC 5280).

A :class:`Certificate` is a frozen view of one DER certificate, parsed with
asn1crypto (pyca/cryptography refuses some real CSCAs: explicit EC
parameters, ``NULL`` parameters after ecdsa-with-SHAxxx, negative serials).
Signatures are checked over the tbsCertificate bytes exactly as received.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, Final, Optional, TypedDict

from asn1crypto import x509 as _x509

from ..lds.names import name_text
from ..crypto.signatures import PublicKey, load_public_key, signature_algorithm, verify_signature
from ..errors import CccdError, ParseError, UnsupportedError, VerificationError
from ..values import exact_bytes, FrozenValue

MAX_CERT_SIZE: Final = 64 * 1024
_KNOWN_CRITICAL: Final = frozenset(
    {
        "2.5.29.15",  # keyUsage
        "2.5.29.19",  # basicConstraints
        "2.5.29.37",  # extKeyUsage
        "2.5.29.32",  # certificatePolicies
        "2.5.29.17",  # subjectAltName
        "2.5.29.18",  # issuerAltName
        "2.5.29.16",  # privateKeyUsagePeriod
        "2.5.29.31",  # CRL distribution points
        "2.23.136.1.1.6.2",  # ICAO document type list
    }
)


@dataclass(frozen=True)
class Certificate(FrozenValue):
    """One certificate; ``raw`` is the exact DER, ``tbs`` the signed bytes."""

    raw: bytes
    tbs: bytes
    signature_algorithm: bytes  # outer AlgorithmIdentifier, DER
    tbs_signature_algorithm: bytes  # the copy inside tbsCertificate, DER
    signature: bytes
    serial: int
    issuer: bytes  # Name, DER
    subject: bytes
    issuer_key: str  # RFC 5280 §7.1 normalised name, for comparisons
    subject_key: str
    issuer_text: str
    subject_text: str
    country: Optional[str]
    issuer_country: Optional[str]
    not_before: datetime
    not_after: datetime
    ski: Optional[bytes]
    aki: Optional[bytes]
    key_usage: Optional[frozenset[str]]
    ext_key_usage: tuple[str, ...]
    is_ca: bool
    spki: bytes
    unknown_critical: tuple[str, ...] = ()
    private_key_usage_period: Optional[tuple[Optional[datetime], Optional[datetime]]] = None
    fingerprint: bytes = field(default=b"", repr=False)  # SHA-256 of raw
    # short, non-secret identification for reports ("subject #SERIAL"): derived from subject_text and
    # serial by __post_init__ (replace() derives it again), once per certificate and not per check
    label: str = field(default="", init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        serial = self.serial
        label = f"{self.subject_text} #{serial:X}" if serial >= 0 else f"{self.subject_text} #-{-serial:X}"
        object.__setattr__(self, "label", label)

    @property
    def self_issued(self) -> bool:
        return self.issuer_key == self.subject_key

    @property
    def public_key(self) -> PublicKey:
        return load_public_key(self.spki)

    def valid_at(self, when: datetime) -> bool:
        return self.not_before <= when <= self.not_after


def load_certificate(data: bytes, *, file: Optional[str] = None) -> Certificate:
    """Parse one DER certificate (cached by content)."""
    if len(data) > MAX_CERT_SIZE:
        raise ParseError("certificate too large", file=file)
    try:
        return _load_cached(exact_bytes(data))
    except ParseError as e:
        raise ParseError(e.message, file=file, offset=e.offset) from None


@lru_cache(maxsize=8192)
def _load_cached(data: bytes) -> Certificate:
    try:
        cert = _x509.Certificate.load(data, strict=True)
        tbs = cert["tbs_certificate"]
        exts = _extensions(tbs)
        return Certificate(
            raw=data,
            tbs=tbs.dump(),
            signature_algorithm=cert["signature_algorithm"].dump(),
            tbs_signature_algorithm=tbs["signature"].dump(),
            signature=bytes(cert["signature_value"]),
            serial=int(tbs["serial_number"].native),
            issuer=tbs["issuer"].dump(),
            subject=tbs["subject"].dump(),
            issuer_key=_name_key(tbs["issuer"]),
            subject_key=_name_key(tbs["subject"]),
            issuer_text=_name_text(tbs["issuer"]),
            subject_text=_name_text(tbs["subject"]),
            country=_country(tbs["subject"]),
            issuer_country=_country(tbs["issuer"]),
            not_before=tbs["validity"]["not_before"].native,
            not_after=tbs["validity"]["not_after"].native,
            ski=exts.get("ski"),
            aki=exts.get("aki"),
            key_usage=exts.get("key_usage"),
            ext_key_usage=exts.get("eku", ()),
            is_ca=bool(exts.get("ca", False)),
            spki=tbs["subject_public_key_info"].dump(),
            unknown_critical=tuple(exts.get("unknown_critical", ())),
            private_key_usage_period=exts.get("pkup"),
            fingerprint=hashlib.sha256(data).digest(),
        )
    except CccdError:
        raise
    except Exception as e:  # asn1crypto raises many types on malformed input
        raise ParseError(f"malformed certificate ({type(e).__name__})") from None


class _Extensions(TypedDict, total=False):
    """The extensions :func:`_load_cached` reads (RFC 5280 §4.2.1)."""

    ski: bytes
    aki: Optional[bytes]
    key_usage: frozenset[str]
    ca: bool
    eku: tuple[str, ...]
    pkup: tuple[Optional[datetime], Optional[datetime]]
    unknown_critical: list[str]


# asn1crypto ships no type stubs: its values (``tbs``, ``name`` below) are ``Any`` to mypy.


def _extensions(tbs: Any) -> _Extensions:
    out: _Extensions = {}
    unknown: list[str] = []
    for ext in tbs["extensions"]:
        oid = ext["extn_id"].dotted
        value = ext["extn_value"].parsed
        if oid == "2.5.29.14":
            out["ski"] = bytes(value.native)
        elif oid == "2.5.29.35":
            kid = value["key_identifier"].native
            out["aki"] = bytes(kid) if kid is not None else None
        elif oid == "2.5.29.15":
            out["key_usage"] = frozenset(value.native)
        elif oid == "2.5.29.19":
            out["ca"] = bool(value["ca"].native)
        elif oid == "2.5.29.37":
            out["eku"] = tuple(p.dotted for p in value)
        elif oid == "2.5.29.16":
            out["pkup"] = (value["not_before"].native, value["not_after"].native)
        elif ext["critical"].native and oid not in _KNOWN_CRITICAL:
            unknown.append(oid)
    out["unknown_critical"] = unknown
    return out


def _name_key(name: Any) -> str:
    key: str = name.hashable
    return key


def _name_text(name: Any) -> str:
    return name_text(name)


def _country(name: Any) -> Optional[str]:
    for rdn in name.chosen:
        for atv in rdn:
            if atv["type"].dotted == "2.5.4.6":
                v = atv["value"].native
                return str(v).upper() if v else None
    return None


# --- issuance ---------------------------------------------------------------------


def check_issued_by(child: Certificate, issuer: Certificate) -> None:
    """Verify that ``issuer`` signed ``child`` (RFC 5280 §6.1.3 a.1, a.4).

    Raises VerificationError if the names or key identifiers disagree or the
    signature is wrong, UnsupportedError for an algorithm we do not know.
    """
    if child.issuer_key != issuer.subject_key:
        raise VerificationError("issuer name does not match the issuer's subject", reason="NAME_MISMATCH")
    if child.aki is not None and issuer.ski is not None and child.aki != issuer.ski:
        raise VerificationError("authority key identifier does not match", reason="AKI_MISMATCH")
    verify_certificate_signature(child, issuer.public_key)


def ca_profile_problem(cert: Certificate) -> Optional[str]:
    """Why ``cert`` cannot be a trust anchor (CSCA, link or master-list root), or None.

    ICAO 9303-12 §7.1.1 Table 6 (CSCA and link certificates): basicConstraints
    with cA TRUE and keyUsage with keyCertSign (RFC 5280 §4.2.1.3, §4.2.1.9: a
    key that signs certificates must assert both). A certificate without them is
    a DSC, a master-list signer or something else, whatever its source says.
    """
    if not cert.is_ca:
        return "not a CA certificate (basicConstraints cA missing)"
    if cert.key_usage is None:
        return "not a CA certificate (keyUsage missing)"
    if "key_cert_sign" not in cert.key_usage:
        return "not a CA certificate (keyUsage lacks keyCertSign)"
    return None


def verify_certificate_signature(cert: Certificate, key: PublicKey) -> None:
    """Check ``cert``'s signature with ``key`` over the received tbs bytes."""
    if cert.signature_algorithm != cert.tbs_signature_algorithm:  # RFC 5280 §4.1.1.2: MUST be identical
        raise VerificationError("signatureAlgorithm differs from tbsCertificate.signature")
    alg = signature_algorithm(cert.signature_algorithm)
    verify_signature(key, alg, cert.tbs, cert.signature)


__all__ = [
    "Certificate",
    "load_certificate",
    "check_issued_by",
    "ca_profile_problem",
    "verify_certificate_signature",
    "UnsupportedError",
]
