"""Binding checks: the document's parts agree with each other and with the access password.

Pure functions of the raw files, the Passive Authentication result and the
recorded access information (robustness catalogue families 18, 26, 33):

- ``binding.country`` (BSI TR-03135-1 §5.6.4.5, ICAO 9303-12 §7.1.1): the DSC's
  issuer and subject country, the CSCA's country and DG1's issuing state
  (ICAO 9303-3 code mapped to ISO 3166-1 alpha-2 by :mod:`.country_codes`)
  are the same state.
- ``binding.document_type`` (ICAO 9303-12 §7.1.1.6): when the DSC carries the
  DocumentTypeList extension, DG1's document code is one it may sign.
- ``binding.com_sod`` (TR-03135-1 §5.6.4.4.1, B51 LDS_H_90..93): EF.COM lists
  exactly the data groups the SOD has hashes for.
- ``binding.card_access`` (ICAO 9303-11 §9.2.8 / 9303-10 §4.7.14, TR-03135-1
  §5.6.2; catalogue family 20): the PACEInfos of the unsigned EF.CardAccess are
  those of a PA-verified DG14 (or EF.CardSecurity), and the PACE protocol used is
  one of them, so a chip or a man in the middle cannot hide or alter the PACE
  offer (a downgrade) without it showing.
- ``binding.access`` (TR-03135-1 §5.7.2): the MRZ data (BAC, PACE-MRZ) or the
  CAN (PACE-CAN on a CCCD: the last 6 digits of the 12-digit ID) that opened
  the chip are DG1's. Nothing from which the password could be brute-forced is
  stored (issue 10): the reader records its comparison (``password_binding``
  matched / mismatched) and, with the installation's binding key, an HMAC
  (``password_mac``, :func:`cccd_chip.document.access_password_mac`) that this
  check recomputes from DG1 when it is given the same key.

Common rule: a disagreement is ``failed``; agreement is ``successful`` only
when the data compared passed Passive Authentication, else ``undetermined``
``DATA_NOT_AUTHENTICATED``.
"""

from __future__ import annotations

import hmac
from typing import Final, Iterable, Mapping, Optional, TYPE_CHECKING

from ..content_cache import ContentCache
from ..document import AccessInfo, access_password_mac, binding_key_id
from ..errors import CccdError, ParseError
from ..iso7816 import tlv
from ..lds import com as com_mod
from ..lds import dg1 as dg1_mod
from ..lds import dg14 as dg14_mod
from ..lds import security_infos
from ..lds.access_keys import password_candidates
from .country_codes import SPECIMEN_CERTIFICATE_COUNTRY, SPECIMEN_STATE, alpha2_for, normalise, why_no_state
from .passive import PassiveResult
from .report import CheckResult, Reason, Verdict
from ..values import exact_bytes

if TYPE_CHECKING:  # imported where used, to keep `cccd verify` light
    from ..lds.security_infos import SecurityInfos
    from ..pki.certificate import Certificate

CHECK_COUNTRY: Final = "binding.country"
CHECK_DOCUMENT_TYPE: Final = "binding.document_type"
CHECK_COM_SOD: Final = "binding.com_sod"
DOCUMENT_TYPE_LIST_OID: Final = "2.23.136.1.1.6.2"
CHECK_ACCESS: Final = "binding.access"
CHECK_CARD_ACCESS: Final = "binding.card_access"

__all__ = [
    "CHECK_COUNTRY",
    "CHECK_DOCUMENT_TYPE",
    "CHECK_COM_SOD",
    "CHECK_ACCESS",
    "CHECK_CARD_ACCESS",
    "check_card_access",
    "check_country",
    "check_document_type",
    "document_types",
    "check_com_sod",
    "check_access_binding",
    "password_candidates",
    "binding_checks",
]


def binding_checks(
    files: Mapping[str, bytes], pa: PassiveResult, access: Optional[AccessInfo], *, country_aliases: Iterable[tuple[str, str]] = (),
    absent: Mapping[str, str] = {}, binding_key: Optional[bytes] = None,
) -> list[CheckResult]:
    """The binding checks, in report order.

    DG1 is parsed in full only when an access digest has to be compared (the
    country and document-type checks need the first five MRZ characters
    alone: a batch verifier saves the MRZ parse).
    """
    raw_dg1 = files.get("DG1")
    head = _mrz_head(raw_dg1)
    needs_dg1 = access is not None and bool(access.password_binding or access.password_mac)
    return [
        check_country(head[2:5] if isinstance(head, str) else head, pa, country_aliases=country_aliases),
        check_document_type(head[0:2] if isinstance(head, str) else head, pa),
        check_com_sod(files.get("COM"), pa, absent),
        check_access_binding(_dg1(raw_dg1) if needs_dg1 else None, pa, access, binding_key=binding_key),
    ]


