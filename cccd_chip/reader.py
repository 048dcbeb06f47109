"""Orchestration: select -> access control -> COM, SOD -> DG14 + CA -> DGs -> AA -> Document.

The access policy (ICAO 9303-11 §4.2, TR-03135-1 §3.5.2): PACE when
EF.CardAccess offers it, BAC otherwise. When PACE fails, BAC is tried only
if the caller allowed the fallback, and the result says so. Never silently.

Any transport failure (card removed, reset, reader gone) ends the read: no
partial Document is returned; the caller reports ``aborted``.
"""

from __future__ import annotations

import datetime as _dt
import hmac
import logging
import os
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable, Optional, Sequence

from ._version import TOOL_NAME
from .access import chip_auth, passwords
from .access.active_auth import perform_active_authentication
from .access.bac import perform_bac
from .access.pace import PaceResult, check_against_card_security, perform_pace
from .access.pace.cam import card_security_unreadable
from .channel import CardChannel, Progress, ReadBudget
from .crypto.domain_params import DomainPolicy
from .document import AccessInfo, Document, access_password_mac, binding_key_id
from .evidence import ChipAuthEvidence, Evidence, PaceCamEvidence
from .errors import (
    CardError,
    CccdError,
    FileNotFoundOnCardError,
    ParseError,
    ProtocolError,
    SecureMessagingError,
    SecurityStatusNotSatisfiedError,
    UnsupportedError,
    UsageError,
)
from .iso7816 import tlv
from .lds import registry, security_infos
from .lds.access_keys import password_candidates
from .lds.security_infos import PaceInfo, SecurityInfos
from .sm.base import SecureMessaging
from .transport.base import Transport

if TYPE_CHECKING:
    from .access.ta import TaResult, Terminal

log = logging.getLogger("cccd_chip.reader")

Rng = Callable[[int], bytes]

# name -> (FID, SFI, tag) from the LDS registry (ICAO 9303-10 §4.6)
FILES: dict[str, tuple[int, Optional[int], Optional[int]]] = {
    f.name: (f.fid, f.sfi, f.tag) for f in registry.FILES
}
TAG_TO_NAME = {f.tag: f.name for f in registry.FILES if f.dg is not None}
EAC_FILES = ("DG3", "DG4")
MAX_REAUTH = 2  # re-authentications after the chip ended SM (TR-03110-3 §F.6; catalogue family 8)
SM_ENDED = (0x6987, 0x6988)


def system_rng(n: int) -> bytes:
    return os.urandom(n)


@dataclass(frozen=True)
class Credential:
    """What the operator typed: CAN and/or MRZ data. Never printed."""

    can: Optional[str] = None
    document_number: Optional[str] = None
    date_of_birth: Optional[str] = None
    date_of_expiry: Optional[str] = None

    def __repr__(self) -> str:
        kinds = [k for k, v in (("CAN", self.can), ("MRZ", self.document_number)) if v]
        return f"Credential({'+'.join(kinds) or 'none'})"

    __str__ = __repr__

    @classmethod
    def from_cccd_id(cls, id12: str, dob: Optional[str] = None, doe: Optional[str] = None) -> "Credential":
        """CCCD: CAN = last 6 digits; with DOB and DOE also the BAC key (last 9 digits)."""
        can = passwords.cccd_can(id12)
        if (dob is None) != (doe is None):
            raise UsageError("give both the date of birth and the date of expiry (or neither)")
        if dob is None or doe is None:
            return cls(can=can)
        passwords.mrz_information(passwords.cccd_document_number(id12), dob, doe)  # validates
        return cls(can, passwords.cccd_document_number(id12), dob, doe)

    @classmethod
    def from_can(cls, can: str) -> "Credential":
        passwords.can_password(can)
        return cls(can=can.strip())

    @classmethod
    def from_mrz(cls, doc: str, dob: str, doe: str) -> "Credential":
        passwords.mrz_information(doc, dob, doe)
        return cls(None, doc, dob, doe)

    @classmethod
    def from_mrz_text(cls, text: str) -> "Credential":
        return cls.from_mrz(*passwords.parse_mrz_lines(text))

    @property
    def mrz(self) -> Optional[passwords.Password]:
        if not self.document_number:
            return None
        return passwords.mrz_password(self.document_number, self.date_of_birth or "", self.date_of_expiry or "")

    @property
    def can_password(self) -> Optional[passwords.Password]:
        return passwords.can_password(self.can) if self.can else None


