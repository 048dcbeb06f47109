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

from ...errors import CccdError, UnsupportedError
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


def check_cam(evidence: CamEvidence, infos: si.SecurityInfos, *, signature_verified: bool,
              offline: bool = False, policy=None) -> CheckResult:
    """Check CA_IC against the CA public key of EF.CardSecurity (keyId = parameterId).

    ``offline``: the data come from a record (a dump), not from the PACE run just done;
    the detail then says it is the reader's statement (see :data:`OFFLINE_STATEMENT`).
    ``policy``: the DomainPolicy for the key's domain (default: standardized domains only);
    a domain the policy refuses leaves the check undetermined, a weak one fails it.
    """
    key = infos.ca_public_key(evidence.parameter_id)
    if key is None or key.key_agreement != "ECDH":
        return _result(Verdict.FAILED, Reason.CAM_DATA_INVALID,
                       "EF.CardSecurity has no ECDH Chip Authentication key with keyId = parameterId")
    try:
        domain, pk_ic = key.domain_and_key() if policy is None else key.domain_and_key(policy)
        pk_map = domain.decode(evidence.pk_map_ic)
        ca_ic = int.from_bytes(evidence.ca_ic, "big")
        n = domain.order
        # Degenerate values are made from public data alone: CA_IC = 1 with PK_map = PK_IC
        # (copied from EF.CardSecurity), n-1 with its negative, 0. A chip computes
        # CA_IC = SK_map * SK_IC^-1 mod n, never one of these (issue 10, defect 6).
        degenerate = ca_ic in (0, 1, n - 1) or ca_ic >= n or pk_map == pk_ic or pk_map == domain.inverse(pk_ic)
        ok = not degenerate and mapping.cam_check(domain, ca_ic, pk_ic, pk_map)
    except UnsupportedError as e:
        return _result(Verdict.UNDETERMINED, Reason.ALGORITHM_UNSUPPORTED, f"CA key not usable here: {e.reason}")
    except CccdError as e:
        return _result(Verdict.FAILED, Reason.CAM_DATA_INVALID, f"CA key or CAM data unusable: {e.reason}")
    if degenerate:
        return _result(Verdict.FAILED, Reason.CAM_DATA_INVALID,
                       "degenerate PACE-CAM data (CA_IC 0, 1 or n-1, or PK_map,IC = +/-PK_IC): made from public data")
    if not ok:
        return _result(Verdict.FAILED, Reason.CAM_DATA_INVALID,
                       "PK_map,IC != CA_IC * PK_IC: the chip does not hold the key of EF.CardSecurity")
    if not signature_verified:
        return _result(Verdict.UNDETERMINED, Reason.CARD_SECURITY_NOT_VERIFIED,
                       "CAM data consistent with the CA key of EF.CardSecurity; EF.CardSecurity's signature not verified")
    if offline:
        return _result(Verdict.SUCCESSFUL, Reason.OK, OFFLINE_STATEMENT)
    return _result(Verdict.SUCCESSFUL, Reason.OK, "chip holds the CA key of the verified EF.CardSecurity")


# What a recorded CA_IC / PK_map,IC can prove after the fact: consistency only. Anyone can pick
# CA_IC and compute PK_map,IC = CA_IC * PK_IC from the public key in EF.CardSecurity; only the
# live PACE session (whose keys came from SK_map) shows that the chip held SK_IC.
OFFLINE_STATEMENT = ("recorded CAM data consistent with the CA key of the verified EF.CardSecurity; from a dump "
                     "this is the reader's statement (only the live PACE-CAM run proves the chip held the key)")


def card_security_infos(card_security: bytes) -> si.SecurityInfos:
    """The SecurityInfos signed inside EF.CardSecurity (CMS SignedData, BSI TR-03110-3 §A.1.2.5)."""
    from ...lds import cms

    sd = cms.parse(card_security, file="CardSecurity")
    if sd.econtent is None:
        from ...errors import ParseError

        raise ParseError("EF.CardSecurity has no encapsulated content", file="CardSecurity")
    return si.parse(sd.econtent, file="CardSecurity")


def check_cam_against_card_security(evidence: CamEvidence, card_security: bytes, *,
                                    signature_verified: bool, policy=None) -> CheckResult:
    try:
        infos = card_security_infos(card_security)
    except CccdError as e:
        return _result(Verdict.FAILED, Reason.CAM_DATA_INVALID, f"EF.CardSecurity unusable: {e.reason}")
    return check_cam(evidence, infos, signature_verified=signature_verified, policy=policy)
