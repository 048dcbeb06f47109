"""PACE-CAM evidence and its check against EF.CardSecurity (ICAO 9303-11 §4.4.3.5.2).

The terminal decrypts A_IC to CA_IC and checks PK_map,IC = CA_IC * PK_IC with
the chip's static CA key PK_IC (ChipAuthenticationPublicKeyInfo in
EF.CardSecurity whose keyId equals the PACEInfo's parameterId). The check
proves the chip holds SK_IC; it only proves the chip GENUINE once
EF.CardSecurity's signature has been verified like a SOD (Passive
Authentication). Until then the verdict is ``undetermined``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping, Optional

from ...errors import CccdError
from ...lds import security_infos as si
from ...verify.report import CheckResult, Reason, Verdict
from . import mapping

CHECK = "pace.cam"


@dataclass(frozen=True)
class CamEvidence:
    """What PACE-CAM leaves to check: the decrypted CA_IC and the chip's mapping key."""

    oid: str
    parameter_id: Optional[int]
    ca_ic: bytes
    pk_map_ic: bytes
    check: Optional[CheckResult] = None

    def with_check(self, check: CheckResult) -> "CamEvidence":
        return replace(self, check=check)

    def to_json(self) -> dict:
        d: dict[str, object] = {
            "oid": self.oid,
            "parameter_id": self.parameter_id,
            "key_id": self.parameter_id,  # the CA key of PACE-CAM has keyId = parameterId (§9.2.1)
            "ca_ic": self.ca_ic.hex().upper(),
            "pk_map_ic": self.pk_map_ic.hex().upper(),
        }
        if self.check is not None:
            d["check"] = self.check.to_json()
        return d

    @classmethod
    def from_json(cls, d: Mapping) -> "CamEvidence":
        return cls(str(d["oid"]), d.get("parameter_id"), bytes.fromhex(d["ca_ic"]), bytes.fromhex(d["pk_map_ic"]))


def _result(verdict: Verdict, reason: Reason, detail: str) -> CheckResult:
    return CheckResult(CHECK, verdict, reason, "CardSecurity", detail)


def check_cam(evidence: CamEvidence, infos: si.SecurityInfos, *, signature_verified: bool) -> CheckResult:
    """Check CA_IC against the CA public key of EF.CardSecurity (keyId = parameterId)."""
    key = infos.ca_public_key(evidence.parameter_id)
    if key is None or key.key_agreement != "ECDH":
        return _result(Verdict.FAILED, Reason.CAM_DATA_INVALID,
                       "EF.CardSecurity has no ECDH Chip Authentication key with keyId = parameterId")
    try:
        domain, pk_ic = key.domain_and_key()
        pk_map = domain.decode(evidence.pk_map_ic)
        ca_ic = int.from_bytes(evidence.ca_ic, "big")
        ok = 0 < ca_ic < domain.order and mapping.cam_check(domain, ca_ic, pk_ic, pk_map)
    except CccdError as e:
        return _result(Verdict.FAILED, Reason.CAM_DATA_INVALID, f"CA key or CAM data unusable: {e.reason}")
    if not ok:
        return _result(Verdict.FAILED, Reason.CAM_DATA_INVALID,
                       "PK_map,IC != CA_IC * PK_IC: the chip does not hold the key of EF.CardSecurity")
    if not signature_verified:
        return _result(Verdict.UNDETERMINED, Reason.CARD_SECURITY_NOT_VERIFIED,
                       "chip holds the CA key of EF.CardSecurity; EF.CardSecurity's signature not yet verified")
    return _result(Verdict.SUCCESSFUL, Reason.OK, "chip holds the CA key of the verified EF.CardSecurity")


def card_security_infos(card_security: bytes) -> si.SecurityInfos:
    """The SecurityInfos signed inside EF.CardSecurity (CMS SignedData, BSI TR-03110-3 §A.1.2.5)."""
    from ...lds import cms

    sd = cms.parse(card_security, file="CardSecurity")
    if sd.econtent is None:
        from ...errors import ParseError

        raise ParseError("EF.CardSecurity has no encapsulated content", file="CardSecurity")
    return si.parse(sd.econtent, file="CardSecurity")


def check_cam_against_card_security(evidence: CamEvidence, card_security: bytes, *,
                                    signature_verified: bool) -> CheckResult:
    try:
        infos = card_security_infos(card_security)
    except CccdError as e:
        return _result(Verdict.FAILED, Reason.CAM_DATA_INVALID, f"EF.CardSecurity unusable: {e.reason}")
    return check_cam(evidence, infos, signature_verified=signature_verified)