# --- family 33: issuer country ---------------------------------------------------------


def check_country(
    dg1: "dg1_mod.DG1 | str | CccdError | None", pa: PassiveResult, *, country_aliases: Iterable[tuple[str, str]] = ()
) -> CheckResult:
    """DSC issuer C= = DSC subject C= = CSCA C= = alpha-2 of DG1's issuing state.

    ``dg1``: the parsed DG1 or just its issuing-state field (3 characters).
    ``country_aliases``: extra (MRZ code, C=) pairs accepted (``Policy.country_aliases``).
    """
    dsc, csca = pa.signer.dsc, pa.signer.csca
    if dsc is None:
        return _r(CHECK_COUNTRY, Verdict.UNDETERMINED, Reason.NOT_PERFORMED, "DSC", "no document signer certificate identified")
    label = f"DSC {dsc.label}"
    issuer_c, subject_c = dsc.issuer_country, dsc.country
    if not issuer_c or not subject_c:
        which = "issuer" if not issuer_c else "subject"
        # an attribute that cannot be checked is undetermined, not failed (issue 11; test PKIs before 2008)
        return _r(CHECK_COUNTRY, Verdict.UNDETERMINED, Reason.ATTRIBUTE_MISSING, label, f"DSC {which} has no country (C=)")
    if issuer_c != subject_c:
        return _r(CHECK_COUNTRY, Verdict.FAILED, Reason.COUNTRY_MISMATCH, label, f"DSC issuer C={issuer_c}, subject C={subject_c}")
    if csca is not None and csca.country != issuer_c:
        return _r(CHECK_COUNTRY, Verdict.FAILED, Reason.COUNTRY_MISMATCH, label,
                  f"DSC issuer C={issuer_c}, CSCA C={csca.country or '-'}")
    if dg1 is None:
        return _r(CHECK_COUNTRY, Verdict.UNDETERMINED, Reason.NOT_PERFORMED, "DG1", "DG1 not read")
    if isinstance(dg1, CccdError):
        return _r(CHECK_COUNTRY, Verdict.UNDETERMINED, Reason.DG_MALFORMED, "DG1", "DG1 does not parse")
    state = normalise(dg1 if isinstance(dg1, str) else dg1.issuing_state)
    aliases = {c.upper() for s_, c in country_aliases if normalise(s_) == state}
    if issuer_c in aliases:
        return _country_agrees(pa, csca, label, state, issuer_c, " (alias from the policy)")
    alpha2, known = alpha2_for(state)
    if aliases and (not known or alpha2 is None):
        return _r(CHECK_COUNTRY, Verdict.FAILED, Reason.COUNTRY_MISMATCH, "DG1",
                  f"DG1 issuing state {state} ({','.join(sorted(aliases))} by the policy), DSC C={issuer_c}")
    if not known:
        return _r(CHECK_COUNTRY, Verdict.UNDETERMINED, Reason.COUNTRY_CODE_UNKNOWN, "DG1",
                  f"issuing state {state!r} is not in the ICAO 9303-3 / ISO 3166-1 table")
    if alpha2 is None and state == SPECIMEN_STATE:
        # no ISO country to compare: not_supported, but only under the specimen PKI's C=UT
        if issuer_c != SPECIMEN_CERTIFICATE_COUNTRY:
            return _r(CHECK_COUNTRY, Verdict.FAILED, Reason.COUNTRY_MISMATCH, "DG1",
                      f"DG1 issuing state {state} (specimen), DSC C={issuer_c}")
        return _r(CHECK_COUNTRY, Verdict.NOT_SUPPORTED, Reason.COUNTRY_CODE_UNKNOWN, "DG1",
                  f"{why_no_state(state)} (certificates C={issuer_c}): no ISO 3166-1 country to compare")
    if alpha2 is None:
        return _r(CHECK_COUNTRY, Verdict.UNDETERMINED, Reason.COUNTRY_CODE_UNKNOWN, "DG1", why_no_state(state))
    if alpha2 != issuer_c:
        return _r(CHECK_COUNTRY, Verdict.FAILED, Reason.COUNTRY_MISMATCH, "DG1",
                  f"DG1 issuing state {state} ({alpha2}), DSC C={issuer_c}")
    return _country_agrees(pa, csca, label, state, issuer_c, "")


