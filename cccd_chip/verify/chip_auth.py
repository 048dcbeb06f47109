"""Chip Authentication v1, judged (ICAO 9303-11 §6.2; BSI TR-03110-1 §4.2; catalogue families 14, 34).

Pure: the reader's record of CA (:class:`~cccd_chip.evidence.ChipAuthEvidence`,
written by the access layer's driver, ``cccd_chip.access.chip_auth``) and DG14's
Passive Authentication outcome -> one ``chip_auth`` CheckResult. CA proves the
chip holds the private key of DG14's Chip Authentication public key; that counts
only when DG14 itself passed Passive Authentication.
"""

from __future__ import annotations

from typing import Final, Optional

from ..crypto import domain_params
from ..errors import CccdError, InvalidPublicKeyError, ParseError
from ..evidence import CA_KEY_UNUSABLE, ChipAuthEvidence
from ..lds import dg14 as dg14_file
from .report import CheckResult, Reason, Verdict

CHECK: Final = "chip_auth"


def check_chip_authentication(evidence: Optional[ChipAuthEvidence], dg14: Optional[bytes],
                              dg14_authenticated: bool) -> CheckResult:
    """Chip Authentication as recorded by the reader, gated on PA of DG14."""
    if evidence is None or not evidence.attempted:
        if dg14 is None:
            return CheckResult(CHECK, Verdict.NOT_SUPPORTED, Reason.CA_NOT_AVAILABLE, "DG14", "no DG14: the chip offers no CA")
        return CheckResult(CHECK, Verdict.NOT_SUPPORTED, Reason.NOT_PERFORMED, "DG14", "CA not recorded in this read")
    verified = evidence.proved
    if verified is None and evidence.reason in CA_KEY_UNUSABLE:
        return _could_not_run(evidence.reason, dg14)
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


def _could_not_run(reason: str, dg14: Optional[bytes]) -> CheckResult:
    """The reader recorded that DG14's key is unusable: undetermined if DG14 agrees, else failed.

    The record is unsigned; DG14 is signed. Re-checked offline: DG14 malformed, or the key
    a terminal would choose (ICAO 9303-11 §9.2.5) not a valid key on any domain a reader
    may accept -> CA could not be run (verdict rule: undetermined). A usable key with a
    record that says otherwise is an edited record hiding a CA outcome -> failed.
    """
    if dg14 is None:
        return CheckResult(CHECK, Verdict.FAILED, Reason.CA_PROTOCOL_ERROR, "DG14",
                           "CA recorded as impossible with DG14's key, but the dump has no DG14")
    try:
        _ca, key, _cipher, _oid = dg14_file.ca_key_choice(dg14_file.parse(dg14).security_infos)
        if key is None:
            raise ParseError("DG14 names no Chip Authentication key", file="DG14")
        key.domain_and_key(domain_params.EXPLICIT_ALLOWED)
    except (ParseError, InvalidPublicKeyError) as e:
        why = Reason.DG_MALFORMED if isinstance(e, ParseError) else Reason.KEY_PARAMS_INVALID
        return CheckResult(CHECK, Verdict.UNDETERMINED, why, "DG14",
                           f"DG14's Chip Authentication key is unusable: CA could not be run ({reason})")
    except CccdError:
        return CheckResult(CHECK, Verdict.UNDETERMINED, Reason.ALGORITHM_UNSUPPORTED, "DG14",
                           "DG14's Chip Authentication key is on a domain no reader accepts: CA could not be run")
    return CheckResult(CHECK, Verdict.FAILED, Reason.CA_PROTOCOL_ERROR, "DG14",
                       "the record says DG14's key is unusable, but DG14's key is valid")
