"""Chip side of PACE (ICAO 9303-11 §4.4): GM, IM, CAM; ECDH and DH; 3DES and AES.

Pure step functions over a small frozen state (:class:`PaceCardState`);
randomness is injected. :func:`install` plugs them into the applet
(MSE:Set AT with P1P2 C1A4, GENERAL AUTHENTICATE while PACE runs).

Steps (chip view):
1. ``card_nonce``      -> z = E(K_pi, s)
2. ``card_map_gm`` / ``card_map_im`` -> PK_map,IC (GM/CAM) or nothing (IM)
3. ``card_key_agreement`` -> PK_IC, K, KSenc, KSmac
4. ``card_authenticate`` checks T_IFD -> T_IC (+ A_IC for CAM); a wrong
   token (wrong password) raises :class:`ProtocolError` and the applet
   answers 6300.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Callable, Optional, Sequence

from ..access.pace import mapping, protocol, symmetric
from ..access.pace.driver import domain_for
from ..crypto.domain_params import AnyDomain, Element
from ..errors import CccdError, InvalidPublicKeyError, ProtocolError
from ..iso7816 import tlv
from ..iso7816.apdu import CommandApdu
from ..lds import security_infos as si

if TYPE_CHECKING:
    from .testpki import Issued
    from .applet import Applet, Reply

Rng = Callable[[int], bytes]
PASSWORD_KIND = {0x01: "MRZ", 0x02: "CAN"}


@dataclass(frozen=True)
class PaceCardState:
    """Where one PACE run stands on the chip (values, never logged)."""

    info: si.PaceInfo
    domain: AnyDomain
    cipher: str
    k_pi: bytes
    step: int = 0  # last completed step
    s: bytes = b""
    sk_map: int = 0
    pk_map_ic: Optional[Element] = None
    mapped: Optional[AnyDomain] = None
    pk_ic: Optional[Element] = None
    pk_ifd_raw: bytes = b""
    k_enc: bytes = b""
    k_mac: bytes = b""

    def __repr__(self) -> str:
        return f"PaceCardState({self.info.algorithm.name}, step={self.step})"


def card_select(infos: si.SecurityInfos, oid: str, password_kind: str, password_secret: bytes,
                parameter_id: Optional[int]) -> PaceCardState:
    """MSE:Set AT on the chip: find the PACEInfo; ProtocolError(6A80/6A88) otherwise."""
    candidates = [i for i in infos.pace_infos if i.protocol == oid
                  and (parameter_id is None or i.parameter_id == parameter_id)]
    if not candidates:
        raise ProtocolError("PACE protocol / parameters not offered", sw=0x6A80)
    if len(candidates) > 1:
        raise ProtocolError("ambiguous PACE parameters: DO'84' needed", sw=0x6A80)
    info = candidates[0]
    domain = domain_for(info, infos, None)  # the card's own parameters, whatever they are
    cipher = info.algorithm.cipher
    return PaceCardState(info, domain, cipher, protocol.password_key(password_secret, cipher))


def card_nonce(st: PaceCardState, rng: Rng) -> tuple[PaceCardState, bytes]:
    """Step 1: choose s, answer z = E(K_pi, s)."""
    s = rng(symmetric.nonce_length(st.cipher))
    return replace(st, step=1, s=s), protocol.encrypt_nonce(st.cipher, st.k_pi, s)


def _check(st: PaceCardState, step: int) -> None:
    if st.step != step - 1:
        raise ProtocolError("PACE step out of order", sw=0x6985)


def card_map_gm(st: PaceCardState, pk_map_ifd_raw: bytes, rng: Rng) -> tuple[PaceCardState, bytes]:
    """Step 2 (GM/CAM): validate PK_map,IFD, answer PK_map,IC, compute G'."""
    _check(st, 2)
    d = st.domain
    pk_map_ifd = d.decode(pk_map_ifd_raw)
    sk_map, pk_map_ic = d.generate(rng)
    if pk_map_ic == pk_map_ifd:
        raise InvalidPublicKeyError("terminal's mapping key equals the chip's", reason="EPHEMERAL_KEY_REUSED")
    mapped = mapping.gm_map(d, int.from_bytes(st.s, "big"), sk_map, pk_map_ifd)
    return replace(st, step=2, sk_map=sk_map, pk_map_ic=pk_map_ic, mapped=mapped), d.encode(pk_map_ic)


def card_map_im(st: PaceCardState, t: bytes) -> tuple[PaceCardState, bytes]:
    """Step 2 (IM): G' = f(R(s, t)); the answer is empty."""
    _check(st, 2)
    if len(t) != symmetric.key_length(st.cipher):
        raise ProtocolError("PACE-IM nonce t has a wrong length", sw=0x6A80)
    return replace(st, step=2, mapped=mapping.im_map(st.domain, st.cipher, st.s, t)), b""