def _country_agrees(pa: PassiveResult, csca: Optional[Certificate], label: str, state: str, issuer_c: str, note: str) -> CheckResult:
    if csca is None:
        return _r(CHECK_COUNTRY, Verdict.UNDETERMINED, Reason.NOT_PERFORMED, label,
                  f"DG1 {state} = DSC C={issuer_c}{note}; no CSCA to compare")
    if not pa.dg_authenticated(1):
        return _r(CHECK_COUNTRY, Verdict.UNDETERMINED, Reason.DATA_NOT_AUTHENTICATED, "DG1",
                  f"{state} = C={issuer_c}{note}, but DG1 did not pass Passive Authentication")
    return _r(CHECK_COUNTRY, Verdict.SUCCESSFUL, Reason.OK, label, f"DG1 {state} = DSC and CSCA C={issuer_c}{note}")


# --- family 33: the DSC's DocumentTypeList -------------------------------------------------


def check_document_type(code: "str | CccdError | None", pa: PassiveResult) -> CheckResult:
    """DG1's document code (MRZ characters 1-2) is in the DSC's DocumentTypeList, when it has one.

    A listed type matches a code it equals or begins (``P`` covers ``PO``).
    """
    dsc = pa.signer.dsc
    if dsc is None:
        return _r(CHECK_DOCUMENT_TYPE, Verdict.UNDETERMINED, Reason.NOT_PERFORMED, "DSC", "no document signer certificate identified")
    label = f"DSC {dsc.label}"
    try:
        allowed = document_types(dsc)
    except CccdError as e:
        # signed by the CSCA, so nobody but the issuer wrote it: the list cannot be checked (undetermined)
        return _r(CHECK_DOCUMENT_TYPE, Verdict.UNDETERMINED, Reason.DSC_PROFILE_INVALID, label, f"DocumentTypeList malformed: {str(e)[:120]}")
    if allowed is None:
        return _r(CHECK_DOCUMENT_TYPE, Verdict.NOT_SUPPORTED, Reason.NOT_PERFORMED, label, "DSC has no DocumentTypeList extension")
    listed = ",".join(allowed) or "(empty)"
    if code is None:
        return _r(CHECK_DOCUMENT_TYPE, Verdict.UNDETERMINED, Reason.NOT_PERFORMED, "DG1", "DG1 not read")
    if isinstance(code, CccdError):
        return _r(CHECK_DOCUMENT_TYPE, Verdict.UNDETERMINED, Reason.DG_MALFORMED, "DG1", "DG1 does not parse")
    doc_code = code.replace("<", "")
    if not any(doc_code == t or (t and doc_code.startswith(t)) for t in allowed):
        return _r(CHECK_DOCUMENT_TYPE, Verdict.FAILED, Reason.DOCUMENT_TYPE_MISMATCH, "DG1",
                  f"document code {doc_code!r} not in the DSC's DocumentTypeList ({listed})")
    if not pa.dg_authenticated(1):
        return _r(CHECK_DOCUMENT_TYPE, Verdict.UNDETERMINED, Reason.DATA_NOT_AUTHENTICATED, "DG1",
                  f"document code {doc_code!r} listed ({listed}), but DG1 did not pass Passive Authentication")
    return _r(CHECK_DOCUMENT_TYPE, Verdict.SUCCESSFUL, Reason.OK, label, f"document code {doc_code!r} in the DocumentTypeList ({listed})")


_DOC_TYPES_CACHE: Final[dict[bytes, "tuple[str, ...] | CccdError | None"]] = {}