@dataclass(frozen=True)
class ReadOptions:
    files: Optional[tuple[str, ...]] = None  # None: everything EF.COM lists (+ SOD)
    allow_bac_fallback: bool = False
    force: Optional[str] = None  # "BAC" | "PACE" | None (policy)
    chip_auth: bool = True
    active_auth: bool = True
    max_le: int = 256  # cap on short Le; under SM the channel fits the protected answer in 256 bytes
    extended: Optional[bool] = None  # None: detect (unprotected probe, EF.ATR/INFO); True/False: force
    max_ext_le: int = 0xFF00
    sfi: bool = True
    # explicit PACE / CA domain parameters (not one of ICAO 9303-11 Table 12): refused unless
    # allowed, and then only when strong enough (crypto.domain_params.check_strength)
    allow_explicit_domain: bool = False
    # APDU / time / drip-feed bounds of one read (channel.ReadBudget); exceeded: AbortedError, exit 4
    budget: ReadBudget = ReadBudget()
    # the installation's binding key (>= 16 bytes, kept apart from records): AccessInfo.password_mac
    binding_key: Optional[bytes] = field(default=None, repr=False)
    # the inspection system for Terminal Authentication (access/ta.py): DG3/DG4 when its rights allow
    terminal: Optional["Terminal"] = field(default=None, repr=False)

    @property
    def domain_policy(self) -> DomainPolicy:
        from .crypto.domain_params import EXPLICIT_ALLOWED, STRICT

        return EXPLICIT_ALLOWED if self.allow_explicit_domain else STRICT


@dataclass
class ReadStats:
    apdus: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    seconds: float = 0.0
    extended: Optional[bool] = None  # whether extended length was used (None: never decided)
    adaptations: list[str] = field(default_factory=list)  # what the channel learnt about the chip (no secrets)
    reauthentications: int = 0  # times access control was re-run after the chip ended SM


@dataclass
class _Ctx:
    channel: CardChannel
    rng: Rng
    access: Optional[AccessInfo] = None
    files: dict[str, bytes] = field(default_factory=dict)
    absent: dict[str, str] = field(default_factory=dict)
    ca: Optional[ChipAuthEvidence] = None  # Evidence.ca
    pace_cam: Optional[PaceCamEvidence] = None  # Evidence.pace_cam
    reopen: Optional[Callable[[], None]] = None
    reauthentications: int = 0
    password: Optional[passwords.Password] = None  # what opened the chip (never stored as such)
    options: ReadOptions = field(default_factory=ReadOptions)
    id_picc: Optional[bytes] = field(default=None, repr=False)  # ID_PICC for TA (BAC: doc no + cd; PACE: Comp)
    pace_cars: tuple[bytes, ...] = ()  # CARs of the PACE result (TR-03110-3 §B.1)
    ta: Optional["TaResult"] = None
    eac_tried: bool = False


def read_document(
    transport: Transport,
    credential: Credential,
    *,
    rng: Rng = system_rng,
    options: ReadOptions = ReadOptions(),
    progress: Optional[Progress] = None,
    source: Optional[str] = None,
    stats: Optional[ReadStats] = None,
) -> Document:
    """Read one document over ``transport``. Raises the project's errors; never returns a partial read.

    Every protocol driver (BAC, PACE, Chip Authentication) returns its secure messaging
    session; this function, and only it, installs each on the channel.
    """
    import time

    t0 = time.perf_counter()
    ch = CardChannel(transport, max_le=options.max_le, extended=options.extended, max_ext_le=options.max_ext_le,
                     sfi_reads=options.sfi,
                     progress=progress, budget=options.budget)
    ctx = _Ctx(ch, rng, options=options)
    try:
        card_access = _read_card_access(ctx)
        _access_control(ctx, credential, card_access, options)
        _read_files(ctx, options)
        doc_evidence = _chip_checks(ctx, options)
    finally:
        if stats is not None:
            stats.apdus = ch.apdu_count
            stats.bytes_sent = ch.bytes_sent
            stats.bytes_received = ch.bytes_received
            stats.extended = ch.extended
            stats.adaptations = list(ch.adaptations)
            stats.reauthentications = ctx.reauthentications
            stats.seconds = time.perf_counter() - t0
    return Document(
        files=dict(ctx.files),
        absent=dict(ctx.absent),
        access=_with_password_binding(ctx),
        evidence=doc_evidence,
        read_at=_dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        tool=TOOL_NAME,
        source=source,
    )