def card_key_agreement(st: PaceCardState, pk_ifd_raw: bytes, rng: Rng) -> tuple[PaceCardState, bytes]:
    """Step 3: validate PK_IFD, answer PK_IC, derive KSenc / KSmac."""
    _check(st, 3)
    m = st.mapped
    assert m is not None
    pk_ifd = m.decode(pk_ifd_raw)
    sk, pk_ic = m.generate(rng)
    if pk_ic == pk_ifd:
        raise InvalidPublicKeyError("terminal's ephemeral key equals the chip's", reason="EPHEMERAL_KEY_REUSED")
    k_enc, k_mac = symmetric.session_keys(m.shared_secret(sk, pk_ifd), st.cipher)
    return replace(st, step=3, pk_ic=pk_ic, pk_ifd_raw=bytes(pk_ifd_raw), k_enc=k_enc, k_mac=k_mac), m.encode(pk_ic)


def card_authenticate(st: PaceCardState, t_ifd: bytes, *, ca_private_key: Optional[int] = None,
                      cars: tuple[bytes, ...] = ()) -> tuple[PaceCardState, bytes]:
    """Step 4: check T_IFD (else ProtocolError -> 6300), answer 86 T_IC [87/88 CAR] [8A A_IC]."""
    _check(st, 4)
    assert st.mapped is not None and st.pk_ic is not None
    oid, tag = st.info.protocol, st.domain.public_tag
    if not protocol.check_token(st.cipher, st.k_mac, oid, tag, st.mapped.encode(st.pk_ic), t_ifd):
        raise ProtocolError("terminal's authentication token is wrong", sw=0x6300)
    out = tlv.encode(0x86, protocol.auth_token(st.cipher, st.k_mac, oid, tag, st.pk_ifd_raw))
    for i, car in enumerate(cars[:2]):
        out += tlv.encode(0x87 + i, car)
    if st.info.algorithm.mapping == "CAM":
        if ca_private_key is None:
            raise ProtocolError("no CA key for PACE-CAM", sw=0x6A88)
        ca_ic = mapping.cam_chip_data(ca_private_key, st.sk_map, st.domain.order)
        out += tlv.encode(0x8A, mapping.cam_encrypt(st.k_enc, ca_ic, st.domain.order))
    return replace(st, step=4), out


# --- the applet plug-in ------------------------------------------------------------

_PACE = "pace"


def _card_infos(app: "Applet") -> Optional[si.SecurityInfos]:
    f = app.card.files.get("CardAccess")
    if f is None:
        return None
    try:
        return si.parse(f.data, file="CardAccess")
    except CccdError:
        return None


def _password_secret(app: "Applet", kind: str) -> Optional[bytes]:
    from ..access.passwords import Password

    if kind == "CAN":
        can = app.card.secrets.get("can")
        return Password("CAN", can.encode()).pace_secret() if can else None
    mrz = app.card.mrz_information
    return Password("MRZ", mrz).pace_secret() if mrz else None


def _cam_key(app: "Applet", parameter_id: Optional[int]) -> Optional[int]:
    from .ca_card import card_ca_keys

    for k in card_ca_keys(app.card):
        if k.key_id == parameter_id:
            return k.sk
    return None


def _mse_set_at(app: "Applet", cmd: CommandApdu) -> "Reply":
    from .applet import Reply

    infos = _card_infos(app)
    if infos is None or not infos.pace_infos:
        return Reply(sw=0x6A80)
    try:
        items = {it.tag: it.value for it in tlv.decode(cmd.data, file="MSE")}
        oid = si.oid_from_bytes(items[0x80])
        ref = items[0x83]
        kind = PASSWORD_KIND.get(ref[0]) if len(ref) == 1 else None
        pid = int.from_bytes(items[0x84], "big") if 0x84 in items else None
    except (CccdError, KeyError):
        return Reply(sw=0x6A80)
    if kind is None:
        return Reply(sw=0x6A88)
    secret = _password_secret(app, kind)
    if secret is None:
        return Reply(sw=0x6A88)
    try:
        st = card_select(infos, oid, kind, secret, pid)
    except ProtocolError as e:
        return Reply(sw=e.sw or 0x6A80)
    except CccdError:
        return Reply(sw=0x6A80)
    app.state.extra[_PACE] = st
    return Reply()


