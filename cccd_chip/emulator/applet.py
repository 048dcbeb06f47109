"""The eMRTD applet of the virtual chip: ``process(C-APDU) -> R-APDU``.

An INS table dispatches plain commands (after secure messaging has been
removed) to handlers. Protocol modules (PACE, CA, AA) plug in with
:meth:`Applet.register`. The applet enforces what a real chip enforces:
- files other than EF.CardAccess (and EF.ATR/INFO) need an SM session;
- EAC-protected files (DG3/DG4) answer 6982;
- inside an SM session an unprotected command ends the session (6987),
  a protected command with a bad MAC ends it too (6988) (TR-03110-3 §F.6);
- SELECT of the MF answers the profile's status word (CCCD: 6D00).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from ..access.bac import derive_keys
from ..errors import CccdError, ProtocolError, SecureMessagingError
from ..iso7816 import tlv
from ..iso7816.apdu import CommandApdu
from ..sm.tdes import TdesCipher
from .bac_card import answer_external_authenticate
from .card import CardFile, VirtualCard
from .determinism import Drbg
from .sm_card import CardSm

Handler = Callable[["Applet", CommandApdu], "Reply"]

ICAO_AID = bytes.fromhex("A0000002471001")
OPEN_FILES = ("CardAccess", "ATRINFO")


@dataclass(frozen=True)
class Reply:
    """A handler's answer: plain data + SW, and what to do with SM afterwards."""

    data: bytes = b""
    sw: int = 0x9000
    new_sm: Optional[CardSm] = None  # installed after this reply is wrapped
    plain: bool = False  # answer without SM wrapping (e.g. the last PACE step before keys exist)


@dataclass
class AppletState:
    app_selected: bool = False
    current: Optional[CardFile] = None
    sm: Optional[CardSm] = None
    access: str = "none"  # "none" | "bac" | "pace" | "ca"
    challenge: Optional[bytes] = None
    extra: dict[str, Any] = field(default_factory=dict)  # protocol modules keep their state here


class Applet:
    """One virtual chip. ``faults`` are objects with optional hook methods."""

    # set by aa_card.install / aa_card._load_key (the AA key outlives sessions and power-ups)
    aa_key: Optional[PrivateKeyTypes]
    aa_key_loaded: bool
    # set by ta_card.install: trust points and current date (persistent, like the chip's EEPROM)
    eac: Any = None

    def __init__(self, card: VirtualCard, *, rng: Optional[Callable[[int], bytes]] = None) -> None:
        self.card = card
        self.rng = rng or Drbg(f"card:{card.profile}:{card.seed}")
        self.handlers: dict[int, Handler] = {}
        self.state = AppletState()
        self.apdu_index = 0  # counts every C-APDU since the card was created
        self.removed = False
        self.faults: list[object] = []  # fault and quirk hooks: objects with optional hook methods
        self.counts_bare_errors = False  # SSC convention after bare errors (quirk ssc-counts-bare-errors)
        self._install_defaults()
        from . import plugins

        plugins.install(self)

    @property
    def atr(self) -> bytes:
        return self.card.atr

    # --- life cycle ---------------------------------------------------------
    def power_up(self) -> bytes:
        self.state = AppletState()
        self.removed = False
        return self.card.atr

    def power_off(self) -> None:
        """Deactivation: volatile state (session keys, selections) is lost; the card stays."""
        self.state = AppletState()

    def remove(self) -> None:
        self.removed = True
        self.state = AppletState()

    def register(self, ins: int, handler: Handler) -> None:
        self.handlers[ins] = handler

    def drop_session(self) -> None:
        self.state.sm = None
        self.state.access = "none"
        self.state.extra.pop("pace", None)
        self.state.extra.pop("eac_granted", None)  # TA rights end with the session (TR-03110-3 §F.6)
        self.state.extra.pop("ta", None)

    # --- APDU processing ------------------------------------------------------
    def process(self, raw: bytes) -> Optional[bytes]:
        """Answer one C-APDU; ``None`` when the card is gone (removed)."""
        if self.removed:
            return None
        self.apdu_index += 1
        for f in self.faults:
            hook = getattr(f, "before_command", None)
            if hook:
                out = hook(self, raw)
                if out is not None:
                    return out if out != b"" else None
        try:
            cmd = CommandApdu.decode(raw)
        except CccdError:
            return b"\x67\x00"
        except ValueError:
            return b"\x67\x00"
        protected = bool(cmd.cla & 0x0C)
        sm = self.state.sm
        if protected:
            if sm is None:
                return b"\x69\x88"
            try:
                cmd = sm.unwrap(cmd)
            except SecureMessagingError:
                self.drop_session()
                return b"\x69\x88"
        elif sm is not None:
            self.drop_session()
            return b"\x69\x87"
        try:
            reply = self.dispatch(cmd)
        except ProtocolError:
            reply = Reply(sw=0x6300)
        for f in self.faults:
            hook = getattr(f, "alter_reply", None)
            if hook:
                reply = hook(self, cmd, reply)
        return self._finish(reply, sm if protected else None, cmd)

    def _finish(self, reply: Reply, sm: Optional[CardSm], cmd: CommandApdu) -> Optional[bytes]:
        if sm is None or reply.plain:
            out = reply.data + reply.sw.to_bytes(2, "big")
        elif not reply.data and reply.sw != 0x9000 and reply.sw >> 8 not in (0x62, 0x63):
            sm.counts_bare_errors = self.counts_bare_errors
            out = sm.plain_status(reply.sw)
        else:
            kw: dict[str, Any] = {}
            for f in self.faults:
                hook = getattr(f, "wrap_options", None)
                if hook:
                    kw.update(hook(self, cmd) or {})
            out = sm.wrap(reply.data, reply.sw, odd=bool(cmd.ins & 1), **kw)
        if reply.new_sm is not None:
            self.state.sm = reply.new_sm
        for f in self.faults:
            hook = getattr(f, "after_response", None)
            if hook:
                out = hook(self, cmd, out)
                if out is None:
                    return None
        return out

    def dispatch(self, cmd: CommandApdu) -> Reply:
        h = self.handlers.get(cmd.ins)
        if h is None:
            return Reply(sw=0x6D00)
        if cmd.cla & 0xE0 and not (cmd.cla & 0x10):
            return Reply(sw=0x6E00)
        return h(self, cmd)

    # --- default instructions -------------------------------------------------
    def _install_defaults(self) -> None:
        self.register(0xA4, _select)
        self.register(0xB0, _read_binary)
        self.register(0xB1, _read_binary)
        self.register(0x84, _get_challenge)
        self.register(0x82, _external_authenticate)

    def may_read(self, f: CardFile) -> int:
        """0x9000 when ``f`` is readable now, else the SW to answer."""
        if f.access == "eac":  # DG3/DG4: only with the rights Terminal Authentication granted
            granted = self.state.extra.get("eac_granted", ())
            return 0x9000 if self.state.sm is not None and f.name in granted else 0x6982
        if f.access == "open" or f.name in OPEN_FILES:
            return 0x9000
        if self.state.sm is None:
            return 0x6982
        return 0x9000

    def check_le(self, cmd: CommandApdu) -> Optional[int]:
        o = self.card.options
        if cmd.is_extended and not o.extended and not self.state.sm:
            return 0x6700
        return None


