"""Chip Authentication v1, judged (ICAO 9303-11 §6.2; BSI TR-03110-1 §4.2; catalogue families 14, 34).

Pure: the reader's record of CA (:class:`~cccd_chip.evidence.ChipAuthEvidence`,
written by the access layer's driver, ``cccd_chip.access.chip_auth``) and DG14's
Passive Authentication outcome -> one ``chip_auth`` CheckResult. CA proves the
chip holds the private key of DG14's Chip Authentication public key; that counts
only when DG14 itself passed Passive Authentication.
"""

from __future__ import annotations

from typing import Optional

from ..evidence import ChipAuthEvidence
from .report import CheckResult, Reason, Verdict

CHECK = "chip_auth"


def check_chip_authentication(evidence: Optional[ChipAuthEvidence], dg14: Optional[bytes],
                              dg14_authenticated: bool) -> CheckResult:
    """Chip Authentication as recorded by the reader, gated on PA of DG14."""
    if evidence is None or not evidence.attempted:
        if dg14 is None:
            return CheckResult(CHECK, Verdict.NOT_SUPPORTED, Reason.CA_NOT_AVAILABLE, "DG14", "no DG14: the chip offers no CA")
        return CheckResult(CHECK, Verdict.NOT_SUPPORTED, Reason.NOT_PERFORMED, "DG14", "CA not recorded in this read")
    verified = evidence.proved
    if verified is not True:
        why = str(evidence.reason or "no response verified under the new keys")[:120]
        known = Reason._value2member_map_.get(why)
        reason = known if isinstance(known, Reason) else (Reason.CA_KEY_MISMATCH if verified is False else Reason.CA_PROTOCOL_ERROR)
        return CheckResult(CHECK, Verdict.FAILED, reason, "DG14", why)
    if not dg14_authenticated:
        return CheckResult(CHECK, Verdict.UNDETERMINED, Reason.KEY_NOT_AUTHENTICATED, "DG14", "CA succeeded, but DG14 did not pass PA")
    key_id = evidence.key_id
    return CheckResult(CHECK, Verdict.SUCCESSFUL, Reason.OK, "DG14",
                       f"response verified under the new keys{'' if key_id is None else f' (keyId {key_id})'}")
