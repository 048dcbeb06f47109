"""Passive Authentication (ICAO 9303-11 §5.1, 9303-12; BSI TR-03135-1 §5.6.4).

Pure: raw files + trust store + policy -> checks. Order (fail closed,
robustness catalogue family 25):

1. EF.SOD parses; its SignedData carries the LDS security object content type.
2. The SignerInfo: contentType and messageDigest signed attributes, signer
   found by SKI or issuer + serial (in the SOD, else among the trust store's
   DSCs), signature with the **SignerInfo's** algorithm.
3. The DSC: issued by a CSCA of the trust store (AKI -> SKI, else issuer
   name), valid at the reference time (as is the CSCA), key usage
   digitalSignature, no unknown critical extension, not revoked on a CRL
   verified by its CSCA, issued (notBefore) inside the issuing CSCA key's
   privateKeyUsagePeriod when that certificate states one (RFC 5280
   §4.2.1 / X.509 §8.2.2.5; ICAO 9303-12 §5: a CSCA key signs only during
   its usage period, the certificate lives on to cover what it signed).
   MD5 anywhere is ``failed`` ``ALGORITHM_FORBIDDEN``, an unknown algorithm
   ``undetermined`` ``ALGORITHM_UNSUPPORTED``; ``passive.algorithms`` sums up
   every algorithm used (:mod:`.algorithms`, SHA-1 flagged).
4. Each data group: the hash of the raw bytes equals the SOD's. A DG read but
   not in the SOD fails; a DG in the SOD but not read is undetermined
   (DG3/DG4, which need Terminal Authentication, are ``not_supported``).

Time reference (documented policy, see docs/verification.md): validity is
checked at the time of checking (TR-03135 Table 5.34), injectable as
``Policy.at``; ``time_reference="signing_time"`` uses the SOD's signingTime,
``"read_time"`` the dump's ``read_at``.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Final, Mapping, Optional, TypeVar

from ..crypto.signatures import digest_named, hash_name_from_oid
from ..errors import CccdError, InvalidPublicKeyError, ParseError, UnsupportedError, UsageError, VerificationError
from ..lds import oids
from ..lds import sod as sod_mod
from ..lds.cms import SignedData
from ..pki import known_cscas
from ..pki import signed_data as sdv
from ..pki.certificate import Certificate, check_issued_by
from ..pki.trust_store import TrustStore
from .algorithms import certificate_forbidden, check_algorithms, classify_digest, signer_info_forbidden
from .report import CheckResult, Reason, Verdict, iso_seconds
from ..values import FrozenValue

EAC_DATA_GROUPS: Final = frozenset({3, 4})
MANDATORY_DATA_GROUPS: Final = frozenset({1, 2})
_CHAIN_CACHE: Final[dict[tuple[str, bytes], tuple[Optional[bytes], Reason, str]]] = {}
_CHAIN_CACHE_MAX = 50_000
_DSC_CACHE: Final[dict[tuple[str, bytes, bool, str],
                 tuple[tuple[CheckResult, Optional[CheckResult], Optional[CheckResult]], Optional[Certificate]]]] = {}
_compare_digest: Final = hmac.compare_digest  # a C static in compiled code (no module lookups per call)


@dataclass(frozen=True, init=False)
class Policy(FrozenValue):
    """Verification policy (documented in docs/verification.md)."""

    at: Optional[datetime] = None  # "now" for checks; None = the system clock at verification
    time_reference: str = "now"  # "now" | "signing_time" | "read_time"
    revocation: str = "if_available"  # "if_available" | "require" | "off"
    require_key_usage: bool = False  # strict profile: DSC without keyUsage fails
    legacy_content_types: frozenset[str] = frozenset()  # e.g. 1.3.27.1.1.1
    # extra (MRZ state code, certificate C=) pairs binding.country accepts besides the
    # ICAO 9303-3 / ISO 3166-1 table, e.g. ("RKS", "KS") for Kosovo's CSCA
    country_aliases: frozenset[tuple[str, str]] = frozenset()
    # the installation's binding key (issue 10): proves AccessInfo.password_mac against DG1
    binding_key: Optional[bytes] = field(default=None, repr=False)

    def __init__(
            self,
            at: Optional[datetime] = None,
            time_reference: str = "now",
            revocation: str = "if_available",
            require_key_usage: bool = False,
            legacy_content_types: frozenset[str] = frozenset(),
            country_aliases: frozenset[tuple[str, str]] = frozenset(),
            binding_key: Optional[bytes] = None,
    ) -> None:
        # stores into the slots (values.py: the generated __init__ is interpreted Python); one per
        # document (document_check._at)
        object.__setattr__(self, "at", at)
        object.__setattr__(self, "time_reference", time_reference)
        object.__setattr__(self, "revocation", revocation)
        object.__setattr__(self, "require_key_usage", require_key_usage)
        object.__setattr__(self, "legacy_content_types", legacy_content_types)
        object.__setattr__(self, "country_aliases", country_aliases)
        object.__setattr__(self, "binding_key", binding_key)
        self.__post_init__()

    def __post_init__(self) -> None:
        if self.at is not None:
            if not isinstance(self.at, datetime):
                raise UsageError("Policy.at must be a datetime")
            try:  # one instant in UTC; an offset that leaves the datetime range is refused here
                at = (self.at if self.at.tzinfo else self.at.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
            except OverflowError:
                raise UsageError("Policy.at is outside the range of representable UTC times") from None
            object.__setattr__(self, "at", at)

    def now(self) -> datetime:
        return self.at or datetime.now(timezone.utc)


@dataclass(frozen=True, init=False)
class SignerOutcome(FrozenValue):
    """What step 2-3 established about a signed object (SOD, CardSecurity)."""

    signature_ok: bool
    chain_ok: Optional[bool]  # True verified, False failed, None undetermined
    dsc: Optional[Certificate] = None
    csca: Optional[Certificate] = None

    def __init__(
            self,
            signature_ok: bool,
            chain_ok: Optional[bool],
            dsc: Optional[Certificate] = None,
            csca: Optional[Certificate] = None,
    ) -> None:
        # stores into the slots (values.py: the generated __init__ is interpreted Python)
        object.__setattr__(self, "signature_ok", signature_ok)
        object.__setattr__(self, "chain_ok", chain_ok)
        object.__setattr__(self, "dsc", dsc)
        object.__setattr__(self, "csca", csca)

    @property
    def trusted(self) -> bool:
        return self.signature_ok and self.chain_ok is True


@dataclass(frozen=True, init=False)
class PassiveResult(FrozenValue):
    checks: tuple[CheckResult, ...]
    sod: Optional[sod_mod.SOD]
    signer: SignerOutcome
    dg_verdicts: Mapping[int, Verdict]  # DG number -> verdict of its hash check

    def __init__(
            self,
            checks: tuple[CheckResult, ...],
            sod: Optional[sod_mod.SOD],
            signer: SignerOutcome,
            dg_verdicts: Mapping[int, Verdict],
    ) -> None:
        # stores into the slots (values.py: the generated __init__ is interpreted Python)
        object.__setattr__(self, "checks", checks)
        object.__setattr__(self, "sod", sod)
        object.__setattr__(self, "signer", signer)
        object.__setattr__(self, "dg_verdicts", dg_verdicts)

    def dg_authenticated(self, number: int) -> bool:
        """True iff DG ``number`` matched a SOD whose signature and chain verified."""
        return self.signer.trusted and self.dg_verdicts.get(number) is Verdict.SUCCESSFUL


# --- entry point -------------------------------------------------------------------


def verify_passive(
    files: Mapping[str, bytes],
    trust_store: TrustStore,
    policy: Policy = Policy(),
    *,
    absent: Mapping[str, str] = {},
    read_at: Optional[str] = None,
    eac_reasons: Mapping[str, Reason] = {},
) -> PassiveResult:
    """Run Passive Authentication over raw files ("SOD", "DG1".."DG16")."""
    raw_sod = files.get("SOD")
    no_signer = SignerOutcome(False, None)
    if raw_sod is None:
        return PassiveResult((_r("passive.sod", Verdict.FAILED, Reason.SOD_MISSING, "SOD"),), None, no_signer, {})
    try:
        sod = sod_mod.parse(raw_sod)
    except CccdError as e:
        c = _r("passive.sod", Verdict.FAILED, Reason.SOD_MALFORMED, "SOD", _short(e))
        return PassiveResult((c,), None, no_signer, {})
    checks: list[CheckResult] = []
    when = reference_time(policy, sod.signed_data, read_at)
    signer_checks, outcome = verify_signed_object(
        sod.signed_data, oids.ID_ICAO_LDS_SECURITY_OBJECT, trust_store, policy, when, subject="SOD"
    )
    checks.extend(signer_checks)
    checks.append(check_algorithms(sod.signed_data, sod.security_object.hash_algorithm.oid, outcome.dsc, outcome.csca))
    dg_checks, verdicts = _data_group_checks(sod, files, absent, outcome, eac_reasons)
    checks.extend(dg_checks)
    return PassiveResult(tuple(checks), sod, outcome, verdicts)


def reference_time(policy: Policy, sd: SignedData, read_at: Optional[str] = None) -> datetime:
    """The instant certificate validity is checked at (see the module docstring)."""
    if policy.time_reference == "signing_time":
        st = sd.signer_infos[0].signing_time if sd.signer_infos else None
        if st is not None:
            return st
    elif policy.time_reference == "read_time" and read_at:
        try:
            t = datetime.fromisoformat(read_at.replace("Z", "+00:00"))
            return (t if t.tzinfo else t.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
        except (ValueError, OverflowError):
            pass
    return policy.now()


# --- steps 1-3: the signed object and its signer ---------------------------------------


def verify_signed_object(
    sd: SignedData,
    content_type: str,
    trust_store: TrustStore,
    policy: Policy,
    when: datetime,
    *,
    subject: str,
    prefix: str = "passive",
) -> tuple[list[CheckResult], SignerOutcome]:
    """Check a SignedData (EF.SOD, EF.CardSecurity) and its DSC chain."""
    name = f"{prefix}.signature"
    if sd.econtent_type != content_type and sd.econtent_type not in policy.legacy_content_types:
        return [_r(name, Verdict.FAILED, Reason.SOD_CONTENT_TYPE_MISMATCH, subject, f"eContentType {sd.econtent_type}")], SignerOutcome(False, None)
    try:
        si = sdv.single_signer(sd)
        forbidden = signer_info_forbidden(si)
        if forbidden is not None:  # catalogue family 24: before anything is computed with it
            return [_r(name, Verdict.FAILED, Reason.ALGORITHM_FORBIDDEN, subject, f"{forbidden} in the SignerInfo")], SignerOutcome(False, None)
        sdv.check_signed_attributes(sd, si)
    except VerificationError as e:
        reason = {
            sdv.R_CONTENT_TYPE: Reason.SOD_CONTENT_TYPE_MISMATCH,
            sdv.R_MESSAGE_DIGEST: Reason.SOD_MESSAGE_DIGEST_MISMATCH,
            sdv.R_DIGEST_ALG: Reason.ALGORITHM_FORBIDDEN,
        }.get(e.reason, Reason.SOD_MALFORMED)
        return [_r(name, Verdict.FAILED, reason, subject, e.message)], SignerOutcome(False, None)
    except UnsupportedError as e:  # unknown algorithm: non conformance, never successful (family 24)
        return [_r(name, Verdict.UNDETERMINED, Reason.ALGORITHM_UNSUPPORTED, subject, e.message)], SignerOutcome(False, None)
    except CccdError as e:
        return [_r(name, Verdict.FAILED, Reason.SOD_MALFORMED, subject, _short(e))], SignerOutcome(False, None)
    found = sdv.identify_signer(
        si, sd.certificates, lambda: trust_store.find_dscs(ski=si.sid_ski, issuer_der=si.sid_issuer, serial=si.sid_serial)
    )
    dsc = found.certificate
    if dsc is None:
        return [_r(name, Verdict.UNDETERMINED, Reason.SIGNER_NOT_FOUND, subject, "no certificate matches the SignerInfo")], SignerOutcome(False, None)
    try:
        alg = found.algorithm or sdv.verify_signer_signature(si, dsc.public_key)
    except VerificationError as e:
        return [_r(name, Verdict.FAILED, Reason.SOD_SIGNATURE_INVALID, subject, e.message)], SignerOutcome(False, None, dsc)
    except UnsupportedError as e:
        return [_r(name, Verdict.UNDETERMINED, Reason.ALGORITHM_UNSUPPORTED, subject, e.message)], SignerOutcome(False, None, dsc)
    except CccdError as e:
        return [_r(name, Verdict.FAILED, Reason.KEY_PARAMS_INVALID, subject, _short(e))], SignerOutcome(False, None, dsc)
    # field tolerances (issue 11): successful, the reason carries the warning
    key = dsc.public_key
    detail = f"{alg.name} by {key.description}"
    reason = Reason.OK
    negative = key.negative_integers
    if negative:
        reason = Reason.KEY_INTEGER_NEGATIVE
        detail += f"; DSC key: {', '.join(negative)} DER-encoded as negative, read unsigned"
    if found.by == "key":  # the sid is unsigned framing
        reason = Reason.SIGNER_ID_MISMATCH
        detail += "; the SignerInfo's sid does not designate this embedded certificate, which was identified by its key"
    checks = [_r(name, Verdict.SUCCESSFUL, reason, subject, detail)]
    chain_checks, csca = check_dsc(dsc, trust_store, policy, when, prefix=prefix)
    checks.extend(chain_checks)
    worst = _worst(chain_checks)
    chain_ok = True if worst is Verdict.SUCCESSFUL else (False if worst in (Verdict.FAILED, Verdict.ABORTED) else None)
    return checks, SignerOutcome(True, chain_ok, dsc, csca)


def check_dsc(
    dsc: Certificate, trust_store: TrustStore, policy: Policy, when: datetime, *, prefix: str = "passive"
) -> tuple[list[CheckResult], Optional[Certificate]]:
    """DSC -> CSCA signature, validity, key usage, profile, revocation.

    The time-independent part (chain, profile) depends only on (trust store
    version, DSC, policy) and is cached: a back-end sees the same few DSCs on
    thousands of SODs. Validity and revocation are evaluated at ``when`` on
    every call (they are cheap).
    """
    key = (trust_store.version, dsc.fingerprint, policy.require_key_usage, prefix)
    hit = _DSC_CACHE.get(key)
    if hit is None:
        hit = _static_dsc_checks(dsc, trust_store, policy, prefix)
        _cache_put(_DSC_CACHE, key, hit)
    (chain, profile, period), csca = hit
    if csca is None:
        return [chain], None
    assert profile is not None  # _static_dsc_checks judges the profile whenever it found the CSCA
    label = chain.subject or ""
    checks = [chain, _validity(dsc, csca, when, prefix, label), profile]
    if period is not None:
        checks.append(period)
    if policy.revocation != "off":
        checks.append(_revocation(dsc, csca, trust_store, policy, when, prefix, label))
    return checks, csca


def _static_dsc_checks(
    dsc: Certificate, trust_store: TrustStore, policy: Policy, prefix: str
) -> tuple[tuple[CheckResult, Optional[CheckResult], Optional[CheckResult]], Optional[Certificate]]:
    """(chain, profile, CSCA key usage period) and the CSCA: what does not depend on the time."""
    label = f"DSC {dsc.label}"
    csca_fp, reason, detail = _chain(dsc, trust_store)
    csca = trust_store.csca_by_fingerprint(csca_fp) if csca_fp else None
    if csca is None:
        verdict = Verdict.UNDETERMINED if reason in (Reason.CSCA_NOT_FOUND, Reason.ALGORITHM_UNSUPPORTED) else Verdict.FAILED
        known = known_cscas.named_by(dsc) if reason is Reason.CSCA_NOT_FOUND else None
        if known is not None:  # a public CSCA the project knows but nobody vouches for: say so plainly
            detail = f"{detail}; {known_cscas.missing_detail(known)}"
        elif reason is Reason.CSCA_NOT_FOUND:
            successor = known_cscas.named_by_name_only(dsc)
            if successor is not None:
                detail = f"{detail}; {known_cscas.other_key_detail(successor)}"
        return (_r(f"{prefix}.dsc_chain", verdict, reason, label, detail), None, None), None
    negative = csca.public_key.negative_integers
    if negative:  # read unsigned (crypto/key_integers.py): a warning, issue 11
        chain = _r(f"{prefix}.dsc_chain", Verdict.SUCCESSFUL, Reason.KEY_INTEGER_NEGATIVE, label,
                   f"issued by CSCA {csca.label}; CSCA key: {', '.join(negative)} DER-encoded as negative, read unsigned")
    else:
        known = known_cscas.by_fingerprint(csca.fingerprint)
        note = f" ({known_cscas.anchor_note(known)})" if known is not None else ""
        chain = _r(f"{prefix}.dsc_chain", Verdict.SUCCESSFUL, Reason.OK, label, f"issued by CSCA {csca.label}{note}")
    return (chain, _profile(dsc, policy, prefix, label), _key_usage_period(dsc, csca, prefix, label)), csca


def _chain(dsc: Certificate, ts: TrustStore) -> tuple[Optional[bytes], Reason, str]:
    """(CSCA fingerprint | None, reason, detail), cached per trust-store version and DSC."""
    key = (ts.version, dsc.fingerprint)
    hit = _CHAIN_CACHE.get(key)
    if hit is not None:
        return hit
    candidates = ts.issuers_of(dsc)
    forbidden = certificate_forbidden(dsc)
    if forbidden is not None:
        out: tuple[Optional[bytes], Reason, str] = (None, Reason.ALGORITHM_FORBIDDEN, f"DSC signed with {forbidden}")
    elif not candidates:
        out = (None, Reason.CSCA_NOT_FOUND, f"no CSCA for issuer {dsc.issuer_text}")
    else:
        out = (None, Reason.DSC_SIGNATURE_INVALID, "DSC signature does not verify with any candidate CSCA")
        for csca in candidates:
            try:
                check_issued_by(dsc, csca)
            except UnsupportedError as e:
                out = (None, Reason.ALGORITHM_UNSUPPORTED, e.message)
                continue
            except InvalidPublicKeyError as e:
                out = (None, Reason.KEY_PARAMS_INVALID, e.message)
                continue
            except CccdError:
                continue
            out = (csca.fingerprint, Reason.OK, "")
            break
    _cache_put(_CHAIN_CACHE, key, out)
    return out


_K = TypeVar("_K")
_V = TypeVar("_V")


def _cache_put(cache: dict[_K, _V], key: _K, value: _V) -> None:
    """Insert, evicting the oldest entries beyond ``_CHAIN_CACHE_MAX`` (a back-end sees thousands of DSCs)."""
    while cache and len(cache) >= _CHAIN_CACHE_MAX:
        cache.pop(next(iter(cache)))
    cache[key] = value


def _validity(dsc: Certificate, csca: Certificate, when: datetime, prefix: str, label: str) -> CheckResult:
    name = f"{prefix}.validity"
    at = iso_seconds(when)
    if when < dsc.not_before:
        return _r(name, Verdict.FAILED, Reason.DSC_NOT_YET_VALID, label, f"valid from {dsc.not_before.date()}, checked at {at}")
    if when > dsc.not_after:
        return _r(name, Verdict.FAILED, Reason.DSC_EXPIRED, label, f"expired {dsc.not_after.date()}, checked at {at}")
    if when < csca.not_before:
        return _r(name, Verdict.FAILED, Reason.CSCA_NOT_YET_VALID, f"CSCA {csca.label}", f"checked at {at}")
    if when > csca.not_after:
        return _r(name, Verdict.FAILED, Reason.CSCA_EXPIRED, f"CSCA {csca.label}", f"expired {csca.not_after.date()}, checked at {at}")
    return _r(name, Verdict.SUCCESSFUL, Reason.OK, label, f"DSC and CSCA valid at {at}")


def _key_usage_period(dsc: Certificate, csca: Certificate, prefix: str, label: str) -> Optional[CheckResult]:
    """The DSC was issued while its CSCA's private key could sign (X.509 §8.2.2.5 privateKeyUsagePeriod).

    A DSC dated outside that period carries a CSCA signature the CSCA's own
    signed certificate says it never makes: ``failed`` (docs/verification.md
    §2c explains why this is not ``undetermined``). The DSC's notBefore is its
    issuance date. No period in the CSCA (or link) certificate: no check.
    """
    period = csca.private_key_usage_period
    if period is None or period == (None, None):
        return None
    start, end = period
    name = f"{prefix}.csca_key_period"
    issued = dsc.not_before
    span = f"{start.date() if start else '-'} .. {end.date() if end else '-'}"
    if (start is not None and issued < start) or (end is not None and issued > end):
        return _r(name, Verdict.FAILED, Reason.CSCA_KEY_USAGE_PERIOD, label,
                  f"DSC issued {issued.date()}, outside the private key usage period {span} of CSCA {csca.label}")
    return _r(name, Verdict.SUCCESSFUL, Reason.OK, label, f"DSC issued {issued.date()}, within the CSCA key's usage period {span}")


def _profile(dsc: Certificate, policy: Policy, prefix: str, label: str) -> CheckResult:
    name = f"{prefix}.dsc_profile"
    if dsc.unknown_critical:
        # RFC 5280 §4.2: the certificate cannot be relied on; its CSCA signed the extension, so it is
        # no evidence of forgery: undetermined (issue 11 rule)
        return _r(name, Verdict.UNDETERMINED, Reason.DSC_PROFILE_INVALID, label, "unknown critical extension " + ",".join(dsc.unknown_critical))
    if dsc.key_usage is None:
        if policy.require_key_usage:
            return _r(name, Verdict.FAILED, Reason.DSC_KEY_USAGE, label, "keyUsage extension missing")
        return _r(name, Verdict.SUCCESSFUL, Reason.OK, label, "keyUsage missing (tolerated by policy)")
    if "digital_signature" not in dsc.key_usage:
        return _r(name, Verdict.FAILED, Reason.DSC_KEY_USAGE, label, "keyUsage lacks digitalSignature")
    return _r(name, Verdict.SUCCESSFUL, Reason.OK, label, "keyUsage digitalSignature")


def _revocation(dsc: Certificate, csca: Certificate, ts: TrustStore, policy: Policy, when: datetime, prefix: str, label: str) -> CheckResult:
    name = f"{prefix}.revocation"
    crls = ts.crls_for(csca)  # every verified CRL of the CSCA's name, whichever of its keys signed it
    if not crls:
        verdict = Verdict.UNDETERMINED if policy.revocation == "require" else Verdict.NOT_SUPPORTED
        return _r(name, verdict, Reason.CRL_MISSING, label, f"no CRL of CSCA {csca.label} in the trust store")
    for crl in crls:
        if crl.is_revoked(dsc.serial):
            return _r(name, Verdict.FAILED, Reason.DSC_REVOKED, label, f"on the CRL of {crl.this_update.date()}")
    current = [c for c in crls if c.this_update <= when]  # RFC 5280 §6.3.3: a CRL from the future is not current
    if not current:
        return _r(name, Verdict.UNDETERMINED, Reason.CRL_STALE, label,
                  f"no CRL issued by {when.date()} (thisUpdate {crls[-1].this_update.date()} is later)")
    newest = current[0]
    if newest.stale_at(when):
        return _r(name, Verdict.UNDETERMINED, Reason.CRL_STALE, label, f"newest CRL expired {newest.next_update.date() if newest.next_update else '?'}")
    return _r(name, Verdict.SUCCESSFUL, Reason.OK, label, f"not on the CRL of {newest.this_update.date()}")


# --- step 4: data groups ------------------------------------------------------------------


def check_data_groups(
    sod: sod_mod.SOD, files: Mapping[str, bytes], absent: Mapping[str, str], signer: SignerOutcome,
    eac_reasons: Mapping[str, Reason] = {},
) -> list[CheckResult]:
    """One check per DG in the SOD or read (ICAO 9303-10 §4.6.2.2; TR-03135 Table 5.42)."""
    return _data_group_checks(sod, files, absent, signer, eac_reasons)[0]


def _data_group_checks(
    sod: sod_mod.SOD, files: Mapping[str, bytes], absent: Mapping[str, str], signer: SignerOutcome,
    eac_reasons: Mapping[str, Reason],
) -> tuple[list[CheckResult], dict[int, Verdict]]:
    """:func:`check_data_groups` and the worst verdict per DG number (a DG listed twice gets the worst)."""
    lso = sod.security_object
    name = "passive.dg_hash"
    use = classify_digest(lso.hash_algorithm.oid, "LDSSecurityObject.hashAlgorithm")
    if use.status == "forbidden":
        return [_r(name, Verdict.FAILED, Reason.ALGORITHM_FORBIDDEN, "SOD", f"data group hashes use {use.name}")], {}
    try:
        hash_name = hash_name_from_oid(lso.hash_algorithm.oid)
    except UnsupportedError as e:
        return [_r(name, Verdict.UNDETERMINED, Reason.ALGORITHM_UNSUPPORTED, "SOD", e.message)], {}
    listed: dict[int, bytes] = {}
    out: list[CheckResult] = []
    verdicts: dict[int, Verdict] = {}
    for h in lso.data_group_hashes:
        if h.number in listed:
            out.append(_r(name, Verdict.FAILED, Reason.SOD_MALFORMED, _dg_subject(h.number), "DG listed twice in the SOD"))
            verdicts[h.number] = Verdict.FAILED
            continue
        listed[h.number] = h.value
    # canonical names only (document.CANONICAL_NAMES): "DG02" is not DG 2 here, so the hash
    # check and every other consumer see the same file (issue 10, defect 1)
    read: dict[int, bytes] = {}
    odd = 0
    for k, data in files.items():
        n = _DG_NUMBERS.get(k)
        if n is not None:
            read[n] = data
        elif k.upper().startswith("DG"):
            odd += 1
    for _ in range(odd):
        out.append(_r(name, Verdict.FAILED, Reason.SOD_MALFORMED, None, "a data group under a non-canonical name"))
    identical = f"{hash_name} identical"
    trusted_hash = signer.signature_ok
    for n in sorted(listed.keys() | read.keys()):
        subject = _dg_subject(n)
        if n not in listed:
            c = _r(name, Verdict.FAILED, Reason.DG_NOT_IN_SOD, subject, "read from the chip but not in the SOD")
        elif n not in read:
            if n in EAC_DATA_GROUPS:  # why: no terminal chain, TA failed, rights too narrow (docs/eac.md)
                why = absent.get(subject) if subject in eac_reasons else None
                c = _r(name, Verdict.NOT_SUPPORTED, eac_reasons.get(subject, Reason.DG_EAC_PROTECTED), subject,
                       "present, not read (EAC-protected; integrity undetermined)" + (f": {why}" if why else ""))
            elif n in MANDATORY_DATA_GROUPS and subject in absent:
                # the chip denied a mandatory DG the SOD lists (robustness catalogue family 4)
                c = _r(name, Verdict.FAILED, Reason.DG_MANDATORY_MISSING, subject,
                       f"mandatory DG listed in the SOD but missing on the chip ({absent[subject]})")
            else:
                why = absent.get(subject)
                c = _r(name, Verdict.UNDETERMINED, Reason.DG_NOT_READ, subject, f"present, not read{f' ({why})' if why else ''}")
        elif not _compare_digest(digest_named(hash_name, read[n]), listed[n]):
            c = _r(name, Verdict.FAILED, Reason.DG_HASH_MISMATCH, subject, f"{hash_name} of the raw bytes differs from the SOD")
        elif not trusted_hash:
            c = _r(name, Verdict.UNDETERMINED, Reason.SOD_SIGNATURE_INVALID, subject, "hash matches an unverified SOD")
        else:
            c = CheckResult(name, Verdict.SUCCESSFUL, Reason.OK, subject, identical)
        out.append(c)
        v = c.verdict
        if n not in verdicts or _RANK[v] > _RANK[verdicts[n]]:
            verdicts[n] = v
    for n in sorted(MANDATORY_DATA_GROUPS.difference(listed, read)):  # a read one is DG_NOT_IN_SOD already
        out.append(_r(name, Verdict.FAILED, Reason.DG_MANDATORY_MISSING, f"DG{n}", "mandatory DG not in the SOD"))
        verdicts[n] = Verdict.FAILED
    return out, verdicts


_DG_NUMBERS: Final = {f"DG{n}": n for n in range(1, 17)}
_DG_SUBJECTS: Final = {n: f"DG{n}" for n in range(1, 17)}


def _dg_subject(n: int) -> str:
    return _DG_SUBJECTS.get(n) or f"DG{n}"


# --- helpers ---------------------------------------------------------------------------


def _r(check: str, verdict: Verdict, reason: Reason, subject: Optional[str] = None, detail: str = "") -> CheckResult:
    return CheckResult(check, verdict, reason, subject, detail)


def _short(e: CccdError) -> str:
    return str(e)[:200]


_RANK: Final = {Verdict.SUCCESSFUL: 0, Verdict.NOT_SUPPORTED: 0, Verdict.UNDETERMINED: 1, Verdict.FAILED: 2, Verdict.ABORTED: 3}


def _worst(checks: list[CheckResult]) -> Verdict:
    v = Verdict.SUCCESSFUL
    for c in checks:
        if c.verdict is not Verdict.NOT_SUPPORTED and _RANK[c.verdict] > _RANK[v]:
            v = c.verdict
    return v


__all__ = [
    "Policy",
    "PassiveResult",
    "SignerOutcome",
    "verify_passive",
    "verify_signed_object",
    "reference_time",
    "check_dsc",
    "check_data_groups",
    "ParseError",
]
