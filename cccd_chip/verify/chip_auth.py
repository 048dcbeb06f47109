"""Chip Authentication v1, host side (ICAO 9303-11 §6.2; BSI TR-03110-1 §4.2 / -3 §B.1).

With the key from DG14 (ChipAuthenticationPublicKeyInfo, chosen with the
ChipAuthenticationInfo's keyId):

- 3DES: MSE:Set KAT (00 22 41 A6, 91 PK_IFD [84 keyId]);
- AES:  MSE:Set AT (00 22 41 A4, 80 OID [84 keyId]) + GENERAL AUTHENTICATE
  (00 86 00 00, 7C{80 PK_IFD}).

The chip answers under the OLD keys; then both sides switch to KSenc/KSmac =
KDF(KA(SK_IFD, PK_IC)) with SSC 0. The verdict is ``successful`` only after
a response has been verified under the NEW keys (a protected SELECT of the
eMRTD application). A chip whose answer does not verify under the new keys
does not hold the DG14 key: ``failed`` with CA_KEY_MISMATCH (a clone), not
``aborted``. DG14 itself must still pass Passive Authentication before the
result counts (the verification step gates it).

``perform(channel, dg14, rng)`` returns the evidence mapping for
``Evidence.ca``; :func:`run` returns the CheckResult too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from ..access.pace import symmetric
from ..errors import CccdError, InvalidPublicKeyError, ParseError, SecureMessagingError, TransportError
from ..iso7816 import commands, tlv
from ..iso7816.apdu import CommandApdu
from ..lds import security_infos as si
from .report import CheckResult, Reason, Verdict

Rng = Callable[[int], bytes]
CHECK = "chip_auth"
DEFAULT_CIPHER = "3DES"  # DG14 without ChipAuthenticationInfo: TR-03110 v1 default


@dataclass(frozen=True)
class ChipAuthOutcome:
    check: CheckResult
    evidence: dict
    session_lost: bool = False


def parse_dg14(dg14: bytes) -> si.SecurityInfos:
    """DG14 = 6E { SecurityInfos } (ICAO 9303-10 §4.7.14)."""
    outer = tlv.decode_one(dg14, expected_tag=0x6E, file="DG14")
    start = len(dg14) - len(outer.value)
    return si.parse(outer.value, file="DG14", base=start)


def choose_key(infos: si.SecurityInfos):
    """(ChipAuthenticationInfo or None, public key info, cipher, oid) - first usable pair."""
    keys = infos.chip_authentication_public_keys
    for ca in infos.chip_authentication_infos:
        key = infos.ca_public_key(ca.key_id)
        if key is None and ca.key_id is None and keys:
            key = keys[0]
        if key is not None and key.key_agreement == ca.algorithm.key_agreement and ca.version == 1:
            return ca, key, ca.algorithm.cipher, ca.protocol
    if keys and not infos.chip_authentication_infos:
        key = keys[0]
        return None, key, DEFAULT_CIPHER, si.ca_oid(key.key_agreement, DEFAULT_CIPHER)
    return None, None, None, None


def _key_ref(key_id: Optional[int]) -> bytes:
    if key_id is None:
        return b""
    return tlv.encode(0x84, key_id.to_bytes(max(1, (key_id.bit_length() + 7) // 8), "big"))


def mse_set_kat(pk_ifd: bytes, key_id: Optional[int]) -> CommandApdu:
    return commands.mse_set_kat(tlv.encode(0x91, pk_ifd) + _key_ref(key_id))


def mse_set_at(oid: str, key_id: Optional[int]) -> CommandApdu:
    return commands.mse_set_at(tlv.encode(0x80, si.oid_to_bytes(oid)) + _key_ref(key_id), p1=0x41, p2=0xA4)


def general_authenticate(pk_ifd: bytes) -> CommandApdu:
    data = tlv.encode(0x7C, tlv.encode(0x80, pk_ifd))
    ext = len(data) > 255
    return CommandApdu(0x00, 0x86, 0x00, 0x00, data, 65536 if ext else 256, ext)


def _out(verdict: Verdict, reason: Reason, detail: str, ev: dict, lost: bool = False) -> ChipAuthOutcome:
    ev = dict(ev)
    ev["verified"] = verdict is Verdict.SUCCESSFUL if verdict in (Verdict.SUCCESSFUL, Verdict.FAILED) else None
    ev["reason"] = reason.value
    ev["session_lost"] = lost
    check = CheckResult(CHECK, verdict, reason, "DG14", detail)
    ev["check"] = check.to_json()
    return ChipAuthOutcome(check, ev, lost)


def run(channel, dg14: bytes, rng: Rng, *, reopen: Optional[Callable[[], None]] = None,
        domain_policy=None) -> ChipAuthOutcome:
    """Perform CA over ``channel`` (already under BAC/PACE secure messaging).

    ``domain_policy``: the DomainPolicy for the DG14 key's domain (default: the
    standardized domains of ICAO 9303-11 Table 12); a refused domain is
    ``not_supported``, explicit parameters too weak for the policy are ``failed``.
    """
    ev: dict = {"protocol": "CA"}
    try:
        infos = parse_dg14(dg14)
        ca, key, cipher, oid = choose_key(infos)
        if key is None:
            return _out(Verdict.NOT_SUPPORTED, Reason.CA_NOT_AVAILABLE, "DG14 has no usable Chip Authentication key", ev)
        domain, pk_ic = key.domain_and_key() if domain_policy is None else key.domain_and_key(domain_policy)
    except (ParseError, InvalidPublicKeyError) as e:
        # DG14 is signed (PA judges it; a changed DG14 fails there): a key nobody can use cannot
        # be checked and proves no clone either way, so undetermined (issue 11 rule)
        reason = Reason.DG_MALFORMED if isinstance(e, ParseError) else Reason.KEY_PARAMS_INVALID
        return _out(Verdict.UNDETERMINED, reason, f"DG14 Chip Authentication key unusable: {e.reason}", ev)
    except CccdError as e:  # unsupported domain etc.
        return _out(Verdict.NOT_SUPPORTED, Reason.ALGORITHM_UNSUPPORTED, f"CA not possible: {e.reason}", ev)
    key_id = key.key_id if ca is None else ca.key_id
    ev.update({"oid": oid, "key_id": key_id, "cipher": cipher})

    sk, pk = domain.generate(rng)
    pk_bytes = domain.encode(pk)
    ev["pk_ifd"] = pk_bytes.hex().upper()
    if cipher == "3DES":
        r = channel.transmit(mse_set_kat(pk_bytes, key_id))
        if not r.ok:
            return _out(Verdict.FAILED, Reason.CA_PROTOCOL_ERROR, f"MSE:Set KAT answered {r.sw:04X}", ev)
    else:
        r = channel.transmit(mse_set_at(oid, key_id))
        if not r.ok:
            return _out(Verdict.FAILED, Reason.CA_PROTOCOL_ERROR, f"MSE:Set AT (CA) answered {r.sw:04X}", ev)
        r = channel.transmit(general_authenticate(pk_bytes))
        if not r.ok:
            return _out(Verdict.FAILED, Reason.CA_PROTOCOL_ERROR, f"GENERAL AUTHENTICATE (CA) answered {r.sw:04X}", ev)
    # the chip accepted: switch to the new keys, then prove them with one protected response
    k_enc, k_mac = symmetric.session_keys(domain.shared_secret(sk, pk_ic), cipher)
    channel.start_sm(symmetric.sm_session(cipher, k_enc, k_mac))
    try:
        r = channel.transmit(commands.select_aid())
    except SecureMessagingError as e:
        channel.stop_sm()
        if reopen is not None:
            reopen()
        return _out(Verdict.FAILED, Reason.CA_KEY_MISMATCH,
                    "the chip's response does not verify under the keys agreed with the DG14 key (clone?)"
                    + (f" (SW {e.sw:04X})" if e.sw else ""), ev, lost=reopen is None)
    except TransportError:
        raise
    if not r.ok:
        return _out(Verdict.FAILED, Reason.CA_PROTOCOL_ERROR, f"SELECT after CA answered {r.sw:04X}", ev)
    return _out(Verdict.SUCCESSFUL, Reason.OK, "response verified under the new session keys", ev)


def perform(channel, dg14: bytes, rng: Rng, *, reopen: Optional[Callable[[], None]] = None,
            domain_policy=None) -> dict:
    """The reader's entry point: evidence for ``Evidence.ca`` (with ``check`` inside).

    Empty when CA was not attempted (no usable key in DG14): the verifier then
    reports ``not_supported``.
    """
    outcome = run(channel, dg14, rng, reopen=reopen, domain_policy=domain_policy)
    if outcome.check.verdict is Verdict.NOT_SUPPORTED:
        return {}
    return outcome.evidence