def _general_authenticate(app: "Applet", cmd: CommandApdu) -> "Reply":
    from .applet import Reply
    from .sm_card import CardSm

    st: Optional[PaceCardState] = app.state.extra.get(_PACE)
    if st is None:
        return Reply(sw=0x6985)
    last = not (cmd.cla & 0x10)
    try:
        objs = protocol.parse_ga_command(cmd.data)
        if st.step == 0:
            if objs.objects or last:
                raise ProtocolError("step 1 expects an empty chained GA", sw=0x6A80)
            st, z = card_nonce(st, app.rng)
            out = tlv.encode(0x80, z)
        elif st.step == 1:
            v = objs.get(0x81)
            if v is None or last:
                raise ProtocolError("step 2 expects DO'81'", sw=0x6A80)
            if st.info.algorithm.mapping == "IM":
                st, _ = card_map_im(st, v)
                out = tlv.encode(0x82, b"")
            else:
                st, pk_map = card_map_gm(st, v, app.rng)
                out = tlv.encode(0x82, pk_map)
        elif st.step == 2:
            v = objs.get(0x83)
            if v is None or last:
                raise ProtocolError("step 3 expects DO'83'", sw=0x6A80)
            st, pk_ic = card_key_agreement(st, v, app.rng)
            out = tlv.encode(0x84, pk_ic)
        elif st.step == 3:
            v = objs.get(0x85)
            if v is None or not last:
                raise ProtocolError("step 4 expects DO'85' ending the chain", sw=0x6A80)
            cam_key = _cam_key(app, st.info.parameter_id) if st.info.algorithm.mapping == "CAM" else None
            st, out = card_authenticate(st, v, ca_private_key=cam_key, cars=_ta2_cars(app))
        else:
            raise ProtocolError("PACE already finished", sw=0x6985)
    except InvalidPublicKeyError:
        app.state.extra.pop(_PACE, None)
        return Reply(sw=0x6A80)
    except ProtocolError as e:
        app.state.extra.pop(_PACE, None)
        return Reply(sw=e.sw or 0x6300)
    except CccdError:
        app.state.extra.pop(_PACE, None)
        return Reply(sw=0x6A80)
    if st.step < 4:
        app.state.extra[_PACE] = st
        return Reply(tlv.encode(0x7C, out))
    app.state.extra.pop(_PACE, None)
    app.state.access = "pace"
    from ..eac.ta import comp  # ID_PICC for Terminal Authentication: Comp(~PK_PICC) (TR-03110-3 §B.11.6)

    assert st.mapped is not None and st.pk_ic is not None
    app.state.extra["id_picc"] = comp(st.mapped.encode(st.pk_ic), st.domain.kind)
    app.state.app_selected = False  # PACE runs in the MF context
    app.state.current = None
    new_sm = CardSm(symmetric.sm_cipher(st.cipher, st.k_enc, st.k_mac), bytes(8 if st.cipher == "3DES" else 16))
    return Reply(tlv.encode(0x7C, out), new_sm=new_sm, plain=True)


def _ta2_cars(app: "Applet") -> tuple[bytes, ...]:
    """TA version 2 chips name their CVCA trust point(s) in the last PACE answer (87/88, TR-03110-3 §B.1)."""
    eac = getattr(app, "eac", None)
    if eac is None or eac.ta_version != 2:
        return ()
    return tuple(tp.chr.encode("latin-1") for tp in eac.trust_points[:2])


def pace_running(app: "Applet") -> bool:
    return _PACE in app.state.extra


def install(applet: "Applet") -> None:
    """Register MSE (P1P2 C1A4) and GENERAL AUTHENTICATE, delegating other uses onwards."""
    prev_mse = applet.handlers.get(0x22)
    prev_ga = applet.handlers.get(0x86)

    def mse(app: "Applet", cmd: CommandApdu) -> "Reply":
        if (cmd.p1, cmd.p2) == (0xC1, 0xA4):
            return _mse_set_at(app, cmd)
        if prev_mse is not None:
            return prev_mse(app, cmd)
        from .applet import Reply

        return Reply(sw=0x6A86)

    def ga(app: "Applet", cmd: CommandApdu) -> "Reply":
        if pace_running(app) or prev_ga is None:
            return _general_authenticate(app, cmd)
        return prev_ga(app, cmd)

    applet.register(0x22, mse)
    applet.register(0x86, ga)


# --- personalisation helpers (EF.CardAccess, EF.CardSecurity) ------------------------


def pace_info(mapping_kind: str, key_agreement: str, cipher: str, parameter_id: int) -> si.PaceInfo:
    """A PACEInfo for a profile (version 2)."""
    return si.PaceInfo(si.pace_oid(mapping_kind, key_agreement, cipher), 2, parameter_id)


def build_card_access(infos: Sequence[si.SecurityInfo]) -> bytes:
    """EF.CardAccess: DER SET OF the given SecurityInfos."""
    return si.build(infos)


def build_card_security(infos: Sequence[si.SecurityInfo], signer: "Issued") -> bytes:
    """EF.CardSecurity: SignedData (content type id-SecurityObject) over SecurityInfos.

    ``signer`` is a :class:`cccd_chip.emulator.testpki.Issued` DSC (test PKI only).
    """
    from ..lds import cms, oids
    from .testpki import cms_signing

    args = cms_signing(signer)
    return cms.build_signed_data(oids.ID_SECURITY_OBJECT, si.build(infos), signer.cert_der, args["signer"],
                                 digest_alg=args["digest_alg"], signature_alg_oid=args["signature_alg_oid"],
                                 signature_params_der=args["signature_params_der"])
