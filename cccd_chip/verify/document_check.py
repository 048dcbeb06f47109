"""Every offline check of a Document, in one Report (BSI TR-03135-1 §5.6, ICAO 9303-11).

``verify_document(doc, trust_store, policy=...)`` runs, over the raw bytes of
a read (live, or loaded from a ``cccd-dump``):

- Passive Authentication of EF.SOD and every data group (:mod:`.passive`),
  with the algorithm policy (:mod:`.algorithms`);
- the binding checks (:mod:`.binding`): issuer country, EF.COM vs SOD, DG1 vs
  the MRZ / CAN that opened the chip;
- EF.CardSecurity verified like a SOD (content type id-SecurityObject);
- PACE-CAM: the chip's authentication data checked against the CA key of a
  verified EF.CardSecurity (ICAO 9303-11 §4.4.3.5.2: PK_Map,IC = CA_IC * PK_IC);
- Chip Authentication: the recorded outcome, counted only with a PA-verified DG14;
- Active Authentication: the recorded challenge and signature against DG15.

Evidence keys read here (written by the reader, see docs/verification.md):
``evidence.pace_cam = {"ca_ic": hex, "pk_map_ic": hex, "key_id": int?}``,
``evidence.ca = {"verified": bool, "key_id": int?, "oid": str?, "reason": str?}``.
"""

from __future__ import annotations

import dataclasses
from datetime import timezone
from typing import Any, Mapping, Optional

from ..document import Document
from ..errors import CccdError
from ..lds import card_security, oids
from ..lds.security_infos import SecurityInfos
from ..pki.trust_store import TrustStore
from .active_auth import check_active_authentication
from .algorithms import check_algorithms
from .binding import binding_checks, check_card_access
from .passive import Policy, SignerOutcome, reference_time, verify_passive, verify_signed_object
from .report import CheckResult, Reason, Report, Verdict

__all__ = ["Policy", "verify_document", "check_card_security", "check_pace_cam", "check_chip_authentication"]


def eac_reasons(ta: Optional[Mapping[str, Any]]) -> dict[str, Reason]:
    """Why DG3 / DG4 stayed unread, from the TA evidence (docs/eac.md). Never a verdict change:
    an EAC file not read is ``not_supported`` whatever the reason."""
    if not isinstance(ta, Mapping):
        return {}
    outcome, reason = ta.get("outcome"), ta.get("reason")
    granted = ta.get("granted") or []
    out: dict[str, Reason] = {}
    for dg in ("DG3", "DG4"):
        if outcome == "successful" and dg not in granted:
            out[dg] = Reason.TA_RIGHTS_INSUFFICIENT
        elif outcome == "refused":
            out[dg] = Reason.TA_REFUSED
        elif outcome == "not_attempted" and reason == "TA_CHAIN_INVALID":
            out[dg] = Reason.TA_CHAIN_INVALID
    return out


def verify_document(doc: Document, trust_store: TrustStore, *, policy: Policy = Policy()) -> Report:
    """Run every check that is possible offline and return the Report."""
    now = policy.now()
    if policy.at is None:
        policy = dataclasses.replace(policy, at=now)
    checks: list[CheckResult] = []
    pa = verify_passive(doc.files, trust_store, policy, absent=doc.absent, read_at=doc.read_at,
                        eac_reasons=eac_reasons(doc.evidence.ta))
    checks.extend(pa.checks)
    checks.extend(binding_checks(doc.files, pa, doc.access, country_aliases=policy.country_aliases, absent=doc.absent,
                                 binding_key=policy.binding_key))

    cs_checks, cs_outcome, cs_infos = check_card_security(doc.files.get("CardSecurity"), trust_store, policy, read_at=doc.read_at)
    checks.extend(cs_checks)
    checks.append(check_card_access(doc.files.get("CardAccess"), doc.files.get("DG14"), pa.dg_authenticated(14),
                                    cs_infos, cs_outcome.trusted, doc.access))

    mapping = doc.access.mapping if doc.access else None
    if mapping == "CAM" or doc.evidence.pace_cam:
        checks.append(check_pace_cam(doc.evidence.pace_cam, cs_infos, cs_outcome, dg14=doc.files.get("DG14")))

    checks.append(check_chip_authentication(doc.evidence.ca, doc.files.get("DG14"), pa.dg_authenticated(14)))
    checks.append(
        check_active_authentication(
            doc.evidence.aa_challenge,
            doc.evidence.aa_signature,
            doc.files.get("DG15"),
            doc.files.get("DG14"),
            dg15_authenticated=pa.dg_authenticated(15),
            dg14_authenticated=pa.dg_authenticated(14),
        )
    )
    return Report.of(checks, trust_store.version, now.astimezone(timezone.utc).isoformat(timespec="seconds"))