# --- steps --------------------------------------------------------------------


def _with_password_binding(ctx: _Ctx) -> Optional[AccessInfo]:
    """AccessInfo with the binding of the access password to DG1 (verify/binding.py, issue 10).

    Recorded only where DG1 says which password opens the document (the MRZ data;
    a CAN only for a CCCD, whose CAN is the tail of the ID number in DG1):
    ``password_binding`` = matched / mismatched, and with ``ReadOptions.binding_key``
    an HMAC under that key. Never the password or an unkeyed hash of it.
    """
    access, pw = ctx.access, ctx.password
    if access is None or pw is None:
        return access
    dg1 = ctx.files.get("DG1")
    if dg1 is None:
        return access
    from .lds import dg1 as dg1_mod

    try:
        candidates = password_candidates(dg1_mod.parse(dg1), pw.kind)
    except CccdError:  # DG1 malformed: nothing to record, verification reports DG1
        return access
    if candidates is None:
        return access
    matched = any(hmac.compare_digest(bytes(pw.value), c) for c in candidates)
    access = replace(access, password_binding="matched" if matched else "mismatched")
    key = ctx.options.binding_key
    if key is not None:
        access = replace(access, password_mac=access_password_mac(key, pw.kind, pw.value),
                         password_mac_key=binding_key_id(key))
    return access


def _read_card_access(ctx: _Ctx) -> Optional[bytes]:
    """EF.CardAccess by SFI (or FID) without selecting the MF."""
    fid, sfi, _ = FILES["CardAccess"]
    try:
        data = ctx.channel.read_ef("CardAccess", fid=fid, sfi=sfi, max_size=4096)
    except (FileNotFoundOnCardError, SecurityStatusNotSatisfiedError) as e:
        ctx.absent["CardAccess"] = f"{e.sw:04X}"
        return None
    except CardError as e:
        ctx.absent["CardAccess"] = f"{e.sw:04X}" if e.sw else "error"
        return None
    ctx.files["CardAccess"] = data
    return data


def _access_control(ctx: _Ctx, cred: Credential, card_access: Optional[bytes], opt: ReadOptions) -> None:
    """PACE when offered, else BAC; BAC after a failed PACE only when allowed (recorded)."""
    ch = ctx.channel
    pace_error: Optional[CccdError] = None
    pace_offered = False
    if card_access is not None and opt.force != "BAC":
        infos: Optional[SecurityInfos] = None
        try:
            infos = security_infos.parse(card_access)
        except ParseError as e:
            pace_error = e
            log.info("EF.CardAccess malformed: %s", e.reason)
            if not opt.allow_bac_fallback:
                raise
        pace_offered = bool(infos is not None and infos.pace_infos)
        if infos is not None and pace_offered:
            offered = infos
            pw = cred.can_password or cred.mrz
            if pw is None:
                raise UsageError("no credential given (CAN, CCCD ID or MRZ data)")
            try:
                _do_pace(ctx, offered, pw)
                ch.select_aid()
                ctx.reopen = lambda: _reopen_pace(ctx, offered, pw)
                return
            except (ProtocolError, CardError, UnsupportedError) as e:
                pace_error = e
                log.info("PACE failed: %s", e.reason)
                if not opt.allow_bac_fallback or cred.mrz is None:
                    raise
                ch.stop_sm()
    if opt.force == "PACE" and not pace_offered:
        raise UnsupportedError("PACE was requested but EF.CardAccess offers no PACE")
    mrz = cred.mrz
    if mrz is None:
        if cred.can:
            raise UsageError("the chip offers no PACE; BAC needs the MRZ data (document number, date of birth, date of expiry)")
        raise UsageError("no credential given")
    _do_bac(ctx, mrz)
    ctx.reopen = lambda: _do_bac(ctx, mrz)
    fallback = pace_error is not None
    ctx.password = mrz
    ctx.id_picc = mrz.value[:10]  # ID_PICC after BAC: document number + check digit (TR-03110-3 §B.11.6)
    ctx.access = AccessInfo(
        protocol="BAC", password="MRZ", cipher="3DES", fallback=fallback,
        fallback_reason=(f"PACE failed: {pace_error}" if fallback else None),
    )


