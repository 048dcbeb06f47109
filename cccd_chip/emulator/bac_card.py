"""Chip side of BAC (ICAO 9303-11 §4.3.4.2)."""

from __future__ import annotations

from cryptography.hazmat.primitives import constant_time

from ..access.bac.protocol import BacKeys, cryptogram_mac as _mac, session_keys
from ..crypto import tdes
from ..errors import ProtocolError
from ..sm.base import SmKeys


def answer_external_authenticate(keys: BacKeys, cmd_data: bytes, rnd_ic: bytes, k_ic: bytes) -> tuple[bytes, SmKeys]:
    """Check the terminal's cryptogram and build the chip's; return (response, session keys)."""
    if len(cmd_data) != 40:
        raise ProtocolError("bad EXTERNAL AUTHENTICATE length")
    e_ifd, m_ifd = cmd_data[:32], cmd_data[32:]
    if not constant_time.bytes_eq(_mac(keys.k_mac, e_ifd), m_ifd):
        raise ProtocolError("terminal MAC invalid")
    s = tdes.decrypt_cbc(keys.k_enc, e_ifd)
    rnd_ifd, rnd_ic_echo, k_ifd = s[:8], s[8:16], s[16:32]
    if not constant_time.bytes_eq(rnd_ic_echo, rnd_ic):
        raise ProtocolError("RND.IC echo mismatch")
    e_ic = tdes.encrypt_cbc(keys.k_enc, rnd_ic + rnd_ifd + k_ic)
    resp = e_ic + _mac(keys.k_mac, e_ic)
    return resp, session_keys(k_ifd, k_ic, rnd_ic, rnd_ifd)
