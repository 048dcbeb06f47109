"""CSCA master lists (ICAO 9303-12 §9; CscaMasterList, content type 2.23.136.1.1.2).

``CscaMasterList ::= SEQUENCE { version INTEGER (v0), certList SET OF Certificate }``
inside a CMS SignedData. :func:`load_master_list` accepts a list only when:
its single SignerInfo verifies (signed attributes, SignerInfo algorithm), the
signer certificate carries the master-list-signing EKU 2.23.136.1.1.3 and was
issued by one of the given root CSCAs, and the signer was valid at the list's
signingTime (or at ``at`` when the list has none). A malformed entry in the
list is reported in ``rejected`` and does not poison the others.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Optional, Sequence

from ..errors import CccdError, ParseError, TrustStoreError, VerificationError
from ..iso7816.tlv import read_header
from ..lds import cms
from ..lds.oids import ID_ICAO_CSCA_MASTER_LIST, ID_ICAO_CSCA_MASTER_LIST_SIGNING_KEY
from .certificate import Certificate, check_issued_by, load_certificate
from .signed_data import check_signed_attributes, find_signer, single_signer, verify_signer_signature

MAX_ML_ENTRIES = 20_000


@dataclass(frozen=True)
class MasterList:
    """A verified master list: its signer, date and the CSCA certificates it holds."""

    raw: bytes
    signer: Certificate
    signing_time: Optional[datetime]
    version: int
    cscas: tuple[Certificate, ...]
    rejected: tuple[tuple[int, str], ...]  # (index in certList, why)
    sha256: bytes


def load_master_list(
    data: bytes,
    roots: Sequence[Certificate],
    *,
    at: Optional[datetime] = None,
    file: Optional[str] = "masterlist",
) -> MasterList:
    """Verify and unpack a CSCA master list; TrustStoreError if it cannot be trusted."""
    try:
        sd = cms.parse(data, file=file)
    except ParseError as e:
        raise TrustStoreError(f"master list is malformed: {e.message}", file=file, offset=e.offset) from None
    if sd.econtent_type != ID_ICAO_CSCA_MASTER_LIST:
        raise TrustStoreError("not a CSCA master list (eContentType)", file=file)
    try:
        si = single_signer(sd)
        check_signed_attributes(sd, si)
        signer = find_signer(si, sd.certificates)
        if signer is None:
            raise TrustStoreError("master list signer certificate not found", file=file)
        if ID_ICAO_CSCA_MASTER_LIST_SIGNING_KEY not in signer.ext_key_usage:
            raise TrustStoreError("master list signer lacks the master-list-signing EKU", file=file)
        _check_signer_chain(signer, roots, si.signing_time or at or datetime.now(timezone.utc), file)
        verify_signer_signature(si, signer.public_key)
    except VerificationError as e:
        raise TrustStoreError(f"master list signature rejected: {e.message}", file=file) from None
    except TrustStoreError:
        raise
    except CccdError as e:
        raise TrustStoreError(f"master list rejected: {e.message}", file=file) from None
    assert sd.econtent is not None
    version, entries = _cert_list(sd.econtent, file)
    cscas: list[Certificate] = []
    rejected: list[tuple[int, str]] = []
    for i, der in enumerate(entries):
        try:
            cert = load_certificate(der)
            cert.public_key  # noqa: B018 - the key must be usable
            cscas.append(cert)
        except CccdError as e:
            rejected.append((i, e.message))
    return MasterList(
        raw=bytes(data),
        signer=signer,
        signing_time=si.signing_time,
        version=version,
        cscas=tuple(cscas),
        rejected=tuple(rejected),
        sha256=hashlib.sha256(data).digest(),
    )


def _check_signer_chain(signer: Certificate, roots: Sequence[Certificate], when: datetime, file: Optional[str]) -> None:
    if not roots:
        raise TrustStoreError("no root CSCA given to verify the master list signer", file=file)
    last: Optional[Exception] = None
    for root in roots:
        if root.subject_key != signer.issuer_key:
            continue
        try:
            check_issued_by(signer, root)
        except CccdError as e:
            last = e
            continue
        if not signer.valid_at(when):
            raise TrustStoreError("master list signer certificate not valid at signing time", file=file)
        return
    why = f": {last}" if last else ""
    raise TrustStoreError(f"master list signer is not issued by a given root{why}", file=file)


def _cert_list(econtent: bytes, file: Optional[str]) -> tuple[int, list[bytes]]:
    """Split CscaMasterList into its version and raw certificate elements."""
    try:
        outer = read_header(econtent, 0, file=file)
        if outer.tag != 0x30 or outer.total_len != len(econtent):
            raise ParseError("CscaMasterList is not one SEQUENCE", file=file)
        pos = outer.header_len
        h = read_header(econtent, pos, file=file)
        if h.tag != 0x02 or h.length > 4:
            raise ParseError("CscaMasterList version missing", file=file, offset=pos)
        version = int.from_bytes(econtent[pos + h.header_len : pos + h.total_len], "big")
        pos += h.total_len
        s = read_header(econtent, pos, file=file)
        if s.tag != 0x31 or pos + s.total_len != len(econtent):
            raise ParseError("CscaMasterList certList is not a SET", file=file, offset=pos)
        pos += s.header_len
        entries: list[bytes] = []
        while pos < len(econtent):
            e = read_header(econtent, pos, file=file)
            entries.append(econtent[pos : pos + e.total_len])
            pos += e.total_len
            if len(entries) > MAX_ML_ENTRIES:
                raise ParseError("too many certificates in the master list", file=file, offset=pos)
        return version, entries
    except ParseError as e:
        raise TrustStoreError(f"master list content malformed: {e.message}", file=file, offset=e.offset) from None