def document_types(cert: Certificate) -> Optional[tuple[str, ...]]:
    """The DSC's DocumentTypeList (ICAO 9303-12 §7.1.1.6), None without the extension.

    ``SEQUENCE { version INTEGER, docTypeList SET OF PrintableString (SIZE (1..2)) }``.
    Raises ParseError when the extension is malformed.
    """
    if cert.fingerprint not in _DOC_TYPES_CACHE:
        hit: "tuple[str, ...] | CccdError | None"
        try:
            hit = _parse_document_types(cert.raw)
        except CccdError as e:
            hit = e
        if len(_DOC_TYPES_CACHE) > 20_000:
            _DOC_TYPES_CACHE.clear()
        _DOC_TYPES_CACHE[cert.fingerprint] = hit
    found = _DOC_TYPES_CACHE[cert.fingerprint]
    if isinstance(found, CccdError):
        raise found
    return found


def _parse_document_types(raw_cert: bytes) -> Optional[tuple[str, ...]]:
    from asn1crypto import x509 as a_x509

    try:
        exts = a_x509.Certificate.load(raw_cert)["tbs_certificate"]["extensions"]
        value = next((bytes(e["extn_value"].contents) for e in exts if e["extn_id"].dotted == DOCUMENT_TYPE_LIST_OID), None)
    except Exception:  # asn1crypto raises many types; the certificate itself parsed before
        raise ParseError("certificate extensions do not parse", file="DSC") from None
    if value is None:
        return None
    seq = tlv.decode_one(value, expected_tag=0x30, file="DocumentTypeList")
    items = list(tlv.iter_tlv(seq.value, file="DocumentTypeList"))
    if len(items) != 2 or items[0].tag != 0x02 or items[1].tag != 0x31:
        raise ParseError("DocumentTypeList is not SEQUENCE { INTEGER, SET }", file="DocumentTypeList")
    types = []
    for t in tlv.iter_tlv(items[1].value, file="DocumentTypeList"):
        if t.tag != 0x13 or not 1 <= len(t.value) <= 2:
            raise ParseError("DocumentType must be a PrintableString of 1-2 characters", file="DocumentTypeList")
        types.append(t.value.decode("latin-1").upper())
    return tuple(types)


# --- family 26: EF.COM versus the SOD ----------------------------------------------------


# EF.COM -> (its known DGs, its unknown tags), parsed once per exact content
_COM_PARSED: Final["ContentCache[tuple[frozenset[int], tuple[int, ...]]]"] = ContentCache("EF.COM", 1024)


def _com_lists(raw: bytes) -> tuple[frozenset[int], tuple[int, ...]]:
    com = com_mod.parse(raw)
    return frozenset(com.data_groups), com.unknown_tags


def check_com_sod(raw_com: Optional[bytes], pa: PassiveResult, absent: Mapping[str, str] = {}) -> CheckResult:
    """EF.COM's data-group list equals the SOD's (EF.COM absent: not supported).

    Field tolerance (issue 11, docs/field-quirks.md): EF.COM is unsigned, and some
    chips list a DG they do not have. A DG that only EF.COM lists and that the
    chip reported as absent (``absent``, e.g. 6A82) is a warning,
    ``COM_LISTS_ABSENT``, not a mismatch: nothing signed disagrees.
    """
    if raw_com is None:
        return _r(CHECK_COM_SOD, Verdict.NOT_SUPPORTED, Reason.COM_MISSING, "COM", "EF.COM not read")
    try:
        # EF.COM is the same on every card of a generation: parsed once per exact content
        raw = exact_bytes(raw_com)
        com_dgs, unknown_tags = _COM_PARSED.get_or_compute(raw, lambda: _com_lists(raw))
    except CccdError as e:
        return _r(CHECK_COM_SOD, Verdict.FAILED, Reason.COM_MALFORMED, "COM", str(e)[:160])
    if pa.sod is None:
        return _r(CHECK_COM_SOD, Verdict.UNDETERMINED, Reason.NOT_PERFORMED, "COM", "no parsable SOD to compare with")
    in_com = set(com_dgs)
    in_sod = {h.number for h in pa.sod.security_object.data_group_hashes}
    listed_absent = {n for n in in_com - in_sod if f"DG{n}" in absent}
    in_com -= listed_absent
    if in_com != in_sod:
        parts = []
        if in_sod - in_com:
            parts.append("SOD only: " + ",".join(f"DG{n}" for n in sorted(in_sod - in_com)))
        if in_com - in_sod:
            parts.append("EF.COM only: " + ",".join(f"DG{n}" for n in sorted(in_com - in_sod)))
        return _r(CHECK_COM_SOD, Verdict.FAILED, Reason.COM_SOD_MISMATCH, "COM", "; ".join(parts))
    listed = ",".join(f"DG{n}" for n in sorted(in_sod))
    if not pa.signer.trusted:
        return _r(CHECK_COM_SOD, Verdict.UNDETERMINED, Reason.DATA_NOT_AUTHENTICATED, "COM",
                  f"same DGs ({listed}), but the SOD did not pass Passive Authentication")
    extra = f"; unknown tags ignored: {','.join(f'{t:02X}' for t in unknown_tags)}" if unknown_tags else ""
    if listed_absent:
        names = ",".join(f"DG{n}" for n in sorted(listed_absent))
        return _r(CHECK_COM_SOD, Verdict.SUCCESSFUL, Reason.COM_LISTS_ABSENT, "COM",
                  f"same DGs as the SOD ({listed}); EF.COM also lists {names}, absent on the chip{extra}")
    return _r(CHECK_COM_SOD, Verdict.SUCCESSFUL, Reason.OK, "COM", f"same DGs as the SOD ({listed}){extra}")


