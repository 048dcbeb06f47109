"""Evidence of a read: what the chip proved live, kept so it can be judged again offline.

Typed records of the ``evidence`` member of a ``cccd-dump`` v1 manifest
(docs/dump-format.md). Each record is a frozen dataclass with an explicit
``to_dict`` / ``from_dict``; the JSON they write is the one the reader has
always written (same members, same order), so dumps stay byte-compatible.

- :class:`ChipAuthEvidence` - Chip Authentication v1 (ICAO 9303-11 §6.2, BSI
  TR-03110-3 §B.1): key used, the host's ephemeral key, whether a response
  verified under the new session keys;
- :class:`PaceCamEvidence` - PACE-CAM chip authentication data (ICAO 9303-11
  §4.4.3.5.2): CA_IC decrypted from A_IC and the chip's mapping key PK_map,IC;
- :class:`RecordedCheck` - the outcome of the live step in the words of a check
  (``check``/``verdict``/``reason``/``subject``/``detail``). It is a record, not a
  verdict: verification (``cccd_chip.verify``) judges the evidence again.

This module is below the access layer and the verification layer: both use it,
it imports neither. Records read from a dump are hostile input: a member of the
wrong type is a :class:`~cccd_chip.errors.DumpFormatError` (exit 6), except
where verification has always judged a malformed record (PACE-CAM data:
:class:`UnreadableEvidence`, judged ``failed``).
"""

from __future__ import annotations

import binascii
from dataclasses import dataclass, field, replace
from typing import Any, Final, Mapping, Optional, Union

from .errors import DumpFormatError
from .json_input import HexValue
from .values import FrozenValue

# Reason codes a Chip Authentication record may carry (a subset of verify.report.Reason;
# tests/architecture checks that every one is a Reason).
CA_REASONS: Final = frozenset({"OK", "CA_KEY_MISMATCH", "CA_PROTOCOL_ERROR", "CA_NOT_AVAILABLE", "DG_MALFORMED",
                        "KEY_PARAMS_INVALID", "ALGORITHM_UNSUPPORTED"})
# ... and the outcome of the live PACE-CAM check
CAM_REASONS: Final = frozenset({"OK", "CAM_DATA_INVALID", "CARD_SECURITY_NOT_VERIFIED", "ALGORITHM_UNSUPPORTED"})
# ... of which these mean "DG14's key cannot be used": CA could not be run (verified null)
CA_KEY_UNUSABLE: Final = frozenset({"DG_MALFORMED", "KEY_PARAMS_INVALID"})
CHECK_CA: Final = "chip_auth"
CHECK_CAM: Final = "pace.cam"
_MAX_U32: Final = 1 << 32


def outcome_word(proved: Optional[bool]) -> str:
    """The verdict word of a live outcome: proved, disproved, or could not tell (TR-03135-1 §3.5)."""
    return "successful" if proved is True else "failed" if proved is False else "undetermined"


@dataclass(frozen=True)
class RecordedCheck(FrozenValue):
    """A live step's outcome as written in the dump (the shape of a report's check)."""

    check: str
    verdict: str
    reason: str
    subject: Optional[str] = None
    detail: str = ""

    @classmethod
    def of(cls, check: str, subject: str, proved: Optional[bool], reason: str, detail: str) -> "RecordedCheck":
        return cls(check, outcome_word(proved), reason, subject, detail)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"check": self.check, "verdict": self.verdict, "reason": self.reason}
        if self.subject is not None:
            d["subject"] = self.subject
        if self.detail:
            d["detail"] = self.detail
        return d

    @classmethod
    def from_dict(cls, d: object, what: str) -> "RecordedCheck":
        if not isinstance(d, dict):
            raise DumpFormatError(f"dump evidence {what}.check must be an object")
        if not _CHECK_MEMBERS.issuperset(d):
            raise DumpFormatError(f"dump evidence {what}.check has an unknown member")
        for k in ("check", "verdict", "reason"):
            if not isinstance(d.get(k), str):
                raise DumpFormatError(f"dump evidence {what}.check.{k} must be a string")
        subject, detail = d.get("subject"), d.get("detail", "")
        if subject is not None and not isinstance(subject, str) or not isinstance(detail, str):
            raise DumpFormatError(f"dump evidence {what}.check has a member of the wrong type")
        return cls(d["check"], d["verdict"], d["reason"], subject, detail)


