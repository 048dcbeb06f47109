"""Chip side of Chip Authentication v1 (ICAO 9303-11 §6.2) and the chip's CA keys.

- MSE:Set KAT (P1P2 41A6, DO'91' ephemeral key, [DO'84' keyId]) for 3DES;
- MSE:Set AT (P1P2 41A4, DO'80' OID, [DO'84' keyId]) + GENERAL AUTHENTICATE
  (7C{80 PK_IFD}) for AES (and 3DES).
The answer is protected with the OLD session keys; the new keys (KDF of
KA(SK_IC, PK_IFD)) and SSC 0 apply from the next command on (§9.8.2).

Keys live in ``card.json`` under ``keys.ca`` as a list of
``{"key_id": int|null, "parameter_id": int, "sk": "HEX"}`` (standardized
domain) or ``{"key_id": ..., "spki": "HEX", "sk": "HEX"}`` (any domain).
:func:`make_ca_key` creates such an entry, :func:`ca_security_infos` the
matching ChipAuthenticationInfo / ChipAuthenticationPublicKeyInfo for DG14
and EF.CardSecurity.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional

from ..access.pace import symmetric
from ..crypto import domain_params
from ..crypto.domain_params import AnyDomain, Element
from ..errors import CccdError, InvalidPublicKeyError, ProtocolError
from ..iso7816 import tlv
from ..iso7816.apdu import CommandApdu
from ..lds import security_infos as si

if TYPE_CHECKING:
    from .applet import Applet, Handler, Reply
    from .card import VirtualCard
    from .sm_card import CardSm

Rng = Callable[[int], bytes]
_CA = "ca"


@dataclass(frozen=True)
class CardCaKey:
    key_id: Optional[int]
    domain: AnyDomain
    sk: int
    pk: Element

    def __repr__(self) -> str:
        return f"CardCaKey(key_id={self.key_id}, {self.domain!r})"


def make_ca_key(parameter_id: int, rng: Rng, key_id: Optional[int] = None) -> dict[str, Any]:
    """A card.json entry for a fresh CA key on a standardized domain."""
    d = domain_params.standard(parameter_id)
    sk, _ = d.generate(rng)
    return {"key_id": key_id, "parameter_id": parameter_id, "sk": sk.to_bytes((d.order.bit_length() + 7) // 8, "big").hex().upper()}


def load_ca_key(entry: Mapping[str, Any]) -> CardCaKey:
    sk = int(entry["sk"], 16)
    key_id = entry.get("key_id")
    if entry.get("spki"):
        d, _ = si.parse_subject_public_key(bytes.fromhex(entry["spki"]), key_id, policy=None)
    else:
        d = domain_params.standard(int(entry["parameter_id"]))
    return CardCaKey(key_id, d, sk, d.mul_gen(sk))


def card_ca_keys(card: "VirtualCard") -> list[CardCaKey]:
    keys = card.keys.get("ca") if hasattr(card, "keys") else None
    if not keys or not isinstance(keys, list):
        return []
    out = []
    for entry in keys:
        if isinstance(entry, CardCaKey):
            out.append(entry)
        elif isinstance(entry, dict):
            out.append(load_ca_key(entry))
    return out


def ca_security_infos(keys: list[CardCaKey], cipher: str = "AES-128", *, explicit: bool = False,
                      with_ca_info: bool = True) -> list[si.SecurityInfo]:
    """ChipAuthenticationInfo + ChipAuthenticationPublicKeyInfo for each key."""
    out: list[si.SecurityInfo] = []
    for k in keys:
        if with_ca_info:
            out.append(si.ChipAuthenticationInfo(si.ca_oid(k.domain.kind, cipher), 1, k.key_id))
        spki = si.build_subject_public_key(k.domain, k.pk, explicit=explicit)
        out.append(si.ChipAuthenticationPublicKeyInfo(si.ID_PK_ECDH if k.domain.kind == "ECDH" else si.ID_PK_DH,
                                                      spki, k.key_id))
    return out


# --- pure chip steps ----------------------------------------------------------------


@dataclass(frozen=True)
class CaCardState:
    key: CardCaKey
    cipher: str
    oid: Optional[str] = None


def card_select_key(keys: list[CardCaKey], key_id: Optional[int], cipher: str, oid: Optional[str] = None) -> CaCardState:
    if key_id is None:
        if len(keys) != 1:
            raise ProtocolError("CA key ambiguous or absent", sw=0x6A88)
        return CaCardState(keys[0], cipher, oid)
    for k in keys:
        if k.key_id == key_id:
            return CaCardState(k, cipher, oid)
    raise ProtocolError("CA key not found", sw=0x6A88)


def card_key_agreement(st: CaCardState, pk_ifd_raw: bytes) -> tuple[bytes, bytes]:
    """K = KA(SK_IC, PK_IFD) -> (KSenc, KSmac); InvalidPublicKeyError for a bad PK_IFD."""
    d = st.key.domain
    pk_ifd = d.decode(pk_ifd_raw)
    if pk_ifd == st.key.pk:
        raise InvalidPublicKeyError("terminal sent the chip's own key", reason="EPHEMERAL_KEY_REUSED")
    return symmetric.session_keys(d.shared_secret(st.key.sk, pk_ifd), st.cipher)


# --- applet plug-in ----------------------------------------------------------------


def _new_sm(cipher: str, k_enc: bytes, k_mac: bytes) -> "CardSm":
    from .sm_card import CardSm

    return CardSm(symmetric.sm_cipher(cipher, k_enc, k_mac), bytes(8 if cipher == "3DES" else 16))


def _ca_cipher_for(app: "Applet", key: CardCaKey, oid: Optional[str]) -> str:
    if oid is not None:
        alg = si.ca_algorithm(oid)
        if alg is None or alg.key_agreement != key.domain.kind:
            raise ProtocolError("CA OID not supported", sw=0x6A80)
        return alg.cipher
    return "3DES"


def _mse(app: "Applet", cmd: CommandApdu, prev: "Optional[Handler]") -> "Reply":
    from .applet import Reply

    p1p2 = (cmd.p1, cmd.p2)
    if p1p2 not in ((0x41, 0xA6), (0x41, 0xA4)):
        return prev(app, cmd) if prev else Reply(sw=0x6A86)
    if app.state.sm is None:
        return Reply(sw=0x6982)
    keys = card_ca_keys(app.card)
    if not keys:
        return Reply(sw=0x6A88)
    try:
        items = {it.tag: it.value for it in tlv.decode(cmd.data, file="MSE")}
        key_id = int.from_bytes(items[0x84], "big") if 0x84 in items else None
        if p1p2 == (0x41, 0xA4):
            oid = si.oid_from_bytes(items[0x80])
            st = card_select_key(keys, key_id, "3DES", oid)
            st = replace(st, cipher=_ca_cipher_for(app, st.key, oid))
            app.state.extra[_CA] = st
            return Reply()
        pk_raw = items[0x91]
        st = card_select_key(keys, key_id, "3DES")
        if not _matches_ta(app, st, pk_raw):
            return Reply(sw=0x6A80)
        k_enc, k_mac = card_key_agreement(st, pk_raw)
    except ProtocolError as e:
        return Reply(sw=e.sw or 0x6A80)
    except (CccdError, KeyError):
        return Reply(sw=0x6A80)
    _record_pk_pcd(app, st, pk_raw)
    app.state.access = "ca"
    return Reply(new_sm=_new_sm("3DES", k_enc, k_mac))


def _ga(app: "Applet", cmd: CommandApdu, prev: "Optional[Handler]") -> "Reply":
    from .applet import Reply
    from ..access.pace.protocol import parse_ga_command

    st: Optional[CaCardState] = app.state.extra.get(_CA)
    if st is None:
        return prev(app, cmd) if prev else Reply(sw=0x6985)
    app.state.extra.pop(_CA, None)
    try:
        pk_raw = parse_ga_command(cmd.data).get(0x80)
        if pk_raw is None or not _matches_ta(app, st, pk_raw):
            return Reply(sw=0x6A80)
        k_enc, k_mac = card_key_agreement(st, pk_raw)
    except CccdError:
        return Reply(sw=0x6A80)
    _record_pk_pcd(app, st, pk_raw)
    app.state.access = "ca"
    return Reply(tlv.encode(0x7C, b""), new_sm=_new_sm(st.cipher, k_enc, k_mac))


def _matches_ta(app: "Applet", st: CaCardState, pk_raw: bytes) -> bool:
    """After TA v2 the terminal must use the ephemeral key whose Comp() it signed (TR-03110-1 §3.4)."""
    from ..eac.ta import comp

    want = app.state.extra.get("ta_comp_pk")
    return want is None or comp(pk_raw, st.key.domain.kind) == want


def _record_pk_pcd(app: "Applet", st: CaCardState, pk_raw: bytes) -> None:
    """The terminal's ephemeral CA key: Comp(PK_PCD) is what TA v1 signs (ICAO 9303-11 §7.1)."""
    from ..eac.ta import comp

    app.state.extra["ca_pk_pcd"] = bytes(pk_raw)
    app.state.extra["ca_pk_pcd_comp"] = comp(pk_raw, st.key.domain.kind)
    app.state.extra.pop("ta_comp_pk", None)


def install(applet: "Applet") -> None:
    prev_mse = applet.handlers.get(0x22)
    prev_ga = applet.handlers.get(0x86)
    applet.register(0x22, lambda app, cmd: _mse(app, cmd, prev_mse))
    applet.register(0x86, lambda app, cmd: _ga(app, cmd, prev_ga))