# --- family 18: the chip opened with this document's MRZ / CAN --------------------------


def check_access_binding(dg1: "dg1_mod.DG1 | CccdError | None", pa: PassiveResult, access: Optional[AccessInfo],
                         *, binding_key: Optional[bytes] = None) -> CheckResult:
    """DG1 agrees with the password that opened the chip.

    Proven with ``binding_key`` (the installation's key the reader used for
    ``password_mac``); otherwise the reader's recorded comparison is reported as its
    statement. Agreement counts only when DG1 passed Passive Authentication.
    """
    kind = access.password if access else None
    if access is None or access.protocol == "NONE" or kind not in ("MRZ", "CAN"):
        return _r(CHECK_ACCESS, Verdict.NOT_SUPPORTED, Reason.NOT_PERFORMED, "DG1", "no MRZ or CAN access recorded")
    if not (access.password_binding or access.password_mac):
        return _r(CHECK_ACCESS, Verdict.NOT_SUPPORTED, Reason.NOT_PERFORMED, "DG1",
                  f"{kind} access, but no password binding recorded in this read")
    if dg1 is None:
        return _r(CHECK_ACCESS, Verdict.UNDETERMINED, Reason.NOT_PERFORMED, "DG1", "DG1 not read")
    if isinstance(dg1, CccdError):
        return _r(CHECK_ACCESS, Verdict.UNDETERMINED, Reason.DG_MALFORMED, "DG1", "DG1 does not parse")
    what = "document number, date of birth and date of expiry" if kind == "MRZ" else "last 6 digits of the ID number"
    # the MRZ candidates are needed only to prove a keyed MAC (they always exist); a CAN
    # needs DG1's CCCD ID to be comparable at all
    candidates = password_candidates(dg1, kind) if kind == "CAN" else None
    if kind == "CAN" and candidates is None:  # TR-03135-1 §5.7.2: CAN access on a document without a printed CAN relation
        return _r(CHECK_ACCESS, Verdict.NOT_SUPPORTED, Reason.NOT_PERFORMED, "DG1",
                  "CAN access: DG1 carries no CCCD ID to compare the CAN with")
    if (binding_key is not None and access.password_mac is not None
            and access.password_mac_key == binding_key_id(binding_key)):
        if candidates is None:
            candidates = password_candidates(dg1, kind) or []
        recorded = access.password_mac.lower()
        matched = any(hmac.compare_digest(access_password_mac(binding_key, kind, c), recorded) for c in candidates)
        how = "proven with the installation's binding key"
    elif access.password_binding in ("matched", "mismatched"):
        matched = access.password_binding == "matched"
        how = "the reader's comparison at read time"
        if access.password_mac is not None:
            how += "; a keyed binding is recorded, verify with its binding key to prove it"
    else:
        return _r(CHECK_ACCESS, Verdict.UNDETERMINED, Reason.NOT_PERFORMED, "DG1",
                  "only a keyed password binding is recorded, and its binding key was not given")
    if not matched:
        return _r(CHECK_ACCESS, Verdict.FAILED, Reason.DOCUMENT_BINDING_MISMATCH, "DG1",
                  f"DG1's {what} differ from the {kind} used to open the chip ({how})")
    if not pa.dg_authenticated(1):
        return _r(CHECK_ACCESS, Verdict.UNDETERMINED, Reason.DATA_NOT_AUTHENTICATED, "DG1",
                  f"DG1 matches the {kind} used for access, but did not pass Passive Authentication")
    return _r(CHECK_ACCESS, Verdict.SUCCESSFUL, Reason.OK, "DG1", f"DG1's {what} match the {kind} used for access ({how})")