_CHECK_MEMBERS: Final = frozenset({"check", "verdict", "reason", "subject", "detail"})


def _hex(b: Optional[bytes]) -> Optional[str]:
    return None if b is None else b.hex().upper()


def unhex_member(value: object, what: str) -> Optional[bytes]:
    """A dump's hex member (a file of the single-file form, an evidence field) as bytes; None stays None.

    Hex the loader decoded already (json_input.load_json_lifting_hex) is taken as it is.
    """
    if type(value) is HexValue:
        return value.take()
    if value is None:
        return None
    if not isinstance(value, str):
        raise DumpFormatError(f"{what} must be a hex string")
    try:  # binascii first (~1.5x faster on a 25 KB DG2); bytes.fromhex, which also skips the
        # spaces between bytes, decides whatever binascii refuses
        return _a2b_hex(value)
    except (ValueError, binascii.Error):
        pass
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise DumpFormatError(f"{what} is not valid hex") from None


_a2b_hex = binascii.a2b_hex


def _small_int(v: object) -> bool:
    return v is None or (type(v) is int and 0 <= v < _MAX_U32)


@dataclass(frozen=True, init=False)
class ChipAuthEvidence(FrozenValue):
    """Chip Authentication v1 as performed by the reader (ICAO 9303-11 §6.2).

    ``verified``: True once a response verified under the new session keys, False when the
    chip refused CA or its answer did not verify (a clone), None when CA could not be run
    with DG14's key. All members None: CA was not attempted (DG14 offers no usable key);
    written as ``{}``. ``result`` is the outcome member of older dumps ("successful" /
    "failed"), kept when read. ``check`` repeats the outcome in the words of a check.
    """

    protocol: Optional[str] = None
    oid: Optional[str] = None
    key_id: Optional[int] = None
    cipher: Optional[str] = None
    pk_ifd: Optional[bytes] = None
    verified: Optional[bool] = None
    result: Optional[str] = None
    reason: Optional[str] = None
    session_lost: Optional[bool] = None
    check: Optional[RecordedCheck] = None

    def __init__(
            self,
            protocol: Optional[str] = None,
            oid: Optional[str] = None,
            key_id: Optional[int] = None,
            cipher: Optional[str] = None,
            pk_ifd: Optional[bytes] = None,
            verified: Optional[bool] = None,
            result: Optional[str] = None,
            reason: Optional[str] = None,
            session_lost: Optional[bool] = None,
            check: Optional[RecordedCheck] = None,
    ) -> None:
        # stores into the slots (values.py: the generated __init__ is interpreted Python)
        object.__setattr__(self, "protocol", protocol)
        object.__setattr__(self, "oid", oid)
        object.__setattr__(self, "key_id", key_id)
        object.__setattr__(self, "cipher", cipher)
        object.__setattr__(self, "pk_ifd", pk_ifd)
        object.__setattr__(self, "verified", verified)
        object.__setattr__(self, "result", result)
        object.__setattr__(self, "reason", reason)
        object.__setattr__(self, "session_lost", session_lost)
        object.__setattr__(self, "check", check)

    @property
    def attempted(self) -> bool:
        """False for the empty record (no usable key: CA not attempted): every member None.

        Read member by member (a comparison with ``ChipAuthEvidence()`` runs the interpreted
        ``__eq__`` of the dataclass, ~1 us a document); tests/unit/test_evidence_fields.py holds
        it to that comparison with each member set in turn."""
        return not (self.protocol is None and self.oid is None and self.key_id is None and self.cipher is None
                    and self.pk_ifd is None and self.verified is None and self.result is None
                    and self.reason is None and self.session_lost is None and self.check is None)

    @property
    def proved(self) -> Optional[bool]:
        """The recorded outcome: True (a response verified under the new keys), False, None (not recorded)."""
        if self.verified is not None:
            return self.verified
        if self.result is not None:
            return self.result == "successful"
        return None

    def finished(self, verified: Optional[bool], reason: str, detail: str, *, session_lost: bool = False
                 ) -> "ChipAuthEvidence":
        """This transcript with its outcome (what the reader records at the end of CA)."""
        if reason not in CA_REASONS:
            raise ValueError(f"not a Chip Authentication reason: {reason}")
        return replace(self, protocol=self.protocol or "CA", verified=verified, reason=reason,
                       session_lost=session_lost,
                       check=RecordedCheck.of(CHECK_CA, "DG14", verified, reason, detail))

    def with_session_lost(self, lost: bool) -> "ChipAuthEvidence":
        return replace(self, session_lost=lost)

    def to_dict(self) -> dict[str, Any]:
        """The dump's ``evidence.ca`` (member order as the reader has always written it)."""
        d: dict[str, Any] = {}
        for k, v in (("protocol", self.protocol), ("oid", self.oid), ("key_id", self.key_id),
                     ("cipher", self.cipher), ("pk_ifd", _hex(self.pk_ifd))):
            if v is not None or (k == "key_id" and self.oid is not None):  # the key used: keyId null = the only key
                d[k] = v
        if self.verified is not None or (self.reason is not None and self.result is None):
            d["verified"] = self.verified  # the reader writes null for "could not be run"
        if self.result is not None:
            d["result"] = self.result
        if self.reason is not None:
            d["reason"] = self.reason
        if self.session_lost is not None:
            d["session_lost"] = self.session_lost
        if self.check is not None:
            d["check"] = self.check.to_dict()
        return d

    @classmethod
    def from_dict(cls, ca: object) -> "ChipAuthEvidence":
        """From a dump (untrusted): wrong types or an inconsistent record are DumpFormatError."""
        if not isinstance(ca, dict):
            raise DumpFormatError("dump evidence 'ca' must be an object")
        if not cls.__dataclass_fields__.keys() >= ca.keys():
            raise DumpFormatError("dump evidence 'ca' has an unknown member")
        verified = ca.get("verified")
        if verified is not None and not isinstance(verified, bool):
            raise DumpFormatError("dump evidence ca.verified must be true, false or null")
        result = ca.get("result")
        if "result" in ca and result not in ("successful", "failed"):
            raise DumpFormatError("dump evidence ca.result must be successful or failed")
        reason = ca.get("reason")
        if reason is not None and (not isinstance(reason, str) or reason not in CA_REASONS):
            raise DumpFormatError("dump evidence ca.reason is not a known reason")
        ok: Optional[bool]
        if "verified" in ca and verified is None:  # CA could not be run: DG14's key is unusable
            if result is not None or reason not in CA_KEY_UNUSABLE:
                raise DumpFormatError("dump evidence 'ca' is inconsistent (verified null needs an unusable-key reason)")
            ok = None
        else:
            ok = verified if verified is not None else result == "successful"
            if reason is not None and (reason == "OK") != ok:
                raise DumpFormatError("dump evidence 'ca' is inconsistent (verified and reason disagree)")
        check = None
        if ca.get("check") is not None:
            c = ca["check"]
            if not isinstance(c, dict) or c.get("verdict") != outcome_word(ok) or (
                    reason is not None and c.get("reason") != reason):
                raise DumpFormatError("dump evidence 'ca' is inconsistent (check disagrees with verified)")
            check = RecordedCheck.from_dict(c, "ca")
        if not _small_int(ca.get("key_id")):
            raise DumpFormatError("dump evidence ca.key_id must be a small non-negative integer")
        for k in ("oid", "cipher", "pk_ifd", "protocol"):
            v = ca.get(k)
            if v is not None and not isinstance(v, str) and not (k == "pk_ifd" and type(v) is HexValue):
                raise DumpFormatError(f"dump evidence ca.{k} must be a string")
        if "session_lost" in ca and not isinstance(ca["session_lost"], bool):
            raise DumpFormatError("dump evidence ca.session_lost must be true or false")
        return cls(protocol=ca.get("protocol"), oid=ca.get("oid"), key_id=ca.get("key_id"), cipher=ca.get("cipher"),
                   pk_ifd=unhex_member(ca.get("pk_ifd"), "dump evidence ca.pk_ifd"), verified=verified, result=result,
                   reason=reason, session_lost=ca.get("session_lost"), check=check)