def _select(app: Applet, cmd: CommandApdu) -> Reply:
    if cmd.p1 == 0x04:
        if cmd.data == ICAO_AID:
            app.state.app_selected = True
            app.state.current = None
            return Reply()
        return Reply(sw=0x6A82)
    if cmd.p1 == 0x00 and (not cmd.data or cmd.data == b"\x3F\x00"):
        return _select_mf(app)
    if cmd.p1 in (0x02, 0x00) and len(cmd.data) == 2:
        fid = int.from_bytes(cmd.data, "big")
        if fid == 0x3F00:
            return _select_mf(app)
        return Reply(sw=_make_current(app, app.card.file_by_fid(fid, in_app=app.state.app_selected)))
    return Reply(sw=0x6A86)


def _make_current(app: Applet, f: Optional[CardFile]) -> int:
    """Select ``f`` as the current EF if it exists and may be read now; the SW to answer."""
    if f is None:
        return 0x6A82
    sw = app.may_read(f)
    if sw == 0x9000:
        app.state.current = f
    return sw


def _select_mf(app: Applet) -> Reply:
    """SELECT MF: the profile's answer (CCCD: 6D00); on success the MF becomes the current DF."""
    sw = app.card.options.mf_select_sw
    if sw == 0x9000:
        app.state.app_selected = False
        app.state.current = None
    return Reply(sw=sw)


def _read_binary(app: Applet, cmd: CommandApdu) -> Reply:
    o = app.card.options
    if cmd.is_extended and not o.extended:
        return Reply(sw=0x6700)
    if cmd.ins == 0xB1:
        try:
            off_tlv = tlv.decode_one(cmd.data, expected_tag=0x54)
        except CccdError:
            return Reply(sw=0x6A80)
        offset = int.from_bytes(off_tlv.value, "big")
        f = app.state.current
    elif cmd.p1 & 0x80:
        if not o.sfi:
            return Reply(sw=0x6A81)
        sfi = cmd.p1 & 0x1F
        f = app.card.file_by_sfi(sfi, in_app=app.state.app_selected)
        sw = _make_current(app, f)
        if sw != 0x9000:
            return Reply(sw=sw)
        offset = cmd.p2
    else:
        f = app.state.current
        offset = ((cmd.p1 & 0x7F) << 8) | cmd.p2
    if f is None:
        return Reply(sw=0x6986)
    sw = app.may_read(f)
    if sw != 0x9000:
        return Reply(sw=sw)
    le = cmd.le or 256
    limit = o.max_ext_le if cmd.is_extended else o.max_le
    if le > limit:
        return Reply(sw=0x6700)
    if offset > len(f.data) or (offset == len(f.data) and len(f.data) > 0):
        return Reply(sw=0x6B00)
    chunk = f.data[offset : offset + le]
    sw = 0x6282 if (o.eof_warning and len(chunk) < le) else 0x9000
    if cmd.ins == 0xB1:
        chunk = tlv.encode(0x53, chunk)
    return Reply(chunk, sw)


def _get_challenge(app: Applet, cmd: CommandApdu) -> Reply:
    n = cmd.le or 8
    if n != 8:
        return Reply(sw=0x6700)
    app.state.challenge = app.rng(8)
    return Reply(app.state.challenge)


def _external_authenticate(app: Applet, cmd: CommandApdu) -> Reply:
    mrz = app.card.mrz_information
    if not app.card.options.bac or mrz is None:
        return Reply(sw=0x6982)
    if app.state.challenge is None:
        return Reply(sw=0x6985)
    rnd_ic, app.state.challenge = app.state.challenge, None
    keys = derive_keys(hashlib.sha1(mrz).digest()[:16])
    k_ic = app.rng(16)
    try:
        resp, sk = answer_external_authenticate(keys, cmd.data, rnd_ic, k_ic)
    except ProtocolError:
        return Reply(sw=0x6300)
    app.state.access = "bac"
    app.state.extra["id_picc"] = mrz[:10]  # ID_PICC for Terminal Authentication: document number + check digit
    return Reply(resp, new_sm=CardSm(TdesCipher(sk.k_enc, sk.k_mac), sk.ssc), plain=True)
