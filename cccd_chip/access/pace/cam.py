"""PACE-CAM, the terminal's side after the run (ICAO 9303-11 §4.4.3.5.2).

The driver decrypts A_IC to CA_IC (:func:`.mapping.cam_decrypt`) and returns it with
the chip's mapping key as :class:`~cccd_chip.evidence.PaceCamEvidence`. Once the
reader has read EF.CardSecurity under the new session, :func:`check_against_card_security`
records whether PK_map,IC = CA_IC * PK_IC with the chip's static CA key of
EF.CardSecurity (keyId = parameterId). That proves the chip holds SK_IC; it proves
the chip GENUINE only once EF.CardSecurity's signature is verified like a SOD
(Passive Authentication, in ``cccd_chip.verify``). So the live record is never a
success: consistent data are recorded as "signature not verified".
"""

from __future__ import annotations

from typing import Optional

from ...crypto.cam_check import check_cam_data
from ...crypto.domain_params import DomainPolicy
from ...errors import CccdError, ParseError
from ...evidence import PaceCamEvidence
from ...lds import security_infos as si

NOT_VERIFIED = "CAM data consistent with the CA key of EF.CardSecurity; EF.CardSecurity's signature not verified"


def card_security_infos(card_security: bytes) -> si.SecurityInfos:
    """The SecurityInfos signed inside EF.CardSecurity (CMS SignedData, BSI TR-03110-3 §A.1.2.5)."""
    from ...lds import cms

    sd = cms.parse(card_security, file="CardSecurity")
    if sd.econtent is None:
        raise ParseError("EF.CardSecurity has no encapsulated content", file="CardSecurity")
    return si.parse(sd.econtent, file="CardSecurity")


def check_against_card_security(cam: PaceCamEvidence, card_security: bytes, *,
                                policy: Optional[DomainPolicy] = None) -> PaceCamEvidence:
    """``cam`` with the live check against the (not yet verified) EF.CardSecurity recorded."""
    try:
        infos = card_security_infos(card_security)
    except CccdError as e:
        return cam.with_check(False, "CAM_DATA_INVALID", f"EF.CardSecurity unusable: {e.reason}")
    found = check_cam_data(infos.ca_public_key(cam.parameter_id), cam.ca_ic, cam.pk_map_ic, policy)
    if found.consistent is True:
        return cam.with_check(None, "CARD_SECURITY_NOT_VERIFIED", NOT_VERIFIED)
    return cam.with_check(found.consistent, found.reason, found.detail)


def card_security_unreadable(cam: PaceCamEvidence, error: CccdError) -> PaceCamEvidence:
    """``cam`` recording that EF.CardSecurity could not be read after PACE-CAM (the session itself is fine)."""
    return cam.with_check(False, "CAM_DATA_INVALID", f"EF.CardSecurity not readable after PACE-CAM ({error.reason}"
                          + (f", SW {error.sw:04X})" if error.sw else ")"))