@dataclass(frozen=True)
class PaceCamEvidence(FrozenValue):
    """PACE-CAM chip authentication data (ICAO 9303-11 §4.4.3.5.2).

    ``ca_ic`` is CA_IC = SK_map,IC * SK_IC^-1 mod n, decrypted from the chip's A_IC;
    ``pk_map_ic`` the chip's ephemeral mapping key. ``parameter_id`` names the PACEInfo;
    the CA key in EF.CardSecurity has keyId = parameterId (§9.2.1), written again as
    ``key_id``. ``check``: the live check against EF.CardSecurity at read time.
    """

    oid: str
    parameter_id: Optional[int]
    ca_ic: bytes
    pk_map_ic: bytes
    key_id: Optional[int] = None
    check: Optional[RecordedCheck] = None

    @property
    def ca_key_id(self) -> Optional[int]:
        """The keyId of the CA key the data must match (parameterId, else the recorded keyId)."""
        return self.parameter_id if self.parameter_id is not None else self.key_id

    def with_check(self, proved: Optional[bool], reason: str, detail: str) -> "PaceCamEvidence":
        if reason not in CAM_REASONS:
            raise ValueError(f"not a PACE-CAM reason: {reason}")
        return replace(self, check=RecordedCheck.of(CHECK_CAM, "CardSecurity", proved, reason, detail))

    @property
    def is_empty(self) -> bool:
        return False

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"oid": self.oid, "parameter_id": self.parameter_id, "key_id": self.key_id,
                             "ca_ic": self.ca_ic.hex().upper(), "pk_map_ic": self.pk_map_ic.hex().upper()}
        if self.check is not None:
            d["check"] = self.check.to_dict()
        return d

    @classmethod
    def from_dict(cls, d: object) -> "PaceCamEvidence | UnreadableEvidence":
        """From a dump: a record of the reader's form, else :class:`UnreadableEvidence` (judged failed)."""
        if not isinstance(d, dict):
            raise DumpFormatError("dump evidence 'pace_cam' must be an object")
        problem = _cam_problem(d)
        if problem is not None:
            return UnreadableEvidence(dict(d), problem)
        check = d.get("check")
        try:
            recorded = None if check is None else RecordedCheck.from_dict(check, "pace_cam")
        except DumpFormatError as e:
            return UnreadableEvidence(dict(d), e.message)
        return cls(d["oid"], d.get("parameter_id"), bytes.fromhex(d["ca_ic"]), bytes.fromhex(d["pk_map_ic"]),
                   d.get("key_id"), recorded)


