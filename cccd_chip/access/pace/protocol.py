"""PACE protocol steps as pure functions (ICAO 9303-11 §4.4; BSI TR-03110-2 §3.2).

Messages (ICAO 9303-11 §4.4.4, §4.4.5, Table 4):

====  ======================  ==================  ==========================
step  what                    command data (7C)   response data (7C)
====  ======================  ==================  ==========================
0     MSE:Set AT (C1A4)       80 OID, 83 pw ref,  (none)
                              [84 parameter ID]
1     encrypted nonce         (empty)             80 z = E(K_pi, s)
2     map nonce               81 PK_map / t       82 PK_map,IC / empty (IM)
3     key agreement           83 PK_IFD           84 PK_IC
4     mutual authentication   85 T_IFD            86 T_IC [87/88 CAR] [8A A_IC]
====  ======================  ==================  ==========================

GENERAL AUTHENTICATE steps 1-3 are chained (CLA 10), step 4 ends the chain.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from cryptography.hazmat.primitives import constant_time

from ...crypto.kdf import kdf_pi
from ...errors import ProtocolError
from ...iso7816 import tlv
from ...iso7816.apdu import CommandApdu
from ...lds.security_infos import oid_to_bytes
from . import symmetric

PASSWORD_REF = {"MRZ": 0x01, "CAN": 0x02, "PIN": 0x03, "PUK": 0x04}
STEP_NAMES = {
    0: "MSE:Set AT",
    1: "encrypted nonce",
    2: "map nonce",
    3: "key agreement",
    4: "mutual authentication",
}
MAX_NONCE = 64


def step_label(n: int) -> str:
    """'PACE step 4 (mutual authentication)' - what errors carry in ``step``."""
    return f"PACE step {n} ({STEP_NAMES[n]})"


# --- password and nonce (§4.4.3.3, §9.7.3) ---------------------------------------


def password_key(secret: bytes, cipher: str) -> bytes:
    """K_pi = KDF(f(pi), 3) from f(pi) = SHA-1(MRZ information) or the CAN bytes."""
    return kdf_pi(secret, cipher)


def encrypt_nonce(cipher: str, k_pi: bytes, s: bytes) -> bytes:
    return symmetric.encrypt(cipher, k_pi, s)


def decrypt_nonce(cipher: str, k_pi: bytes, z: bytes) -> bytes:
    """s = D(K_pi, z); z must be a non-empty multiple of the block size."""
    bs = symmetric.block_size(cipher)
    if not z or len(z) % bs or len(z) > MAX_NONCE:
        raise ProtocolError("PACE encrypted nonce has a wrong length", step=step_label(1), reason="PACE_MALFORMED")
    return symmetric.decrypt(cipher, k_pi, z)


# --- authentication token (§4.4.3.4, §9.4) -------------------------------------------


@lru_cache(maxsize=64)
def _oid_object(oid: str) -> bytes:
    """06 L OID: the protocol OIDs are few, so their encodings are kept."""
    return tlv.encode(0x06, oid_to_bytes(oid))


def _do(tag: int, value: bytes) -> bytes:
    """One data object with a one-byte tag (what PACE exchanges); long values through tlv.encode."""
    n = len(value)
    return bytes((tag, n)) + value if n < 0x80 and tag <= 0xFF else tlv.encode(tag, value)


def token_input(oid: str, public_tag: int, public_key: bytes) -> bytes:
    """7F49 { 06 OID, 86 point | 84 DH value } over the key as exchanged."""
    return tlv.encode(0x7F49, _oid_object(oid) + _do(public_tag, public_key))


def auth_token(cipher: str, k_mac: bytes, oid: str, public_tag: int, public_key: bytes) -> bytes:
    """T = MAC(KSmac, PK data object of the OTHER party's ephemeral key)."""
    return symmetric.mac(cipher, k_mac, token_input(oid, public_tag, public_key))


def token_pair(cipher: str, k_mac: bytes, oid: str, public_tag: int, chip_key: bytes,
               own_key: bytes) -> tuple[bytes, bytes]:
    """(T_IFD over the chip's key, the T_IC expected over ours): both tokens of step 4 at once."""
    return symmetric.mac_pair(cipher, k_mac, token_input(oid, public_tag, chip_key),
                              token_input(oid, public_tag, own_key))


def check_token(cipher: str, k_mac: bytes, oid: str, public_tag: int, public_key: bytes, token: bytes) -> bool:
    return constant_time.bytes_eq(auth_token(cipher, k_mac, oid, public_tag, public_key), token)


# --- APDUs -------------------------------------------------------------------------


def mse_set_at_data(oid: str, password: str, parameter_id: Optional[int] = None) -> bytes:
    """80 OID value, 83 password reference, [84 parameter ID] (§4.4.4.1)."""
    data = tlv.encode(0x80, oid_to_bytes(oid)) + tlv.encode(0x83, bytes([PASSWORD_REF[password]]))
    if parameter_id is not None:
        data += tlv.encode(0x84, parameter_id.to_bytes(max(1, (parameter_id.bit_length() + 7) // 8), "big"))
    return data


@lru_cache(maxsize=64)
def mse_set_at(oid: str, password: str, parameter_id: Optional[int] = None) -> CommandApdu:
    """MSE:Set AT for PACE (an immutable APDU: kept per OID, password and parameter ID)."""
    return CommandApdu(0x00, 0x22, 0xC1, 0xA4, mse_set_at_data(oid, password, parameter_id))


def general_authenticate(objects: bytes, *, last: bool) -> CommandApdu:
    """GA with 7C{objects}; chained (CLA 10) unless last. Extended length when needed."""
    data = _do(0x7C, objects)
    ext = len(data) > 255 or len(objects) > 200
    return CommandApdu(0x00 if last else 0x10, 0x86, 0x00, 0x00, data, 65536 if ext else 256, ext)


_GA_STEP1 = general_authenticate(b"", last=False)


def ga_step1() -> CommandApdu:
    """Step 1: GA with an empty 7C (the same immutable APDU every time)."""
    return _GA_STEP1


def ga_command(tag: int, value: bytes, *, last: bool = False) -> CommandApdu:
    return general_authenticate(_do(tag, value), last=last)


@dataclass(frozen=True)
class GaResponse:
    """The data objects of a GA response (tag -> value), order as received."""

    objects: tuple[tuple[int, bytes], ...]

    def get(self, tag: int) -> Optional[bytes]:
        for t, v in self.objects:
            if t == tag:
                return v
        return None

    def required(self, tag: int) -> bytes:
        """The value of a tag ``parse_ga_response`` was given in ``required`` (present once checked)."""
        v = self.get(tag)
        if v is None:
            raise ProtocolError(f"data object {tag:02X} missing in GENERAL AUTHENTICATE response",
                                reason="PACE_MALFORMED")
        return v


def _ga_objects_fast(data: bytes) -> Optional[list[tuple[int, bytes]]]:
    """The data objects of 7C{...} for the forms PACE answers use (one-byte tags, lengths in
    short form, 81 xx or 82 xx xx), else None: the general TLV decoder then decides (and
    produces its error). Accepts only what :func:`_ga_objects` accepts, with the same result."""
    n = len(data)
    if n < 2 or data[0] != 0x7C:
        return None
    length, pos = data[1], 2
    if length >= 0x80:
        if length == 0x81 and n >= 3:
            length, pos = data[2], 3
        elif length == 0x82 and n >= 4:
            length, pos = (data[2] << 8) | data[3], 4
        else:
            return None
    if pos + length != n:
        return None
    out: list[tuple[int, bytes]] = []
    while pos < n:
        if pos + 2 > n:
            return None
        tag, length = data[pos], data[pos + 1]
        if tag & 0x1F == 0x1F or tag in (0x00, 0xFF):
            return None
        pos += 2
        if length >= 0x80:
            if length == 0x81 and pos < n:
                length, pos = data[pos], pos + 1
            elif length == 0x82 and pos + 1 < n:
                length, pos = (data[pos] << 8) | data[pos + 1], pos + 2
            else:
                return None
        if pos + length > n:
            return None
        out.append((tag, bytes(data[pos:pos + length])))
        pos += length
    return out


def _ga_objects(data: bytes) -> list[tuple[int, bytes]]:
    """The data objects of 7C{...} through the general BER-TLV decoder (ParseError when malformed)."""
    outer = tlv.decode_one(data, expected_tag=0x7C, file="GENERAL AUTHENTICATE")
    return [(it.tag, it.value) for it in tlv.decode(outer.value, file="GENERAL AUTHENTICATE")]


def parse_ga_response(data: bytes, step: int, *, required: tuple[int, ...], allowed: tuple[int, ...] = ()) -> GaResponse:
    """Parse 7C{...}; every required tag present once, no tag outside required+allowed."""
    items = _ga_objects_fast(data)
    if items is None:
        try:
            items = _ga_objects(data)
        except Exception:
            raise ProtocolError("malformed GENERAL AUTHENTICATE response", step=step_label(step),
                                reason="PACE_MALFORMED") from None
    seen: list[tuple[int, bytes]] = []
    for tag, value in items:
        if tag not in required and tag not in allowed:
            raise ProtocolError(f"unexpected data object {tag:02X} in GENERAL AUTHENTICATE response",
                                step=step_label(step), reason="PACE_MALFORMED")
        for t, _ in seen:
            if t == tag:
                raise ProtocolError(f"duplicate data object {tag:02X}", step=step_label(step), reason="PACE_MALFORMED")
        seen.append((tag, value))
    for t in required:
        if not any(x == t for x, _ in seen):
            raise ProtocolError(f"data object {t:02X} missing in GENERAL AUTHENTICATE response",
                                step=step_label(step), reason="PACE_MALFORMED")
    return GaResponse(tuple(seen))


def parse_ga_command(data: bytes) -> GaResponse:
    """Chip side: the data objects of a GA command (7C{...}); ProtocolError when malformed."""
    try:
        outer = tlv.decode_one(data, expected_tag=0x7C, file="GENERAL AUTHENTICATE")
        items = tlv.decode(outer.value, file="GENERAL AUTHENTICATE")
    except Exception:
        raise ProtocolError("malformed GENERAL AUTHENTICATE command", reason="PACE_MALFORMED") from None
    return GaResponse(tuple((it.tag, it.value) for it in items))
