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

Evidence is typed (``cccd_chip.evidence``: :class:`ChipAuthEvidence`,
:class:`PaceCamEvidence`), written by the reader; the checks of the live protocols
are in :mod:`.chip_auth`, :mod:`.pace_cam` and :mod:`.active_auth`. Pure: no card I/O.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone
from typing import Any, Final, Mapping, Optional

from ..document import Document
from ..errors import CccdError
from ..lds import card_security, oids
from ..lds.security_infos import SecurityInfos
from ..pki.trust_store import TrustStore
from .active_auth import check_active_authentication
from .algorithms import check_algorithms
from .binding import binding_checks, check_card_access
from .chip_auth import check_chip_authentication
from .pace_cam import check_pace_cam
from .passive import Policy, SignerOutcome, reference_time, verify_passive, verify_signed_object
from .report import CheckResult, Reason, Report, Verdict, iso_seconds

__all__ = ["Policy", "verify_document", "check_card_security", "check_pace_cam", "check_chip_authentication"]


def eac_reasons(ta: Optional[Mapping[str, Any]]) -> dict[str, Reason]:
    """Why DG3 / DG4 stayed unread, from the TA evidence (docs/eac.md). Never a verdict change:
    an EAC file not read is ``not_supported`` whatever the reason."""
    if ta is None or not isinstance(ta, Mapping):  # None first: isinstance with typing.Mapping costs ~1 us
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
        policy = _at(policy, now)
    files, evidence = doc.files, doc.evidence
    dg14, card_security = files.get("DG14"), files.get("CardSecurity")  # each read once (a Mapping: generic calls)
    checks: list[CheckResult] = []
    pa = verify_passive(files, trust_store, policy, absent=doc.absent, read_at=doc.read_at,
                        eac_reasons=eac_reasons(evidence.ta))
    checks.extend(pa.checks)
    checks.extend(binding_checks(files, pa, doc.access, country_aliases=policy.country_aliases, absent=doc.absent,
                                 binding_key=policy.binding_key))

    cs_checks, cs_outcome, cs_infos = check_card_security(card_security, trust_store, policy, read_at=doc.read_at)
    checks.extend(cs_checks)
    dg14_ok = pa.dg_authenticated(14)
    checks.append(check_card_access(files.get("CardAccess"), dg14, dg14_ok, cs_infos, cs_outcome.trusted, doc.access,
                                    card_security_raw=card_security if cs_infos is not None else None))

    mapping = doc.access.mapping if doc.access else None
    cam = evidence.pace_cam
    if mapping == "CAM" or (cam is not None and not cam.is_empty):
        checks.append(check_pace_cam(cam, cs_infos, cs_outcome, dg14=dg14))

    checks.append(check_chip_authentication(evidence.ca, dg14, dg14_ok))
    checks.append(
        check_active_authentication(
            evidence.aa_challenge,
            evidence.aa_signature,
            files.get("DG15"),
            dg14,
            dg15_authenticated=pa.dg_authenticated(15),
            dg14_authenticated=dg14_ok,
        )
    )
    utc = now if now.tzinfo is timezone.utc else now.astimezone(timezone.utc)  # Policy keeps UTC already
    return Report.of(checks, trust_store.version, iso_seconds(utc))


def _at(policy: Policy, now: datetime) -> Policy:
    """``dataclasses.replace(policy, at=now)`` without replace()'s own work (a few us per document).

    Every field by name: tests/verify/test_document_check.py holds the copy to ``replace`` with
    each field set away from its default (a field added to Policy and not here fails there)."""
    if type(policy) is not Policy:
        return dataclasses.replace(policy, at=now)
    return Policy(now, policy.time_reference, policy.revocation, policy.require_key_usage, policy.legacy_content_types,
                  policy.country_aliases, policy.binding_key)


def check_card_security(
    raw: Optional[bytes], trust_store: TrustStore, policy: Policy, *, read_at: Optional[str] = None
) -> tuple[list[CheckResult], SignerOutcome, Optional[SecurityInfos]]:
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