# --- helpers -----------------------------------------------------------------------------


_MRZ_LENGTHS: Final = (90, 72, 88)  # TD1, TD2, TD3 (ICAO 9303-10 §4.7.1)


def _mrz_head(raw: Optional[bytes]) -> "str | CccdError | None":
    """The first five MRZ characters of DG1: document code (1-2) and issuing state (3-5) in every format (ICAO 9303-4/5/6)."""
    if raw is None:
        return None
    n = len(raw)
    # the common form (61 L 5F1F L' MRZ, short lengths filling DG1), read inline: the same
    # answer as the walk (tests/verify/test_binding_fast_path.py)
    if (5 <= n < 0x82 and raw[0] == dg1_mod.TAG and raw[1] == n - 2 and raw[2] == 0x5F and raw[3] == 0x1F
            and raw[4] == n - 5 and n - 5 in _MRZ_LENGTHS):
        return raw[5:10].decode("latin-1")
    return _mrz_head_walk(raw)


def _mrz_head_walk(raw: bytes) -> "str | CccdError":
    """:func:`_mrz_head` by the general TLV walk: every form DG1 may take, and every error."""
    try:
        outer = tlv.read_header(raw, 0, file="DG1")
        if outer.tag != dg1_mod.TAG or outer.total_len != len(raw):
            raise ParseError("DG1 is not one element with tag 61", file="DG1", offset=0)
        pos = outer.header_len
        while pos < len(raw):
            h = tlv.read_header(raw, pos, file="DG1")
            if h.tag == dg1_mod.MRZ_TAG:
                if h.length not in _MRZ_LENGTHS:
                    break
                start = pos + h.header_len
                return raw[start : start + 5].decode("latin-1")
            pos += h.total_len
    except CccdError as e:
        return e
    return ParseError("DG1 has no MRZ of a known length", file="DG1")


def _dg1(raw: Optional[bytes]) -> "dg1_mod.DG1 | CccdError | None":
    if raw is None:
        return None
    try:
        return dg1_mod.parse(raw)
    except CccdError as e:
        return e


# --- family 20: EF.CardAccess confirmed by signed SecurityInfos --------------------------


PaceOffer = frozenset[tuple[str, int, Optional[int]]]  # (protocol, version, parameterId) of each PACEInfo


def _pace_offer(infos: SecurityInfos) -> PaceOffer:
    return frozenset((i.protocol, i.version, i.parameter_id) for i in infos.pace_infos)


def _describe_offer(offer: PaceOffer) -> str:
    if not offer:
        return "none"
    return ", ".join(f"{oid} v{v} p{pid}" for oid, v, pid in sorted(offer, key=lambda t: (t[0], t[2] or -1)))


_CARD_ACCESS_CHECKS: Final["ContentCache[CheckResult]"] = ContentCache("binding.card_access against DG14", 1024)