_CAM_MEMBERS: Final = frozenset({"oid", "parameter_id", "key_id", "ca_ic", "pk_map_ic", "check"})


def _cam_problem(d: Mapping[str, object]) -> Optional[str]:
    if not _CAM_MEMBERS.issuperset(d):
        return "unknown member"
    if not d:
        return "empty"
    if not isinstance(d.get("oid"), str):
        return "oid missing or not a string"
    for k in ("parameter_id", "key_id"):
        if not _small_int(d.get(k)):
            return f"{k} is not a small non-negative integer"
    for k in ("ca_ic", "pk_map_ic"):
        v = d.get(k)
        if not isinstance(v, str):
            return f"{k} missing or not a string"
        try:
            bytes.fromhex(v)
        except ValueError:
            return f"{k} is not hex"
    return None


@dataclass(frozen=True)
class UnreadableEvidence(FrozenValue):
    """An evidence object of a dump that is not of the form the reader writes.

    Kept verbatim (the dump is written back unchanged); verification judges it
    (PACE-CAM: ``failed``, CAM_DATA_INVALID; an empty object: not performed).
    """

    raw: Mapping[str, Any] = field(repr=False)
    problem: str

    @property
    def is_empty(self) -> bool:
        return not self.raw

    def to_dict(self) -> dict[str, Any]:
        return dict(self.raw)


CamRecord = Union[PaceCamEvidence, UnreadableEvidence]

_TA_STRINGS: Final = ("protocol", "outcome", "reason", "detail", "terminal", "effective_rights", "offline_chain", "proof",
               "step", "sw")
_TA_LISTS: Final = ("chip_cars", "sent", "granted", "eac_files_read", "read_without_ta")
TA_OUTCOMES: Final = frozenset({"successful", "refused", "not_attempted"})


