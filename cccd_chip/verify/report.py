"""Verdicts and reports (BSI TR-03135-1 §3.5 wording).

A check ends in exactly one :class:`Verdict` with a :class:`Reason` from a
closed enum. The overall verdict is the worst of the checks that ran:
``aborted`` > ``failed`` > ``undetermined`` > ``successful``; checks that are
``not_supported`` do not lower it; no check that ran (none, or all
``not_supported``) is ``undetermined``. So ``successful`` needs at least one
successful check. A :class:`Report` always carries ``overall(checks)``
(constructing one with another overall raises).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any, Final, Iterable, Optional

from ..values import FrozenValue


SCHEMA_VERIFY: Final = "cccd-verify/1"


class Verdict(str, Enum):
    SUCCESSFUL = "successful"
    FAILED = "failed"
    UNDETERMINED = "undetermined"
    NOT_SUPPORTED = "not_supported"
    ABORTED = "aborted"


class Reason(str, Enum):
    """Closed set of reason codes (extend here, nowhere else)."""

    OK = "OK"
    # passive authentication
    DG_HASH_MISMATCH = "DG_HASH_MISMATCH"
    DG_NOT_IN_SOD = "DG_NOT_IN_SOD"
    DG_NOT_READ = "DG_NOT_READ"
    DG_MANDATORY_MISSING = "DG_MANDATORY_MISSING"
    SOD_MALFORMED = "SOD_MALFORMED"
    SOD_MISSING = "SOD_MISSING"
    SOD_SIGNATURE_INVALID = "SOD_SIGNATURE_INVALID"
    SOD_CONTENT_TYPE_MISMATCH = "SOD_CONTENT_TYPE_MISMATCH"
    SOD_MESSAGE_DIGEST_MISMATCH = "SOD_MESSAGE_DIGEST_MISMATCH"
    SIGNER_NOT_FOUND = "SIGNER_NOT_FOUND"
    CSCA_NOT_FOUND = "CSCA_NOT_FOUND"
    DSC_SIGNATURE_INVALID = "DSC_SIGNATURE_INVALID"
    DSC_EXPIRED = "DSC_EXPIRED"
    DSC_NOT_YET_VALID = "DSC_NOT_YET_VALID"
    DSC_REVOKED = "DSC_REVOKED"
    DSC_KEY_USAGE = "DSC_KEY_USAGE"
    CSCA_EXPIRED = "CSCA_EXPIRED"
    CSCA_KEY_USAGE_PERIOD = "CSCA_KEY_USAGE_PERIOD"  # DSC issued outside its CSCA key's privateKeyUsagePeriod
    CRL_MISSING = "CRL_MISSING"
    CRL_INVALID = "CRL_INVALID"
    ALGORITHM_UNSUPPORTED = "ALGORITHM_UNSUPPORTED"
    # chip authentication / active authentication / PACE-CAM
    CA_KEY_MISMATCH = "CA_KEY_MISMATCH"
    CA_PROTOCOL_ERROR = "CA_PROTOCOL_ERROR"
    CA_NOT_AVAILABLE = "CA_NOT_AVAILABLE"
    AA_SIGNATURE_INVALID = "AA_SIGNATURE_INVALID"
    AA_PROTOCOL_ERROR = "AA_PROTOCOL_ERROR"
    AA_NOT_AVAILABLE = "AA_NOT_AVAILABLE"
    KEY_NOT_AUTHENTICATED = "KEY_NOT_AUTHENTICATED"
    CAM_DATA_INVALID = "CAM_DATA_INVALID"
    CARD_SECURITY_NOT_VERIFIED = "CARD_SECURITY_NOT_VERIFIED"
    # access / transport
    TRANSPORT_ABORTED = "TRANSPORT_ABORTED"
    SM_INTEGRITY = "SM_INTEGRITY"
    NOT_PERFORMED = "NOT_PERFORMED"
    # added by the verification work (issue 6)
    DG_EAC_PROTECTED = "DG_EAC_PROTECTED"  # DG3/DG4 present in the SOD, not readable without TA
    DSC_PROFILE_INVALID = "DSC_PROFILE_INVALID"  # unknown critical extension, bad signature field, ...
    CSCA_NOT_YET_VALID = "CSCA_NOT_YET_VALID"
    CRL_STALE = "CRL_STALE"  # nextUpdate passed: revocation status unknown
    KEY_PARAMS_INVALID = "KEY_PARAMS_INVALID"  # unusable key / explicit EC parameters
    AA_CHALLENGE_MISMATCH = "AA_CHALLENGE_MISMATCH"  # signature does not bind this challenge
    # binding and algorithm checks (robustness catalogue families 18, 23, 24, 26, 33)
    ALGORITHM_FORBIDDEN = "ALGORITHM_FORBIDDEN"  # MD2/MD4/MD5 anywhere in the SOD, its DSC or CSCA
    DEPRECATED_ALGORITHM = "DEPRECATED_ALGORITHM"  # SHA-1: accepted (successful) but flagged
    COUNTRY_MISMATCH = "COUNTRY_MISMATCH"  # DSC issuer / subject / CSCA / DG1 issuing state disagree
    COUNTRY_CODE_UNKNOWN = "COUNTRY_CODE_UNKNOWN"  # MRZ state code without an ISO 3166-1 country
    COM_SOD_MISMATCH = "COM_SOD_MISMATCH"  # EF.COM lists other DGs than the SOD
    COM_MISSING = "COM_MISSING"  # EF.COM not read: the comparison is not supported
    COM_MALFORMED = "COM_MALFORMED"
    DG_MALFORMED = "DG_MALFORMED"  # a DG a binding check needs does not parse
    DOCUMENT_BINDING_MISMATCH = "DOCUMENT_BINDING_MISMATCH"  # DG1 differs from the MRZ / CAN used for access
    DATA_NOT_AUTHENTICATED = "DATA_NOT_AUTHENTICATED"  # consistent, but the data compared did not pass PA
    DOCUMENT_TYPE_MISMATCH = "DOCUMENT_TYPE_MISMATCH"  # DSC's DocumentTypeList excludes DG1's document code
    CARD_ACCESS_MISMATCH = "CARD_ACCESS_MISMATCH"  # unsigned EF.CardAccess differs from signed DG14/CardSecurity
    # field tolerances (issue 11, docs/field-quirks.md): verdict successful, the reason is the warning
    SIGNER_ID_MISMATCH = "SIGNER_ID_MISMATCH"  # SignerInfo sid designates no embedded cert; signer found by its key
    KEY_INTEGER_NEGATIVE = "KEY_INTEGER_NEGATIVE"  # a key integer DER-encoded as negative, read unsigned
    ATTRIBUTE_MISSING = "ATTRIBUTE_MISSING"  # what a check compares is absent (e.g. DSC without C=): undetermined
    COM_LISTS_ABSENT = "COM_LISTS_ABSENT"  # unsigned EF.COM lists a DG the chip does not have (and the SOD not)
    # Terminal Authentication (docs/eac.md): why an EAC-protected DG3/DG4 stayed unread (not_supported)
    TA_CHAIN_INVALID = "TA_CHAIN_INVALID"  # the terminal chain is broken/expired or leads nowhere from the chip's CAR
    TA_REFUSED = "TA_REFUSED"  # the chip refused a TA step (SW recorded)
    TA_RIGHTS_INSUFFICIENT = "TA_RIGHTS_INSUFFICIENT"  # TA succeeded; the effective rights do not cover the DG


_RANK: Final = {
    Verdict.SUCCESSFUL: 0,
    Verdict.NOT_SUPPORTED: 0,
    Verdict.UNDETERMINED: 1,
    Verdict.FAILED: 2,
    Verdict.ABORTED: 3,
}


@dataclass(frozen=True, init=False)
class CheckResult(FrozenValue):
    """Outcome of one check (e.g. ``passive.dg_hash`` for ``DG2``)."""

    check: str
    verdict: Verdict
    reason: Reason
    subject: Optional[str] = None
    detail: str = ""

    def __init__(
            self,
            check: str,
            verdict: Verdict,
            reason: Reason,
            subject: Optional[str] = None,
            detail: str = "",
    ) -> None:
        # stores into the slots (values.py: the generated __init__ is interpreted Python)
        object.__setattr__(self, "check", check)
        object.__setattr__(self, "verdict", verdict)
        object.__setattr__(self, "reason", reason)
        object.__setattr__(self, "subject", subject)
        object.__setattr__(self, "detail", detail)

    def to_json(self) -> dict[str, str]:
        d = {"check": self.check, "verdict": self.verdict.value, "reason": self.reason.value}
        if self.subject is not None:
            d["subject"] = self.subject
        if self.detail:
            d["detail"] = self.detail
        return d


_IsoKey = tuple[int, int, int, int, int, int, int, object]
_ISO_LAST: Final[list[tuple[datetime, _IsoKey, str]]] = []  # one entry: (instant, its fields, its text)


def iso_seconds(when: datetime) -> str:
    """``when.isoformat(timespec="seconds")`` (~0.8 us), memoised for the last second: a
    verification formats its reference time for the validity check of each signed object and
    again for the report, and a batch verifies many documents within one second.

    The text depends on the fields to the second, ``fold`` and the tzinfo (its offset at
    that local time): the memo is keyed by exactly those, and by the object itself first."""
    last = _ISO_LAST[0] if _ISO_LAST else None
    if last is not None and last[0] is when:
        return last[2]
    key: _IsoKey = (when.second, when.minute, when.hour, when.day, when.month, when.year, when.fold, when.tzinfo)
    if last is not None and last[1] == key:
        text = last[2]
    else:
        text = when.isoformat(timespec="seconds")
    entry = (when, key, text)
    if _ISO_LAST:
        _ISO_LAST[0] = entry  # one store: another thread sees the old entry or the new one
    else:
        _ISO_LAST.append(entry)
    return text


def overall(checks: "tuple[CheckResult, ...] | list[CheckResult]") -> Verdict:
    """Worst verdict of the checks that ran; no checks at all is undetermined."""
    worst: Optional[Verdict] = None
    rank = -1
    for c in checks:  # one pass: the first check of the highest rank, as max() over them gave
        v = c.verdict
        if v is not Verdict.NOT_SUPPORTED and _RANK[v] > rank:
            worst, rank = v, _RANK[v]
    return Verdict.UNDETERMINED if worst is None else worst


@dataclass(frozen=True, init=False)
class Report(FrozenValue):
    checks: tuple[CheckResult, ...]
    trust_store_version: Optional[str] = None
    verified_at: Optional[str] = None
    overall: Verdict = field(default=Verdict.UNDETERMINED)

    def __init__(self, checks: tuple[CheckResult, ...], trust_store_version: Optional[str] = None,
                 verified_at: Optional[str] = None, overall: Verdict = Verdict.UNDETERMINED) -> None:
        # stores into the slots (values.py: the generated __init__ is interpreted Python)
        object.__setattr__(self, "checks", checks)
        object.__setattr__(self, "trust_store_version", trust_store_version)
        object.__setattr__(self, "verified_at", verified_at)
        object.__setattr__(self, "overall", overall)
        self.__post_init__()

    def __post_init__(self) -> None:
        # the overall verdict is derived, never asserted: a Report cannot claim "successful"
        # (or anything else) that its checks do not give (catalogue families 25, 35)
        if self.overall is not overall(self.checks):
            from ..errors import VerificationError

            raise VerificationError(
                f"overall {self.overall.value} does not follow from the checks ({overall(self.checks).value})",
                reason="REPORT_INCONSISTENT",
            )

    @classmethod
    def of(cls, checks: Iterable[CheckResult], trust_store_version: Optional[str] = None,
           verified_at: Optional[str] = None) -> "Report":
        checks = tuple(checks)
        return cls(checks, trust_store_version, verified_at, overall(checks))

    def to_json(self) -> dict[str, Any]:
        return {
            "overall": self.overall.value,
            "trust_store_version": self.trust_store_version,
            "verified_at": self.verified_at,
            "checks": [c.to_json() for c in self.checks],
        }


def verify_json(report: Report, dump: str) -> dict[str, Any]:
    """The document ``cccd verify --json DUMP`` prints for one dump (schema ``cccd-verify/1``).

    The one rendering of a single verification: the CLI and the HTTP service
    (``cccd serve``, whose ``report`` is this document) both call it. ``dump`` names
    the dump: the path given on the command line, ``sha256:<hex>`` in the service.
    """
    return {"schema": SCHEMA_VERIFY, "dump": dump, **report.to_json()}
