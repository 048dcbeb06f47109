"""PACE-CAM chip authentication, judged (ICAO 9303-11 §4.4.3.5.2; catalogue family 12).

Pure: the recorded CA_IC and PK_map,IC (:class:`~cccd_chip.evidence.PaceCamEvidence`)
against the CA key of EF.CardSecurity (keyId = parameterId): PK_map,IC = CA_IC * PK_IC
(:func:`cccd_chip.crypto.cam_check.check_cam_data`). Successful only when
EF.CardSecurity passed Passive Authentication in *this* verification, and its CA
key is this document's: when DG14 lists Chip Authentication keys (ICAO 9303-11
§9.2.6) the key of EF.CardSecurity must be one of them. EF.CardSecurity is signed
but not bound to the SOD: without this, another card's EF.CardSecurity and CAM
data grafted onto a dump would verify.
"""

from __future__ import annotations

from typing import Final, Optional

from ..content_cache import ContentCache
from ..crypto.cam_check import check_cam_data
from ..errors import CccdError
from ..evidence import CamRecord, UnreadableEvidence
from ..lds import dg14 as dg14_mod
from ..lds.security_infos import ChipAuthenticationPublicKeyInfo, SecurityInfos
from .passive import SignerOutcome
from .report import CheckResult, Reason, Verdict
from ..values import exact_bytes

CHECK: Final = "pace.cam"
SUBJECT: Final = "CardSecurity"

# What a recorded CA_IC / PK_map,IC can prove after the fact: consistency only. Anyone can pick
# CA_IC and compute PK_map,IC = CA_IC * PK_IC from the public key in EF.CardSecurity; only the
# live PACE session (whose keys came from SK_map) shows that the chip held SK_IC.
OFFLINE_STATEMENT: Final = ("recorded CAM data consistent with the CA key of the verified EF.CardSecurity; from a dump "
                     "this is the reader's statement (only the live PACE-CAM run proves the chip held the key)")


def _r(verdict: Verdict, reason: Reason, detail: str) -> CheckResult:
    return CheckResult(CHECK, verdict, reason, SUBJECT, detail)


def check_pace_cam(evidence: Optional[CamRecord], infos: Optional[SecurityInfos], outcome: SignerOutcome, *,
                   dg14: Optional[bytes] = None) -> CheckResult:
    """The ``pace.cam`` check of a Document: ``infos`` are EF.CardSecurity's SecurityInfos,
    ``outcome`` its Passive Authentication in this verification."""
    if evidence is None or evidence.is_empty:
        return _r(Verdict.UNDETERMINED, Reason.NOT_PERFORMED, "PACE-CAM used but no chip authentication data recorded")
    if infos is None:
        return _r(Verdict.FAILED, Reason.CARD_SECURITY_NOT_VERIFIED, "EF.CardSecurity missing or malformed")
    if isinstance(evidence, UnreadableEvidence):
        return _r(Verdict.FAILED, Reason.CAM_DATA_INVALID, "PACE-CAM evidence malformed")
    key = infos.ca_public_key(evidence.ca_key_id)
    found = check_cam_data(key, evidence.ca_ic, evidence.pk_map_ic)
    if found.consistent is False:
        return _r(Verdict.FAILED, Reason(found.reason), found.detail)
    if found.consistent is None:
        result = _r(Verdict.UNDETERMINED, Reason(found.reason), found.detail)
    elif not outcome.trusted:
        result = _r(Verdict.UNDETERMINED, Reason.CARD_SECURITY_NOT_VERIFIED,
                    "CAM data consistent with the CA key of EF.CardSecurity; EF.CardSecurity's signature not verified")
    else:
        result = _r(Verdict.SUCCESSFUL, Reason.OK, OFFLINE_STATEMENT)
    if dg14 is not None and _dg14_lists_key(dg14, key) is False:
        return _r(Verdict.FAILED, Reason.CAM_DATA_INVALID,
                  "the CA key of EF.CardSecurity is not among DG14's Chip Authentication keys: "
                  "EF.CardSecurity of another chip")
    return result


_LISTED: Final["ContentCache[bool]"] = ContentCache("DG14 lists the CardSecurity CA key", 1024)


def _dg14_lists_key(dg14: bytes, key: Optional[ChipAuthenticationPublicKeyInfo]) -> Optional[bool]:
    """True when DG14 lists ``key`` (same point on the same domain), False when DG14 lists
    CA keys and none is ``key``, None when DG14 cannot tell (malformed, no CA keys).

    A True or False answer is cached by the exact DG14 bytes and the key's exact
    SubjectPublicKeyInfo and keyId (:mod:`cccd_chip.content_cache`); None, which comes
    from an error, is worked out again every time.
    """
    if key is None:
        return None
    cache_key = (exact_bytes(dg14), key.public_key, key.key_id)
    try:
        return _LISTED.get_or_compute(cache_key, lambda: _lists_or_raise(dg14, key))
    except _CannotTellError:
        return None


class _CannotTellError(Exception):
    """DG14 cannot tell whether it lists the key (never cached)."""


def _lists_or_raise(dg14: bytes, key: ChipAuthenticationPublicKeyInfo) -> bool:
    found = _dg14_lists_key_uncached(dg14, key)
    if found is None:
        raise _CannotTellError
    return found


def _dg14_lists_key_uncached(dg14: bytes, key: ChipAuthenticationPublicKeyInfo) -> Optional[bool]:
    try:
        keys = dg14_mod.parse(dg14).security_infos.chip_authentication_public_keys
        if not keys:
            return None
        domain, point = key.domain_and_key()
        want = (domain.order, domain.encode(point))
        for k in keys:
            try:
                d, p = k.domain_and_key()
            except CccdError:
                continue
            if (d.order, d.encode(p)) == want:
                return True
    except CccdError:
        return None
    return False