def _install(channel: CardChannel, sm: SecureMessaging) -> None:
    """Start a driver's session on the channel: the one place secure messaging begins (ICAO 9303-11 §9.8)."""
    channel.start_sm(sm)


def _do_bac(ctx: _Ctx, mrz: passwords.Password) -> None:
    ch = ctx.channel
    ch.stop_sm()
    ch.select_aid()
    _install(ch, perform_bac(ch, mrz.bac_seed(), ctx.rng).sm)


@dataclass(frozen=True)
class PaceSession:
    """PACE established on a channel: the driver's result, and with PACE-CAM EF.CardSecurity
    and the CAM data with the live check against it recorded."""

    result: PaceResult
    cam: Optional[PaceCamEvidence] = None
    card_security: Optional[bytes] = None


def establish_pace(channel: CardChannel, infos: "SecurityInfos | PaceInfo | Sequence[PaceInfo]", pw: passwords.Password, rng: Rng, *,
                   domain_policy: Optional[DomainPolicy] = None) -> PaceSession:
    """PACE (ICAO 9303-11 §4.4): run the driver, install its session; with PACE-CAM read
    EF.CardSecurity under it (MF still current, BSI TR-03110-3 §A.1.2.5) and record the CAM
    data checked against its CA key (its signature is verified offline, like a SOD)."""
    from .crypto.domain_params import STRICT

    policy = STRICT if domain_policy is None else domain_policy
    result = perform_pace(channel, infos, pw, rng, domain_policy=policy)
    _install(channel, result.sm)
    if result.cam is None:
        return PaceSession(result)
    try:
        card_security = channel.read_ef("CardSecurity", fid=0x011D, sfi=0x1D, max_size=65536)
    except (CardError, ParseError) as e:  # the session itself is fine: record, go on
        return PaceSession(result, card_security_unreadable(result.cam, e))
    return PaceSession(result, check_against_card_security(result.cam, card_security, policy=policy), card_security)


def _do_pace(ctx: _Ctx, infos: SecurityInfos, pw: passwords.Password) -> None:
    from .eac.ta import comp

    session = establish_pace(ctx.channel, infos, pw, ctx.rng, domain_policy=ctx.options.domain_policy)
    ctx.access = session.result.access
    # ID_PICC after PACE: Comp(~PK_PICC) of the chip's ephemeral key (TR-03110-3 §B.11.6)
    ctx.id_picc = comp(session.result.chip_ephemeral_key, session.result.info.algorithm.key_agreement)
    ctx.pace_cars = tuple(session.result.cars)
    ctx.password = pw
    ctx.pace_cam = session.cam
    if session.card_security is not None:
        ctx.files["CardSecurity"] = session.card_security


def _reopen_pace(ctx: _Ctx, infos: SecurityInfos, pw: passwords.Password) -> None:
    """Re-establish access after Chip Authentication failed (the chip dropped SM).

    The same APDUs as the first run (PACE-CAM reads EF.CardSecurity again); nothing is kept.
    """
    ctx.channel.stop_sm()
    establish_pace(ctx.channel, infos, pw, ctx.rng, domain_policy=ctx.options.domain_policy)
    ctx.channel.select_aid()