def check_ta_record(ta: object) -> Mapping[str, Any]:
    """Evidence.ta from a dump (untrusted): known members of the types the reader writes
    (``access.ta.TaResult.to_json`` + the EAC files read; TR-03110-1 §3.3, docs/eac.md)."""
    if not isinstance(ta, dict):
        raise DumpFormatError("dump evidence 'ta' must be an object")
    for k, v in ta.items():
        if k in _TA_STRINGS:
            ok = v is None or (isinstance(v, str) and len(v) <= 1024)
        elif k in _TA_LISTS:
            ok = isinstance(v, list) and len(v) <= 16 and all(isinstance(x, str) and len(x) <= 64 for x in v)
        elif k == "version":
            ok = type(v) is int and v in (1, 2)
        else:
            raise DumpFormatError("dump evidence 'ta' has an unknown member")
        if not ok:
            raise DumpFormatError(f"dump evidence ta.{k} has a wrong type or form")
    if ta.get("outcome") not in TA_OUTCOMES:
        raise DumpFormatError("dump evidence ta.outcome has an unknown value")
    return ta


@dataclass(frozen=True, init=False)
class Evidence(FrozenValue):
    """Proofs gathered on the card that can be re-checked offline.

    ``aa_*``: Active Authentication challenge and signature (ICAO 9303-11 §6.1).
    ``ca``: Chip Authentication transcript and outcome (:class:`ChipAuthEvidence`).
    ``pace_cam``: PACE-CAM chip authentication data (:class:`PaceCamEvidence`), to be
    checked against EF.CardSecurity.
    ``ta``: Terminal Authentication (``access.ta.TaResult.to_json`` + the EAC files read):
    what was proven TO the chip during the read; recorded, not re-provable offline
    (docs/verification.md). A checked mapping (:func:`check_ta_record`).
    """

    aa_challenge: Optional[bytes] = None
    aa_signature: Optional[bytes] = None
    ca: Optional[ChipAuthEvidence] = None
    pace_cam: Optional[CamRecord] = None
    ta: Optional[Mapping[str, Any]] = None

    def __init__(
            self,
            aa_challenge: Optional[bytes] = None,
            aa_signature: Optional[bytes] = None,
            ca: Optional[ChipAuthEvidence] = None,
            pace_cam: Optional[CamRecord] = None,
            ta: Optional[Mapping[str, Any]] = None,
    ) -> None:
        # stores into the slots (values.py: the generated __init__ is interpreted Python)
        object.__setattr__(self, "aa_challenge", aa_challenge)
        object.__setattr__(self, "aa_signature", aa_signature)
        object.__setattr__(self, "ca", ca)
        object.__setattr__(self, "pace_cam", pace_cam)
        object.__setattr__(self, "ta", ta)

    def to_json(self) -> dict[str, Any]:
        """The dump's ``evidence`` object (cccd-dump v1)."""
        out: dict[str, Any] = {}
        if self.aa_challenge is not None:
            out["aa_challenge"] = self.aa_challenge.hex().upper()
        if self.aa_signature is not None:
            out["aa_signature"] = self.aa_signature.hex().upper()
        if self.ca is not None:
            out["ca"] = self.ca.to_dict()
        if self.pace_cam is not None:
            out["pace_cam"] = self.pace_cam.to_dict()
        if self.ta is not None:
            out["ta"] = dict(self.ta)
        return out

    def to_dict(self) -> dict[str, Any]:
        """The same as :meth:`to_json`."""
        return self.to_json()

    @classmethod
    def from_json(cls, d: object) -> "Evidence":
        """From a dump manifest (untrusted)."""
        if not isinstance(d, dict):
            raise DumpFormatError("dump 'evidence' must be an object")
        for key in ("ca", "pace_cam"):
            if d.get(key) is not None and not isinstance(d[key], dict):
                raise DumpFormatError(f"dump evidence '{key}' must be an object")
        ca = d.get("ca")
        cam = d.get("pace_cam")
        return cls(
            aa_challenge=unhex_member(d.get("aa_challenge"), "aa_challenge"),
            aa_signature=unhex_member(d.get("aa_signature"), "aa_signature"),
            ca=None if ca is None else ChipAuthEvidence.from_dict(ca),
            pace_cam=None if cam is None else PaceCamEvidence.from_dict(cam),
            ta=None if d.get("ta") is None else check_ta_record(d["ta"]),
        )

    @classmethod
    def from_dict(cls, d: object) -> "Evidence":
        """The same as :meth:`from_json`."""
        return cls.from_json(d)
