"""Chip side of Terminal Authentication (BSI TR-03110-1 §3.3 / -3 §B.3, B.11; ICAO 9303-11 §7.1).

What the virtual chip does, as real EAC chips do:

- it holds *trust points* (one or two CVCA certificates, EF.CVCA names them) and a
  *current date*, both persistent across power-ups (card.json ``keys.eac``);
- MSE:Set DST (0022 81B6, 83 CAR) selects a trust point or a key imported in this
  session (unknown: 6A88);
- PSO:Verify Certificate (002A 00BE, chained with CLA 10 when long) checks the
  certificate's CAR, role order (CVCA -> link/DV -> terminal), signature (bad: 6300)
  and expiration against the chip's date (expired or malformed: 6A80); a link
  certificate becomes a trust point; the current date moves forward to the
  effective date of CVCA and domestic DV certificates only (TR-03110-3 §2.5);
- MSE:Set AT (0022 81A4, 83 CHR of an imported terminal key, for TA v2 also
  91 Comp(PK_PCD) [67 aux]) starts TA: version 1 needs Chip Authentication done,
  version 2 PACE done and CA not yet (else 6985);
- GET CHALLENGE gives r_PICC; EXTERNAL AUTHENTICATE checks
  Sign(SK_PCD, ID_PICC || r_PICC || Comp(PK_PCD) || aux) (bad: 6300);
- on success the effective rights (AND of the chain's CHATs) open DG3 / DG4; reading
  them without those rights answers 6982 (:meth:`Applet.may_read`).

ID_PICC is the document number + check digit after BAC, Comp(PK_PICC) after PACE
(stored by the BAC and PACE handlers in ``state.extra["id_picc"]``); Comp(PK_PCD) for
TA v1 is the terminal's ephemeral CA key (stored by :mod:`.ca_card`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from ..crypto import ec as _ec
from ..eac import chat as chat_mod
from ..eac import cvc, ta
from ..eac.chat import Chat
from ..errors import CccdError, VerificationError
from ..iso7816 import tlv
from ..iso7816.apdu import CommandApdu

_TA = "ta"
GRANTED = "eac_granted"
MAX_PSO = 4096  # chained PSO data beyond this is refused (6700)


@dataclass(frozen=True)
class ChipKey:
    """A public key the chip can verify with: a trust point or a key imported by PSO."""

    chr: str
    public_key: cvc.CvcPublicKey
    domain: Optional[_ec.Curve]
    role: int
    chats: tuple[Chat, ...]  # the CHATs of its chain from the CVCA (effective rights)
    cvca_chat: Chat


@dataclass
class ChipEac:
    """Persistent EAC state of the chip (EEPROM): trust points (most recent first) and date."""

    trust_points: list[cvc.CvCertificate]
    date: dt.date
    ta_version: int = 1

    def trust_key(self, car: str) -> Optional[ChipKey]:
        for tp in self.trust_points:
            if tp.chr == car:
                dom = tp.public_key.curve() if tp.public_key.has_domain else None
                return ChipKey(tp.chr, tp.public_key, dom, chat_mod.ROLE_CVCA, (), tp.chat)
        return None


@dataclass
class TaSession:
    """Volatile TA state of one session."""

    verifier: Optional[ChipKey] = None
    imported: dict[str, ChipKey] = field(default_factory=dict)
    pso_buffer: bytes = b""
    terminal: Optional[ChipKey] = None
    comp_pk: Optional[bytes] = None
    aux: bytes = b""
    version: int = 1


def load(card: Any) -> Optional[ChipEac]:
    """The chip's EAC state from card.json ``keys.eac`` (None: the chip has no EAC)."""
    entry = card.keys.get("eac") if hasattr(card, "keys") else None
    if not isinstance(entry, dict) or not entry.get("trust_points"):
        return None
    tps = [cvc.parse_certificate(bytes.fromhex(h)) for h in entry["trust_points"]]
    return ChipEac(tps, dt.date.fromisoformat(entry.get("date", "2021-01-01")), int(entry.get("ta_version", 1)))


def _session(app: Any) -> TaSession:
    s = app.state.extra.get(_TA)
    if s is None:
        s = TaSession()
        app.state.extra[_TA] = s
    assert isinstance(s, TaSession)
    return s


# --- pure chip steps ------------------------------------------------------------------


def verify_certificate(eac: ChipEac, verifier: ChipKey, cert: cvc.CvCertificate) -> tuple[int, Optional[ChipKey]]:
    """PSO:Verify Certificate on the chip: (SW, imported key). Updates trust points and date."""
    if cert.car != verifier.chr:
        return 0x6A80, None
    ok_roles = {chat_mod.ROLE_CVCA: (chat_mod.ROLE_CVCA, chat_mod.ROLE_DV_DOMESTIC, chat_mod.ROLE_DV_FOREIGN),
                chat_mod.ROLE_DV_DOMESTIC: (chat_mod.ROLE_TERMINAL,),
                chat_mod.ROLE_DV_FOREIGN: (chat_mod.ROLE_TERMINAL,)}.get(verifier.role, ())
    if cert.role not in ok_roles:
        return 0x6A80, None
    try:
        cert.verify(verifier.public_key, verifier.domain)
    except VerificationError:
        return 0x6300, None
    except CccdError:
        return 0x6A80, None
    if cert.expiration < eac.date:
        return 0x6A80, None
    domain = verifier.domain
    if cert.role == chat_mod.ROLE_CVCA:
        if cert.public_key.has_domain:
            try:
                domain = cert.public_key.curve()
            except CccdError:
                return 0x6A80, None
        eac.trust_points = [cert] + [t for t in eac.trust_points if t.chr != cert.chr][:1]
        _advance(eac, cert.effective)
        return 0x9000, ChipKey(cert.chr, cert.public_key, domain, cert.role, (), cert.chat)
    if cert.role == chat_mod.ROLE_DV_DOMESTIC:
        _advance(eac, cert.effective)
    return 0x9000, ChipKey(cert.chr, cert.public_key, domain, cert.role, verifier.chats + (cert.chat,),
                           verifier.cvca_chat)