def _read_resumable(ctx: _Ctx, name: str) -> Optional[bytes]:
    """Read one EF; when the chip ends secure messaging (6987/6988), re-authenticate and read again.

    Only a session end the chip reports is resumed: a MAC or cryptogram failure
    stays fatal (never downgraded). Files already read are immutable (ICAO 9303-10
    §4.6 / D9 §5.3) and are verified against the SOD later, like every file. After
    Chip Authentication the new session repeats it; at most MAX_REAUTH times.
    """
    while True:
        try:
            return _read_one(ctx, name)
        except SecureMessagingError as e:
            if e.sw not in SM_ENDED or ctx.reopen is None or ctx.reauthentications >= MAX_REAUTH:
                raise
            ctx.reauthentications += 1
            log.info("chip ended secure messaging (SW %04X) while reading %s: re-authenticating", e.sw, name)
            ctx.reopen()
            if ctx.ca is not None and ctx.ca.verified is True and "DG14" in ctx.files:
                _redo_chip_authentication(ctx)


def _redo_chip_authentication(ctx: _Ctx) -> None:
    """Chip Authentication again on the re-opened session; it must succeed again."""
    ev = _run_chip_authentication(ctx, ctx.files["DG14"], reopen=None)
    if ev.verified is not True:
        raise SecureMessagingError("Chip Authentication failed after re-authentication", reason="SM_INTEGRITY")


def _read_one(ctx: _Ctx, name: str) -> Optional[bytes]:
    """Read one EF; a denied or missing file is recorded in ``absent`` (verification judges it)."""
    fid, sfi, tag = FILES[name]
    try:
        data = ctx.channel.read_ef(name, fid=fid, sfi=sfi)
    except SecurityStatusNotSatisfiedError as e:
        ctx.absent[name] = _eac_absent(ctx, name) if name in EAC_FILES else f"access denied ({e.sw:04X})"
        return None
    except FileNotFoundOnCardError:
        ctx.absent[name] = "not found (6A82)"
        return None
    if tag is not None and data[0] != tag:
        raise ParseError(f"{name} starts with tag {data[0]:02X}, expected {tag:02X}", file=name, offset=0)
    ctx.files[name] = data
    return data


def _read_ef_cvca(ch: CardChannel) -> Optional[bytes]:
    """EF.CVCA: a fixed 36-byte file of one or two CAR objects (not one TLV), read as such; None if absent."""
    from .eac import ef_cvca

    try:
        if ch.sfi_reads:
            data, sw = ch.read_chunk(0, ef_cvca.FILE_SIZE, sfi=ef_cvca.SFI, name="CVCA")
        else:
            ch.select_fid(ef_cvca.FID, "CVCA")
            data, sw = ch.read_chunk(0, ef_cvca.FILE_SIZE, sfi=None, name="CVCA")
    except (CardError, ParseError) as e:
        log.info("EF.CVCA not readable (%s)", e.reason)
        return None
    if sw not in (0x9000, 0x6282):
        log.info("EF.CVCA not readable (SW %04X)", sw)
        return None
    return bytes(data)


def _eac_absent(ctx: _Ctx, name: str) -> str:
    """Why an EAC-protected file stayed closed (docs/eac.md): no chain, TA failed, rights too narrow."""
    ta = ctx.ta
    if ta is None:
        return "EAC-protected (6982): not readable without Terminal Authentication"
    if ta.outcome == "successful":
        if not ta.covers(name):
            return f"EAC-protected (6982): the terminal's rights do not cover {name} (effective CHAT {ta.effective_rights})"
        return "EAC-protected (6982): refused by the chip after Terminal Authentication"
    if ta.outcome == "refused":
        return f"EAC-protected (6982): the chip refused Terminal Authentication at {ta.step} (SW {ta.sw:04X})"
    return f"EAC-protected (6982): Terminal Authentication not attempted: {ta.detail}"


def _com_names(com: bytes) -> list[str]:
    outer = tlv.decode_one(com, expected_tag=0x60, file="COM")
    taglist = None
    for item in tlv.iter_tlv(outer.value, file="COM"):
        if item.tag == 0x5C:
            taglist = item.value
    if taglist is None:
        raise ParseError("EF.COM has no tag list (5C)", file="COM")
    names = []
    for t in taglist:
        n = TAG_TO_NAME.get(t)
        if n and n not in names:
            names.append(n)
    return names