def check_card_access(
    card_access: Optional[bytes],
    dg14: Optional[bytes],
    dg14_authenticated: bool,
    card_security_infos: Optional[SecurityInfos],
    card_security_trusted: bool,
    access: Optional[AccessInfo],
    *,
    card_security_raw: Optional[bytes] = None,
) -> CheckResult:
    """The unsigned EF.CardAccess offers exactly the PACE protocols of the signed SecurityInfos.

    The reference is DG14 when it passed Passive Authentication, else a verified
    EF.CardSecurity. No signed reference: ``not_supported`` (nothing to compare)
    or ``undetermined`` (present but not authenticated).

    Against an authenticated DG14 without EF.CardSecurity (every CCCD 2021 and most
    passports), the result depends on nothing but the exact bytes of EF.CardAccess and
    DG14 and the PACE protocol recorded, which are the same on every card of a batch: it
    is cached by them (:mod:`cccd_chip.content_cache`; a CheckResult is frozen). With
    EF.CardSecurity, only when the caller gives its exact bytes (``card_security_raw``, the
    file ``card_security_infos`` were parsed from): then they and whether it verified are
    part of the key.
    """
    protocol = None if access is None else (access.protocol, access.oid, access.parameter_id)
    if card_security_infos is None and dg14 is not None and dg14_authenticated:
        key: tuple[object, ...] = (None if card_access is None else exact_bytes(card_access), exact_bytes(dg14), protocol)
        return _CARD_ACCESS_CHECKS.get_or_compute(key, lambda: _check_card_access(
            card_access, dg14, True, None, card_security_trusted, access))
    if card_security_infos is not None and card_security_raw is not None:
        key = (None if card_access is None else exact_bytes(card_access), None if dg14 is None else exact_bytes(dg14),
               dg14_authenticated, exact_bytes(card_security_raw), card_security_trusted, protocol)
        return _CARD_ACCESS_CHECKS.get_or_compute(key, lambda: _check_card_access(
            card_access, dg14, dg14_authenticated, card_security_infos, card_security_trusted, access))
    return _check_card_access(card_access, dg14, dg14_authenticated, card_security_infos, card_security_trusted, access)


def _check_card_access(
    card_access: Optional[bytes],
    dg14: Optional[bytes],
    dg14_authenticated: bool,
    card_security_infos: Optional[SecurityInfos],
    card_security_trusted: bool,
    access: Optional[AccessInfo],
) -> CheckResult:
    signed: Optional[PaceOffer] = None
    source = ""
    if dg14 is not None and dg14_authenticated:
        try:
            signed, source = _pace_offer(dg14_mod.parse(dg14).security_infos), "DG14"
        except CccdError:
            signed = None
    if signed is None and card_security_infos is not None and card_security_trusted:
        signed, source = _pace_offer(card_security_infos), "CardSecurity"
    if signed is None:
        if dg14 is None and card_security_infos is None:
            return _r(CHECK_CARD_ACCESS, Verdict.NOT_SUPPORTED, Reason.NOT_PERFORMED, "CardAccess",
                      "no DG14 or EF.CardSecurity to confirm EF.CardAccess with")
        return _r(CHECK_CARD_ACCESS, Verdict.UNDETERMINED, Reason.DATA_NOT_AUTHENTICATED, "CardAccess",
                  "DG14 / EF.CardSecurity did not pass Passive Authentication")
    if card_access is None:
        unsigned: PaceOffer = frozenset()
    else:
        try:
            unsigned = _pace_offer(security_infos.parse(card_access, file="CardAccess"))
        except CccdError as e:
            return _r(CHECK_CARD_ACCESS, Verdict.FAILED, Reason.CARD_ACCESS_MISMATCH, "CardAccess",
                      f"EF.CardAccess does not parse ({e.reason})")
    if not signed:
        return _r(CHECK_CARD_ACCESS, Verdict.NOT_SUPPORTED, Reason.NOT_PERFORMED, "CardAccess",
                  f"{source} lists no PACEInfo; EF.CardAccess ({_describe_offer(unsigned)}) cannot be confirmed")
    if unsigned != signed:
        where = "EF.CardAccess not read" if card_access is None else f"EF.CardAccess offers {_describe_offer(unsigned)}"
        return _r(CHECK_CARD_ACCESS, Verdict.FAILED, Reason.CARD_ACCESS_MISMATCH, "CardAccess",
                  f"{where}; signed {source} offers {_describe_offer(signed)}")
    if access is not None and access.protocol == "PACE":
        used = {(oid, pid) for oid, _v, pid in signed}
        if (access.oid, access.parameter_id) not in used and (access.oid, None) not in used:
            return _r(CHECK_CARD_ACCESS, Verdict.FAILED, Reason.CARD_ACCESS_MISMATCH, "CardAccess",
                      f"PACE ran with {access.oid} p{access.parameter_id}, not offered by {source}")
    return _r(CHECK_CARD_ACCESS, Verdict.SUCCESSFUL, Reason.OK, "CardAccess",
              f"EF.CardAccess PACE offer = {source}'s ({_describe_offer(signed)})")


def _r(check: str, verdict: Verdict, reason: Reason, subject: Optional[str], detail: str) -> CheckResult:
    return CheckResult(check, verdict, reason, subject, detail)
