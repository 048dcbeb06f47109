"""The access passwords a document names (ICAO 9303-11 §4.3.2, §9.7.2; CCCD).

Pure, below both the access layer (which opens the chip with them) and
verification (which checks DG1 against the password that opened it):

- :func:`mrz_information` - document number, date of birth, date of expiry, each
  with its check digit (ICAO 9303-11 §9.7.2), the BAC key seed and PACE MRZ password;
- :func:`password_candidates` - the passwords a DG1 says open its document.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Optional

from ..errors import CccdError, UsageError
from .mrz import check_digit

if TYPE_CHECKING:
    from .dg1 import DG1

_DATE_RE = re.compile(r"^\d{6}$")
_DOCNO_RE = re.compile(r"^[0-9A-Z<]{1,39}$")


def mrz_check_digit(text: str) -> str:
    """ICAO 9303-3 §4.9 check digit; a character outside the MRZ set is a usage error."""
    try:
        return check_digit(text)
    except ValueError:
        raise UsageError("invalid MRZ character") from None


def mrz_information(document_number: str, date_of_birth: str, date_of_expiry: str) -> bytes:
    """docNo (padded to 9 with '<') + cd + DOB + cd + DOE + cd (ICAO 9303-11 §4.3.2).

    Document numbers longer than 9 characters keep all their characters (the
    overflow rule only affects the printed MRZ, not the key seed input).
    """
    doc = document_number.strip().upper().replace(" ", "")
    if not _DOCNO_RE.match(doc):
        raise UsageError("document number must be 1-39 characters of 0-9, A-Z or '<'")
    for what, d in (("date of birth", date_of_birth), ("date of expiry", date_of_expiry)):
        if not _DATE_RE.match(d):
            raise UsageError(f"{what} must be YYMMDD")
    if len(doc) < 9:
        doc = doc + "<" * (9 - len(doc))
    s = doc + mrz_check_digit(doc) + date_of_birth + mrz_check_digit(date_of_birth)
    s += date_of_expiry + mrz_check_digit(date_of_expiry)
    return s.encode("ascii")


def password_candidates(dg1: "DG1", kind: str) -> Optional[list[bytes]]:
    """The passwords DG1 says open this document (``Password.value`` form), None if it cannot say.

    MRZ: MRZ_information as printed and recomputed (ICAO 9303-11 §9.7.2); CAN: the last
    6 digits of a CCCD's 12-digit ID (a passport's printed CAN is not in DG1).
    """
    if kind == "MRZ":
        return _mrz_candidates(dg1)
    cccd_id = dg1.cccd_id
    return [cccd_id[6:].encode("ascii")] if cccd_id else None


def _mrz_candidates(dg1: "DG1") -> list[bytes]:
    """MRZ_information from DG1: as printed (its check digits) and recomputed (ICAO 9303-11 §9.7.2)."""
    out = [dg1.mrz_information.encode("latin-1")]
    try:
        recomputed = mrz_information(dg1.document_number, dg1.date_of_birth, dg1.date_of_expiry)
    except CccdError:  # e.g. a '<'-padded date of birth: only the printed form can match
        return out
    if recomputed not in out:
        out.append(recomputed)
    return out