def _sod_names(sod: Optional[bytes]) -> list[str]:
    """DGs the SOD lists (a malformed SOD lists none here; verification reports it)."""
    if sod is None:
        return []
    from .lds import sod as sod_mod

    try:
        lso = sod_mod.parse(sod).security_object
    except (ParseError, UnsupportedError):
        return []
    return [f"DG{h.number}" for h in lso.data_group_hashes if f"DG{h.number}" in FILES]


def _read_files(ctx: _Ctx, opt: ReadOptions) -> None:
    """EF.COM and EF.SOD first, then every DG either lists (DG14 + CA first).

    EF.COM is an unsigned hint (TR-03135-1 §5.6.2; LDS 1.8 drops it): the
    authoritative list is the SOD's, so a DG missing from EF.COM is read too.
    """
    com = _read_resumable(ctx, "COM")
    sod = _read_resumable(ctx, "SOD")
    names = _com_names(com) if com is not None else []
    names += [n for n in _sod_names(sod) if n not in names]
    if opt.files is not None:
        names = [n for n in opt.files if n in FILES and n not in ("CardAccess", "COM", "SOD")]
    order = sorted(names, key=lambda n: int(n[2:]))
    # DG14 first: Chip Authentication upgrades the session before the rest is read.
    if "DG14" in order:
        order.remove("DG14")
        order.insert(0, "DG14")
    for name in order:
        if name in EAC_FILES and opt.terminal is not None and not ctx.eac_tried:
            ctx.eac_tried = True
            _terminal_authentication(ctx, opt.terminal)
        _read_resumable(ctx, name)
        if name == "DG14" and opt.chip_auth:
            if opt.terminal is not None and not ctx.eac_tried and _ta_version(ctx) == 2:
                ctx.eac_tried = True  # TA v2: after PACE, before CA, with the ephemeral key CA will use
                _chip_authentication(ctx, ephemeral=_terminal_authentication_v2(ctx, opt.terminal))
            else:
                _chip_authentication(ctx)


def _ta_version(ctx: _Ctx) -> int:
    """2 when PACE opened the chip and DG14 (signed) or EF.CardAccess announces TA version 2, else 1."""
    if ctx.access is None or ctx.access.protocol != "PACE":
        return 1
    versions: list[int] = []
    for name in ("DG14", "CardAccess"):
        raw = ctx.files.get(name)
        if raw is None:
            continue
        try:
            infos = chip_auth.parse_dg14(raw) if name == "DG14" else security_infos.parse(raw)
        except CccdError:
            continue
        versions += [i.version for i in infos.terminal_authentication_infos]
    return 2 if 2 in versions else 1


def _terminal_authentication_v2(ctx: _Ctx, terminal: "Terminal") -> Optional[tuple[int, object]]:
    """TA version 2 (TR-03110-1 §3.3, -3 §B.11.1): announce Comp() of the ephemeral key Chip
    Authentication will use, then TA; returns that key pair for CA (None: CA draws its own)."""
    from .access.ta import NOT_ATTEMPTED, R_NOT_OFFERED, TaContext, TaResult, parse_chip_cars, perform_ta
    from .eac.ta import comp

    domain = chip_auth.ca_domain(ctx.files["DG14"], ctx.options.domain_policy)
    if domain is None or ctx.id_picc is None:
        ctx.ta = TaResult(NOT_ATTEMPTED, R_NOT_OFFERED, "Terminal Authentication v2 needs a usable Chip "
                          "Authentication key in DG14", version=2)
        return None
    sk, pk = domain.generate(ctx.rng)
    context = TaContext(parse_chip_cars(_read_ef_cvca(ctx.channel), ctx.pace_cars), ctx.id_picc,
                        comp(domain.encode(pk), domain.kind), version=2)
    ctx.ta = perform_ta(ctx.channel, terminal, context)
    return sk, pk


