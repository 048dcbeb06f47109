"""The one thin PACE driver: MSE:Set AT + four GENERAL AUTHENTICATE steps over a Channel.

``perform_pace(channel, info, password, rng)`` runs the pure steps of
:mod:`.protocol` and :mod:`.mapping` and returns a :class:`PaceResult` with the
new secure messaging session (ICAO 9303-11 §4.4): the reader installs it. No
verdicts: PACE-CAM data are evidence (:class:`~cccd_chip.evidence.PaceCamEvidence`).

Errors (all carry ``step`` = "PACE step N (name)" and the chip's ``sw``):

- :class:`AccessDeniedError` - the chip refused the password: SW 6300 / 63Cx
  at steps 2-4 (a wrong CAN or MRZ ends at step 4 with 6300), 6983 (blocked);
- :class:`InvalidPublicKeyError` - the chip sent an invalid point / DH value
  (``reason`` names the defect), or its ephemeral key equals ours;
- :class:`ProtocolError` - any other status word, a malformed response, or
  the chip's token does not verify (reason ``PACE_TOKEN_INVALID``);
- :class:`UnsupportedError` - no usable PACEInfo (unknown OID, reserved or
  missing domain parameters, IM on a curve with p != 3 mod 4).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Optional, Sequence, Union

from cryptography.hazmat.primitives import constant_time

from ...channel import Channel
from ...crypto import domain_params, ec
from ...crypto.domain_params import AnyDomain, DomainPolicy, EcDomain, Element
from ...crypto.ec import random_scalar
from ...document import AccessInfo
from ...errors import (
    AccessDeniedError,
    CccdError,
    InvalidPublicKeyError,
    ParseError,
    ProtocolError,
    UnsupportedError,
)
from ...evidence import PaceCamEvidence
from ...iso7816.apdu import CommandApdu, ResponseApdu
from ...iso7816.sw import describe
from ...lds.security_infos import PaceAlgorithm, PaceInfo, SecurityInfos, pace_algorithm
from ...sm.base import SecureMessaging
from ..passwords import Password
from . import mapping, protocol, symmetric

Rng = Callable[[int], bytes]

MAPPING_PREFERENCE = {"CAM": 0, "GM": 1, "IM": 2}


@dataclass(frozen=True)
class PaceResult:
    """A finished PACE: the SM session for the reader to install, what to record, CAM data."""

    sm: SecureMessaging = field(repr=False)
    access: AccessInfo
    info: PaceInfo
    chip_ephemeral_key: bytes  # PK_IC as exchanged (ID_PICC for Terminal Authentication)
    cars: tuple[bytes, ...] = ()  # Certification Authority References (87, 88)
    cam: Optional[PaceCamEvidence] = None  # PACE-CAM: CA_IC and PK_map,IC (checked once EF.CardSecurity is read)


def select_info(
    infos: Sequence[PaceInfo], security_infos: Optional[SecurityInfos] = None,
    policy: Optional[DomainPolicy] = domain_params.STRICT,
) -> tuple[PaceInfo, AnyDomain]:
    """The PACEInfo to use: version 2, known OID, usable domain parameters.

    Among the usable ones the chip's first CAM, else GM, else IM entry wins
    (card order breaks ties). Explicit parameters are taken from a
    PACEDomainParameterInfo when ``security_infos`` is given, and only when
    ``policy`` allows them (EF.CardAccess is unsigned: a weak domain chosen by a
    fake chip would give away the password offline, issue 10).
    """
    if security_infos is None or not security_infos.pace_domain_parameter_infos:
        # the domains come from Table 12 alone: the same offers always give the same choice
        return _select_standard(tuple(infos), policy)
    return _select(infos, security_infos, policy)


@lru_cache(maxsize=32)
def _select_standard(infos: tuple[PaceInfo, ...], policy: Optional[DomainPolicy]) -> tuple[PaceInfo, AnyDomain]:
    """:func:`select_info` without explicit domain parameters, kept per offer (a failure is not kept)."""
    return _select(infos, None, policy)


def _select(infos: Sequence[PaceInfo], security_infos: Optional[SecurityInfos],
            policy: Optional[DomainPolicy]) -> tuple[PaceInfo, AnyDomain]:
    usable = []
    problems = []
    reasons = set()
    for pos, info in enumerate(infos):
        try:
            alg = info.algorithm
            if info.version != 2:
                raise UnsupportedError(f"PACE version {info.version} is not supported")
            d = domain_for(info, security_infos, policy)
            if alg.mapping == "IM" and not mapping.im_supported(d):
                raise UnsupportedError("Integrated Mapping is not defined for this curve (p != 3 mod 4)")
            if alg.mapping == "CAM" and d.kind != "ECDH":
                raise UnsupportedError("PACE-CAM needs ECDH")
            usable.append((MAPPING_PREFERENCE[alg.mapping], pos, info, d))
        except (UnsupportedError, InvalidPublicKeyError, ParseError, AssertionError) as e:
            problems.append(str(e))
            reasons.add(getattr(e, "reason", None))
    if not usable:
        why = "; ".join(problems) or "no PACEInfo"
        # one reason for every refused offer (e.g. DOMAIN_NOT_STANDARDIZED, EC_DOMAIN_WEAK) is kept
        reason = reasons.pop() if len(reasons) == 1 and None not in reasons else None
        raise UnsupportedError(f"no usable PACE protocol offered ({why})", step=protocol.step_label(0),
                               reason=reason)
    usable.sort(key=lambda u: (u[0], u[1]))
    return usable[0][2], usable[0][3]


@lru_cache(maxsize=64)
def _algorithm(oid: str) -> PaceAlgorithm:
    """The algorithm of a PACE OID that select_info accepted (kept per OID)."""
    alg = pace_algorithm(oid)
    assert alg is not None  # select_info admits only known OIDs
    return alg


def domain_for(info: PaceInfo, security_infos: Optional[SecurityInfos],
               policy: Optional[DomainPolicy] = domain_params.STRICT) -> AnyDomain:
    """The domain of ``info``: standardized by ID, else a PACEDomainParameterInfo admitted by ``policy``
    (None: any sound parameters, the virtual chip's side)."""
    pid = info.parameter_id
    if pid is not None and pid in domain_params.STANDARD_IDS:
        return domain_params.standard(pid)
    if security_infos is not None:
        dpi = security_infos.pace_domain_parameters(pid)
        if dpi is not None:
            return dpi.domain(policy)
    if pid is None:
        raise UnsupportedError("PACEInfo without parameterId and no PACEDomainParameterInfo")
    raise UnsupportedError(f"PACE domain parameter ID {pid} is reserved or has no PACEDomainParameterInfo")


def _fail(step: int, resp: ResponseApdu) -> CccdError:
    label = protocol.step_label(step)
    sw = resp.sw
    msg = f"PACE failed: {describe(sw)}"
    if step >= 2 and (sw == 0x6300 or (sw & 0xFFF0) == 0x63C0):
        return AccessDeniedError("PACE failed: the chip refused the password (wrong CAN or MRZ?)", step=label, sw=sw)
    if sw == 0x6983:
        return AccessDeniedError("PACE failed: the password is blocked", step=label, sw=sw)
    return ProtocolError(msg, step=label, sw=sw, reason="PACE_STATUS")


def _transmit(channel: Channel, cmd: CommandApdu, step: int) -> ResponseApdu:
    resp = channel.transmit(cmd)
    if not resp.ok:
        raise _fail(step, resp)
    return resp


def _decode_peer(domain: AnyDomain, data: bytes, step: int) -> Element:
    try:
        peer: Element = domain.decode(data)
        return peer
    except InvalidPublicKeyError as e:
        raise InvalidPublicKeyError(f"PACE: chip's public key rejected: {e.message}", reason=e.reason,
                                    step=protocol.step_label(step)) from None


def _same_public(a: Element, b: Element) -> bool:
    """The chip's ephemeral key is ours (step 3 check): equal DH values; for EC the same x, i.e.
    our point or its negative, which give the same ECKA secret."""
    if isinstance(a, ec.Point) and isinstance(b, ec.Point):
        return a.x == b.x
    return a == b


def perform_pace(
    channel: Channel,
    info: Union[PaceInfo, Sequence[PaceInfo], SecurityInfos],
    password: Password,
    rng: Rng,
    *,
    parameter_id_needed: Optional[bool] = None,
    security_infos: Optional[SecurityInfos] = None,
    domain_policy: DomainPolicy = domain_params.STRICT,
) -> PaceResult:
    """Run PACE with ``password`` (access.passwords.Password, kind MRZ or CAN).

    ``info`` is one PACEInfo, the list from EF.CardAccess, or the parsed
    SecurityInfos (needed for explicit domain parameters).
    ``parameter_id_needed``: send DO'84' in MSE:Set AT. Default: when the card
    lists more than one PACEInfo or more than one PACEDomainParameterInfo
    (ICAO 9303-11 §4.4.4.1: required when the parameters are ambiguous).
    On success the result holds the new SM session (not yet installed: the
    reader starts it on its channel). With PACE-CAM it holds CA_IC and the chip's
    mapping key; the reader reads EF.CardSecurity under the new session and
    records the check against it (:mod:`.cam`).
    """
    if isinstance(info, SecurityInfos):
        security_infos = security_infos or info
        infos: Sequence[PaceInfo] = info.pace_infos
    elif isinstance(info, PaceInfo):
        infos = (info,)
    else:
        infos = tuple(info)
    chosen, domain = select_info(infos, security_infos, domain_policy)
    alg = _algorithm(chosen.protocol)
    cipher = alg.cipher
    if parameter_id_needed is None:
        n_dp = len(security_infos.pace_domain_parameter_infos) if security_infos else 0
        parameter_id_needed = len(infos) > 1 or n_dp > 1
    pid_sent = chosen.parameter_id if parameter_id_needed else None
    if password.kind not in ("MRZ", "CAN"):
        raise UnsupportedError(f"PACE password kind {password.kind!r} is not supported")

    # step 0: MSE:Set AT
    _transmit(channel, protocol.mse_set_at(chosen.protocol, password.kind, pid_sent), 0)

    # step 1: encrypted nonce
    r1 = _transmit(channel, protocol.ga_step1(), 1)
    z = protocol.parse_ga_response(r1.data, 1, required=(0x80,)).required(0x80)
    k_pi = protocol.password_key(password.pace_secret(), cipher)
    s = protocol.decrypt_nonce(cipher, k_pi, z)

    # step 2: map nonce
    pk_map_ic: Optional[Element] = None
    mapped: Optional[Element] = None  # IM: G' (g'); GM and CAM never need it on the host (gm_ephemeral_public)
    if alg.mapping in ("GM", "CAM"):
        sk_map, pk_map = domain.generate(rng)
        r2 = _transmit(channel, protocol.ga_command(0x81, domain.encode(pk_map)), 2)
        raw_map_ic = protocol.parse_ga_response(r2.data, 2, required=(0x82,)).required(0x82)
        pk_map_ic = _decode_peer(domain, raw_map_ic, 2)
        if pk_map_ic == pk_map:
            raise InvalidPublicKeyError("PACE: chip's mapping key equals the terminal's", step=protocol.step_label(2),
                                        reason="EPHEMERAL_KEY_REUSED")
    else:
        if not mapping.im_nonce_usable(cipher, s):  # the chip chose the length of z
            raise ProtocolError("PACE-IM: the chip's nonce has a length the mapping does not define",
                                step=protocol.step_label(1), reason="PACE_MALFORMED")
        t = rng(symmetric.key_length(cipher))
        r2 = _transmit(channel, protocol.ga_command(0x81, t), 2)
        resp2 = protocol.parse_ga_response(r2.data, 2, required=(), allowed=(0x82,))
        if resp2.get(0x82):
            raise ProtocolError("PACE-IM: DO'82' must be empty", step=protocol.step_label(2), reason="PACE_MALFORMED")
        try:
            mapped = mapping.im_generator(domain, cipher, s, t)
        except InvalidPublicKeyError as e:
            raise InvalidPublicKeyError(e.message, reason=e.reason, step=protocol.step_label(2)) from None

    # step 3: key agreement on the mapped generator G'; validation and ECKA/DH do not depend on
    # the generator, so the host works in ``domain`` and G' is a point (a value) of it
    sk = random_scalar(domain.order, rng)
    agree: Optional[Callable[[ec.Point], bytes]] = None
    if mapped is None:
        assert pk_map_ic is not None  # GM and CAM (the mappings that leave ``mapped`` None) set it in step 2
        try:
            pk = mapping.gm_ephemeral_public(domain, int.from_bytes(s, "big"), sk_map, pk_map_ic, sk)
        except InvalidPublicKeyError as e:
            raise InvalidPublicKeyError(e.message, reason=e.reason, step=protocol.step_label(2)) from None
    else:
        # sk * G' (g'^sk), the key pair Domain.generate draws on G'; on P-384 with an old system
        # libcrypto the point up to its sign, which ECKA does not see (ec.x_only_key_pair)
        fast = None
        if isinstance(domain, EcDomain) and isinstance(mapped, ec.Point):
            fast = ec.x_only_key_pair(domain.curve, sk, mapped)
        if fast is not None:
            pk, agree = fast
        else:
            pk = domain.mul(sk, mapped)
    pk_bytes = domain.encode(pk)
    r3 = _transmit(channel, protocol.ga_command(0x83, pk_bytes), 3)
    pk_ic_bytes = protocol.parse_ga_response(r3.data, 3, required=(0x84,)).required(0x84)
    pk_ic = _decode_peer(domain, pk_ic_bytes, 3)
    if _same_public(pk_ic, pk):
        raise InvalidPublicKeyError("PACE: chip's ephemeral key equals the terminal's", step=protocol.step_label(3),
                                    reason="EPHEMERAL_KEY_REUSED")
    if agree is not None and isinstance(pk_ic, ec.Point):
        secret = agree(pk_ic)
    else:
        secret = domain.shared_secret(sk, pk_ic)
    k_enc, k_mac = symmetric.session_keys(secret, cipher)

    # step 4: mutual authentication; the chip's token is checked before KSenc is used
    t_ifd, t_ic = protocol.token_pair(cipher, k_mac, chosen.protocol, domain.public_tag, pk_ic_bytes, pk_bytes)
    r4 = _transmit(channel, protocol.ga_command(0x85, t_ifd, last=True), 4)
    allowed = (0x87, 0x88, 0x8A) if alg.mapping == "CAM" else (0x87, 0x88)
    resp4 = protocol.parse_ga_response(r4.data, 4, required=(0x86,), allowed=allowed)
    if not constant_time.bytes_eq(t_ic, resp4.get(0x86) or b""):
        raise ProtocolError("PACE failed: the chip's authentication token does not verify",
                            step=protocol.step_label(4), reason="PACE_TOKEN_INVALID")
    cars = tuple(v for t_, v in resp4.objects if t_ in (0x87, 0x88))

    access = AccessInfo(
        protocol="PACE", password=password.kind, oid=chosen.protocol, mapping=alg.mapping, cipher=cipher,
        parameter_id=chosen.parameter_id,
    )
    cam_evidence: Optional[PaceCamEvidence] = None
    if alg.mapping == "CAM":
        assert pk_map_ic is not None  # set in step 2 for CAM
        a_ic = resp4.get(0x8A)
        if a_ic is None:
            raise ProtocolError("PACE-CAM: encrypted chip authentication data (8A) missing",
                                step=protocol.step_label(4), reason="PACE_MALFORMED")
        try:
            ca_ic = mapping.cam_decrypt(k_enc, a_ic, domain.order)
        except CccdError as e:
            raise ProtocolError(e.message, step=protocol.step_label(4), reason="CAM_DATA_INVALID") from None
        # the CA key of PACE-CAM has keyId = parameterId (ICAO 9303-11 §9.2.1)
        cam_evidence = PaceCamEvidence(
            oid=chosen.protocol, parameter_id=chosen.parameter_id,
            ca_ic=ca_ic.to_bytes((domain.order.bit_length() + 7) // 8, "big"),
            pk_map_ic=domain.encode(pk_map_ic), key_id=chosen.parameter_id,
        )
    # every check passed: the session for the reader to start
    return PaceResult(sm=symmetric.sm_session(cipher, k_enc, k_mac), access=access, info=chosen,
                      chip_ephemeral_key=pk_ic_bytes, cars=cars, cam=cam_evidence)