def check_card_security(
    raw: Optional[bytes], trust_store: TrustStore, policy: Policy, *, read_at: Optional[str] = None
) -> tuple[list[CheckResult], SignerOutcome, Optional["SecurityInfos"]]:
    """EF.CardSecurity (BSI TR-03110-3 §A.1.2.5): a SignedData over SecurityInfos, verified like a SOD."""
    none = SignerOutcome(False, None)
    if raw is None:
        return [], none, None
    try:
        cs = card_security.parse(raw)
    except CccdError as e:
        return [CheckResult("card_security.signature", Verdict.FAILED, Reason.SOD_MALFORMED, "CardSecurity", str(e)[:200])], none, None
    sd, infos = cs.signed_data, cs.security_infos
    checks, outcome = verify_signed_object(
        sd, oids.ID_SECURITY_OBJECT, trust_store, policy, reference_time(policy, sd, read_at),
        subject="CardSecurity", prefix="card_security",
    )
    checks.append(check_algorithms(sd, None, outcome.dsc, outcome.csca, prefix="card_security", subject="CardSecurity"))
    return checks, outcome, infos


def check_pace_cam(evidence: Optional[Mapping], infos, outcome: SignerOutcome, *,
                   dg14: Optional[bytes] = None) -> CheckResult:
    """PACE-CAM chip authentication (ICAO 9303-11 §4.4.3.5.2, catalogue family 12).

    The point check is the PACE code's (``access.pace.cam.check_cam``); here it
    is gated on EF.CardSecurity having passed PA in *this* verification, and the
    CA key it uses must be this document's: when DG14 lists Chip Authentication
    keys (ICAO 9303-11 §9.2.6), the key of EF.CardSecurity must be one of them.
    EF.CardSecurity is signed, but not bound to the SOD: without this, another
    card's EF.CardSecurity and CAM data grafted onto a dump verify.
    """
    from ..access.pace.cam import CHECK, CamEvidence, check_cam

    if not evidence:
        return CheckResult(CHECK, Verdict.UNDETERMINED, Reason.NOT_PERFORMED, "CardSecurity", "PACE-CAM used but no chip authentication data recorded")
    if infos is None:
        return CheckResult(CHECK, Verdict.FAILED, Reason.CARD_SECURITY_NOT_VERIFIED, "CardSecurity", "EF.CardSecurity missing or malformed")
    malformed = CheckResult(CHECK, Verdict.FAILED, Reason.CAM_DATA_INVALID, "CardSecurity", "PACE-CAM evidence malformed")
    try:
        ev = CamEvidence.from_json(evidence)
    except (KeyError, ValueError, TypeError, AttributeError):
        return malformed
    if ev.parameter_id is None and evidence.get("key_id") is not None:
        ev = CamEvidence(ev.oid, evidence["key_id"], ev.ca_ic, ev.pk_map_ic)
    if ev.parameter_id is not None and (type(ev.parameter_id) is not int or ev.parameter_id < 0):
        return malformed
    result = check_cam(ev, infos, signature_verified=outcome.trusted, offline=True)
    if result.verdict in (Verdict.SUCCESSFUL, Verdict.UNDETERMINED) and dg14 is not None:
        if _dg14_lists_key(dg14, infos.ca_public_key(ev.parameter_id)) is False:
            return CheckResult(CHECK, Verdict.FAILED, Reason.CAM_DATA_INVALID, "CardSecurity",
                               "the CA key of EF.CardSecurity is not among DG14's Chip Authentication keys: "
                               "EF.CardSecurity of another chip")
    return result


def _dg14_lists_key(dg14: bytes, key) -> Optional[bool]:
    """True when DG14 lists ``key`` (same point on the same domain), False when DG14 lists
    CA keys and none is ``key``, None when DG14 cannot tell (malformed, no CA keys)."""
    from .chip_auth import parse_dg14

    if key is None:
        return None
    try:
        keys = parse_dg14(dg14).chip_authentication_public_keys
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


def check_chip_authentication(evidence: Optional[Mapping], dg14: Optional[bytes], dg14_authenticated: bool) -> CheckResult:
    """Chip Authentication as recorded by the reader, gated on PA of DG14 (catalogue families 14, 34)."""
    name = "chip_auth"
    if not evidence:
        if dg14 is None:
            return CheckResult(name, Verdict.NOT_SUPPORTED, Reason.CA_NOT_AVAILABLE, "DG14", "no DG14: the chip offers no CA")
        return CheckResult(name, Verdict.NOT_SUPPORTED, Reason.NOT_PERFORMED, "DG14", "CA not recorded in this read")
    verified = evidence.get("verified")
    if verified is None and "result" in evidence:
        verified = evidence.get("result") == "successful"
    if verified is not True:
        why = str(evidence.get("reason") or "no response verified under the new keys")[:120]
        known = Reason._value2member_map_.get(why)
        reason = known if isinstance(known, Reason) else (Reason.CA_KEY_MISMATCH if verified is False else Reason.CA_PROTOCOL_ERROR)
        return CheckResult(name, Verdict.FAILED, reason, "DG14", why)
    if not dg14_authenticated:
        return CheckResult(name, Verdict.UNDETERMINED, Reason.KEY_NOT_AUTHENTICATED, "DG14", "CA succeeded, but DG14 did not pass PA")
    key_id = evidence.get("key_id")
    return CheckResult(name, Verdict.SUCCESSFUL, Reason.OK, "DG14", f"response verified under the new keys{'' if key_id is None else f' (keyId {key_id})'}")