def _advance(eac: ChipEac, day: dt.date) -> None:
    if day > eac.date:
        eac.date = day


def effective_rights(key: ChipKey) -> Chat:
    same = [key.cvca_chat] if key.chats and key.cvca_chat.role_oid == key.chats[-1].role_oid else []
    return chat_mod.effective(same + list(key.chats))


def granted_files(key: ChipKey) -> frozenset[str]:
    try:
        eff = effective_rights(key)
    except CccdError:
        return frozenset()
    return frozenset(dg for dg in ("DG3", "DG4") if eff.allows(dg))


# --- applet plug-in -------------------------------------------------------------------

Handler = Callable[[Any, CommandApdu], Any]


def _reply(sw: int = 0x9000, data: bytes = b"") -> Any:
    from .applet import Reply

    return Reply(data, sw)


def _mse(app: Any, cmd: CommandApdu, prev: Optional[Handler]) -> Any:
    p1p2 = (cmd.p1, cmd.p2)
    if p1p2 not in ((0x81, 0xB6), (0x81, 0xA4)) or app.eac is None:
        return prev(app, cmd) if prev else _reply(0x6A86)
    if app.state.sm is None:
        return _reply(0x6982)
    s = _session(app)
    if p1p2 == (0x81, 0xB6):
        try:
            items = tlv.decode(cmd.data, file="MSE")
            if len(items) != 1 or items[0].tag != 0x83:
                return _reply(0x6A80)
            car = cvc.decode_reference(items[0].value, what="CAR")
        except CccdError:
            return _reply(0x6A80)
        key = s.imported.get(car) or app.eac.trust_key(car)
        if key is None:
            return _reply(0x6A88)
        s.verifier = key
        s.pso_buffer = b""
        return _reply()
    try:
        objs = ta.parse_mse_set_at(cmd.data)
        chr_ = cvc.decode_reference(objs[0x83], what="CHR") if 0x83 in objs else None
    except CccdError:
        return _reply(0x6A80)
    if chr_ is None:
        return _reply(0x6A80)
    key = s.imported.get(chr_)
    if key is None or key.role != chat_mod.ROLE_TERMINAL:
        return _reply(0x6A88)
    if 0x91 in objs:  # TA version 2: after PACE, before Chip Authentication
        if app.state.access != "pace":
            return _reply(0x6985)
        s.version, s.comp_pk, s.aux = 2, objs[0x91], objs.get(0x67, b"")
    else:  # TA version 1: after Chip Authentication v1
        if app.state.access != "ca" or "ca_pk_pcd" not in app.state.extra:
            return _reply(0x6985)
        s.version, s.comp_pk, s.aux = 1, app.state.extra["ca_pk_pcd_comp"], objs.get(0x67, b"")
    s.terminal = key
    app.state.challenge = None
    return _reply()


def _pso(app: Any, cmd: CommandApdu) -> Any:
    if (cmd.p1, cmd.p2) != (0x00, 0xBE) or app.eac is None:
        return _reply(0x6A86)
    if app.state.sm is None:
        return _reply(0x6982)
    s = _session(app)
    if s.verifier is None:
        return _reply(0x6985)
    s.pso_buffer += bytes(cmd.data)
    if len(s.pso_buffer) > MAX_PSO:
        s.pso_buffer = b""
        return _reply(0x6700)
    if cmd.cla & 0x10:
        return _reply()
    data, s.pso_buffer = s.pso_buffer, b""
    try:
        cert = cvc.parse_certificate(tlv.encode(cvc.TAG_CERTIFICATE, data), file="PSO")
    except CccdError:
        return _reply(0x6A80)
    sw, key = verify_certificate(app.eac, s.verifier, cert)
    if key is not None:
        s.imported[key.chr] = key
    return _reply(sw)


def _external_authenticate(app: Any, cmd: CommandApdu, prev: Optional[Handler]) -> Any:
    s = app.state.extra.get(_TA)
    if not isinstance(s, TaSession) or s.terminal is None:
        return prev(app, cmd) if prev else _reply(0x6985)
    if app.state.challenge is None:
        return _reply(0x6985)
    r_picc, app.state.challenge = app.state.challenge, None
    key, s.terminal = s.terminal, None
    id_picc = app.state.extra.get("id_picc")
    if id_picc is None or s.comp_pk is None:
        return _reply(0x6985)
    msg = ta.signed_message(id_picc, r_picc, s.comp_pk, s.aux)
    try:
        cvc.verify_signature(key.public_key, msg, bytes(cmd.data), key.domain)
    except VerificationError:
        return _reply(0x6300)
    except CccdError:
        return _reply(0x6A80)
    app.state.extra[GRANTED] = granted_files(key)
    if s.version == 2:
        app.state.extra["ta_comp_pk"] = s.comp_pk  # CA v2 must use this ephemeral key
    return _reply()


def install(applet: Any) -> None:
    """Register MSE (81B6 / 81A4), PSO (2A) and EXTERNAL AUTHENTICATE for TA; others go on."""
    applet.eac = load(applet.card)
    prev_mse = applet.handlers.get(0x22)
    prev_ext = applet.handlers.get(0x82)
    applet.register(0x22, lambda app, cmd: _mse(app, cmd, prev_mse))
    applet.register(0x2A, _pso)
    applet.register(0x82, lambda app, cmd: _external_authenticate(app, cmd, prev_ext))