def _terminal_authentication(ctx: _Ctx, terminal: "Terminal") -> None:
    """TA version 1 after Chip Authentication v1 (ICAO 9303-11 §7.1; TR-03110-1 §3.3), once per read.

    The chip's trust points come from the PACE result's CARs and EF.CVCA (FID 011C in the
    eMRTD application). Without a successful CA (TA v1 needs its session and PK_PCD) TA is
    not attempted; the outcome is recorded in ``Evidence.ta`` either way.
    """
    from .access.ta import NOT_ATTEMPTED, R_NOT_OFFERED, TaContext, TaResult, parse_chip_cars, perform_ta
    from .eac.ta import comp
    from .lds import security_infos as si

    ca = ctx.ca
    if ca is None or ca.verified is not True or ca.pk_ifd is None or ctx.id_picc is None:
        ctx.ta = TaResult(NOT_ATTEMPTED, R_NOT_OFFERED,
                          "Terminal Authentication v1 needs a successful Chip Authentication first")
        return
    raw_cvca = _read_ef_cvca(ctx.channel)
    alg = si.ca_algorithm(ca.oid or "")
    kind = alg.key_agreement if alg is not None else "ECDH"
    context = TaContext(parse_chip_cars(raw_cvca, ctx.pace_cars), ctx.id_picc,
                        comp(ca.pk_ifd, kind), version=1)
    ctx.ta = perform_ta(ctx.channel, terminal, context)


def _chip_authentication(ctx: _Ctx, ephemeral: Optional[tuple[int, object]] = None) -> None:
    dg14 = ctx.files.get("DG14")
    if dg14 is None:
        return
    ctx.ca = _run_chip_authentication(ctx, dg14, reopen=ctx.reopen, ephemeral=ephemeral)


def _run_chip_authentication(ctx: _Ctx, dg14: bytes, *, reopen: Optional[Callable[[], None]],
                             ephemeral: Optional[tuple[int, object]] = None) -> ChipAuthEvidence:
    return chip_authentication(ctx.channel, dg14, ctx.rng, domain_policy=ctx.options.domain_policy, reopen=reopen,
                               ephemeral=ephemeral)


def chip_authentication(channel: CardChannel, dg14: bytes, rng: Rng, *, domain_policy: Optional[DomainPolicy] = None,
                        reopen: Optional[Callable[[], None]] = None,
                        ephemeral: Optional[tuple[int, object]] = None) -> ChipAuthEvidence:
    """Chip Authentication (ICAO 9303-11 §6.2) on a channel under BAC/PACE secure messaging.

    The driver agrees keys, the reader installs the new session, the driver proves it. When
    the chip's answer does not verify under the new keys the session is dead: access is
    re-opened with ``reopen``, else the evidence records the session lost.
    """
    result = chip_auth.perform_chip_authentication(channel, dg14, rng, domain_policy=domain_policy, ephemeral=ephemeral)
    if result.session is None:
        return result.evidence
    _install(channel, result.session)
    confirmed = chip_auth.confirm_session(channel, result.evidence)
    if not confirmed.session_ended:
        return confirmed.evidence
    channel.stop_sm()
    if reopen is not None:
        reopen()
    return confirmed.evidence.with_session_lost(reopen is None)


def _chip_checks(ctx: _Ctx, opt: ReadOptions) -> Evidence:
    aa_challenge = aa_signature = None
    if opt.active_auth and "DG15" in ctx.files:
        aa = perform_active_authentication(ctx.channel, ctx.rng)
        aa_challenge, aa_signature = aa.challenge, aa.signature
        if aa.signature is None:
            ctx.absent["AA"] = f"INTERNAL AUTHENTICATE answered {aa.sw:04X}"
    return Evidence(aa_challenge=aa_challenge, aa_signature=aa_signature, ca=ctx.ca, pace_cam=ctx.pace_cam,
                    ta=_ta_evidence(ctx))


def _ta_evidence(ctx: _Ctx) -> Optional[dict[str, Any]]:
    """Evidence.ta: the TA outcome and which EAC files were read (a read without TA is noted)."""
    eac_read = [n for n in EAC_FILES if n in ctx.files]
    if ctx.ta is None and not eac_read:
        return None
    out: dict[str, Any] = ctx.ta.to_json() if ctx.ta is not None else {"protocol": "TA", "outcome": "not_attempted",
                                                             "reason": "NOT_PERFORMED", "detail": "no terminal chain given"}
    out["eac_files_read"] = eac_read
    if eac_read and (ctx.ta is None or not ctx.ta.successful):
        out["read_without_ta"] = eac_read  # the chip did not protect them (an access-control defect)
    return out
