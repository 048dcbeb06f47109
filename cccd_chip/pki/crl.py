"""Certificate revocation lists of CSCAs (ICAO 9303-12 §7.1.4, RFC 5280 §5).

A :class:`CRL` is a frozen view of one DER CRL. Its signature is checked by
the issuing CSCA (:func:`verify_crl`) before the trust store uses it. Delta
CRLs are not part of the eMRTD PKI and are refused.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import lru_cache
from dataclasses import dataclass
from typing import Final, Optional

from asn1crypto import crl as _crl

from ..crypto.signatures import PublicKey, signature_algorithm, verify_signature
from ..errors import CccdError, ParseError, UnsupportedError, VerificationError
from .certificate import _country, _name_key, _name_text
from ..values import exact_bytes, FrozenValue

MAX_CRL_SIZE: Final = 16 * 1024 * 1024


@dataclass(frozen=True)
class CRL(FrozenValue):
    raw: bytes
    tbs: bytes
    signature_algorithm: bytes
    signature: bytes
    issuer: bytes
    issuer_key: str
    issuer_text: str
    issuer_country: Optional[str]
    this_update: datetime
    next_update: Optional[datetime]
    aki: Optional[bytes]
    revoked: frozenset[int]
    number: Optional[int] = None
    fingerprint: bytes = b""

    def is_revoked(self, serial: int) -> bool:
        return serial in self.revoked

    def stale_at(self, when: datetime) -> bool:
        return self.next_update is not None and when > self.next_update


def load_crl(data: bytes, *, file: Optional[str] = None) -> CRL:
    """Parse one DER CRL; ParseError if malformed, UnsupportedError for a delta CRL."""
    if len(data) > MAX_CRL_SIZE:
        raise ParseError("CRL too large", file=file)
    try:
        return _load_cached(exact_bytes(data))
    except ParseError as e:
        raise ParseError(e.message, file=file) from None


@lru_cache(maxsize=1024)
def _load_cached(data: bytes) -> CRL:
    try:
        c = _crl.CertificateList.load(data, strict=True)
        tbs = c["tbs_cert_list"]
        aki = None
        number = None
        for ext in tbs["crl_extensions"]:
            oid = ext["extn_id"].dotted
            if oid == "2.5.29.35":
                kid = ext["extn_value"].parsed["key_identifier"].native
                aki = bytes(kid) if kid is not None else None
            elif oid == "2.5.29.20":
                number = int(ext["extn_value"].parsed.native)
            elif oid == "2.5.29.27":
                raise UnsupportedError("delta CRLs are not part of the eMRTD PKI", reason="CRL_INVALID")
        revoked = frozenset(int(r["user_certificate"].native) for r in tbs["revoked_certificates"])
        nu = tbs["next_update"]
        return CRL(
            raw=data,
            tbs=tbs.dump(),
            signature_algorithm=c["signature_algorithm"].dump(),
            signature=bytes(c["signature"]),
            issuer=tbs["issuer"].dump(),
            issuer_key=_name_key(tbs["issuer"]),
            issuer_text=_name_text(tbs["issuer"]),
            issuer_country=_country(tbs["issuer"]),
            this_update=tbs["this_update"].native,
            next_update=nu.native if nu.native is not None else None,
            aki=aki,
            revoked=revoked,
            number=number,
            fingerprint=hashlib.sha256(data).digest(),
        )
    except CccdError:
        raise
    except Exception as e:
        raise ParseError(f"malformed CRL ({type(e).__name__})") from None


def verify_crl(crl: CRL, issuer_subject_key: str, issuer_ski: Optional[bytes], key: PublicKey) -> None:
    """Check that the CSCA (name, SKI, key) issued ``crl`` (RFC 5280 §6.3.3 f, g)."""
    if crl.issuer_key != issuer_subject_key:
        raise VerificationError("CRL issuer does not match the CSCA", reason="CRL_INVALID")
    if crl.aki is not None and issuer_ski is not None and crl.aki != issuer_ski:
        raise VerificationError("CRL authority key identifier does not match", reason="CRL_INVALID")
    verify_signature(key, signature_algorithm(crl.signature_algorithm), crl.tbs, crl.signature)
