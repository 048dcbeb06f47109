"""Access passwords: MRZ information and CAN (ICAO 9303-11 §4.3.2, §4.4.1), CCCD helpers.

For a Vietnamese CCCD the 12-digit ID number gives both passwords:
- CAN = its last 6 digits (PACE);
- document number for BAC = its last 9 digits (the MRZ document number).

A :class:`Password` never shows its value in ``repr`` or ``str``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from ..errors import UsageError
from ..lds.access_keys import mrz_check_digit as mrz_check_digit  # re-exported (the pure rules live in lds)
from ..lds.access_keys import mrz_information as mrz_information

CCCD_ID_RE = re.compile(r"^\d{12}$")
CAN_RE = re.compile(r"^\d{6}$")


@dataclass(frozen=True)
class Password:
    """A PACE/BAC password. ``kind`` is "MRZ" or "CAN"."""

    kind: str
    value: bytes = field(repr=False)

    def __repr__(self) -> str:
        return f"Password({self.kind}, <secret>)"

    __str__ = __repr__

    @property
    def pace_id(self) -> int:
        """Password reference in MSE:Set AT (1 = MRZ, 2 = CAN; TR-03110-3 §D.2.1.1)."""
        return 1 if self.kind == "MRZ" else 2

    def pace_secret(self) -> bytes:
        """The shared secret pi before KDF: SHA-1(MRZ information) or the CAN bytes."""
        if self.kind == "MRZ":
            return hashlib.sha1(self.value).digest()
        return self.value

    def bac_seed(self) -> bytes:
        """K_seed for BAC: SHA-1(MRZ information)[0:16] (ICAO 9303-11 §9.7.2)."""
        if self.kind != "MRZ":
            raise UsageError("BAC needs the MRZ (document number, birth and expiry dates), not a CAN")
        return hashlib.sha1(self.value).digest()[:16]


def mrz_password(document_number: str, date_of_birth: str, date_of_expiry: str) -> Password:
    return Password("MRZ", mrz_information(document_number, date_of_birth, date_of_expiry))


def can_password(can: str) -> Password:
    can = can.strip()
    if not CAN_RE.match(can):
        raise UsageError("CAN must be 6 digits")
    return Password("CAN", can.encode("ascii"))


def check_cccd_id(id12: str) -> str:
    id12 = id12.strip()
    if not CCCD_ID_RE.match(id12):
        raise UsageError("CCCD ID number must be 12 digits")
    return id12


def cccd_can(id12: str) -> str:
    """CAN of a CCCD: the last 6 digits of the 12-digit ID (cccd-chip-facts §2.1)."""
    return check_cccd_id(id12)[6:]


def cccd_document_number(id12: str) -> str:
    """BAC document number of a CCCD: the last 9 digits of the 12-digit ID."""
    return check_cccd_id(id12)[3:]


def parse_mrz_lines(text: str) -> tuple[str, str, str]:
    """(document number, DOB, DOE) from a TD1/TD2/TD3 MRZ given as text.

    MRZ characters never include a space (ICAO 9303-3 §4.3: filler is ``<``), so
    any whitespace layout is accepted: newlines, single or several spaces, a
    literal ``\\n``, or none; the format follows from the 90 / 72 / 88 characters.
    """
    joined = re.sub(r"\s+|\\n", "", text).upper()
    width = {90: 30, 72: 36, 88: 44}.get(len(joined))
    if width is not None:
        lines = [joined[i : i + width] for i in range(0, len(joined), width)]
        if width == 30:  # TD1
            l1, l2 = lines[0], lines[1]
            doc = l1[5:14]
            if l1[14] == "<" and l1[15:30].rstrip("<"):  # long document number overflow
                rest = l1[15:30].rstrip("<")
                doc = doc + rest[:-1]
            return doc.rstrip("<") or doc, l2[0:6], l2[8:14]
        l2 = lines[1]  # TD2 / TD3
        return l2[0:9].rstrip("<") or l2[0:9], l2[13:19], l2[21:27]
    raise UsageError(f"an MRZ has 90 (TD1: 3 x 30), 72 (TD2: 2 x 36) or 88 (TD3: 2 x 44) characters "
                     f"without spaces; this one has {len(joined)}")
