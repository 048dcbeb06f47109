"""Command builders (ISO/IEC 7816-4 §11, ICAO 9303-10 §3.6, 9303-11 §9)."""

from __future__ import annotations

from typing import Optional

from . import tlv
from .apdu import CommandApdu

ICAO_AID = bytes.fromhex("A0000002471001")

INS_SELECT = 0xA4
INS_READ_BINARY = 0xB0
INS_READ_BINARY_ODD = 0xB1
INS_GET_CHALLENGE = 0x84
INS_EXTERNAL_AUTHENTICATE = 0x82
INS_INTERNAL_AUTHENTICATE = 0x88
INS_GET_RESPONSE = 0xC0
INS_MSE = 0x22
INS_GENERAL_AUTHENTICATE = 0x86

MAX_OFFSET_EVEN = 0x7FFF
MAX_SFI_OFFSET = 0xFF


def select_aid(aid: bytes = ICAO_AID, *, le: Optional[int] = None) -> CommandApdu:
    """SELECT by DF name; P2 0C = no response data (ICAO 9303-10 §3.6.2)."""
    return CommandApdu(0x00, INS_SELECT, 0x04, 0x0C if le is None else 0x00, aid, le)


def select_fid(fid: int, *, p1: int = 0x02, le: Optional[int] = None) -> CommandApdu:
    """SELECT EF under the current DF by file identifier (P1 02)."""
    return CommandApdu(0x00, INS_SELECT, p1, 0x0C if le is None else 0x00, fid.to_bytes(2, "big"), le)


def select_mf() -> CommandApdu:
    return CommandApdu(0x00, INS_SELECT, 0x00, 0x0C, b"\x3F\x00")


def read_binary(offset: int, le: int, *, sfi: Optional[int] = None, extended: bool = False) -> CommandApdu:
    """READ BINARY; with ``sfi`` the file is selected implicitly (offset <= 255).

    Offsets above 32767 need the odd instruction B1 with an offset DO'54'.
    """
    if offset < 0:
        raise ValueError("negative offset")
    if sfi is not None:
        if not 1 <= sfi <= 30 or offset > MAX_SFI_OFFSET:
            raise ValueError("SFI read needs SFI 1..30 and offset <= 255")
        return CommandApdu(0x00, INS_READ_BINARY, 0x80 | sfi, offset, le=le, extended=extended)
    if offset <= MAX_OFFSET_EVEN:
        return CommandApdu(0x00, INS_READ_BINARY, offset >> 8, offset & 0xFF, le=le, extended=extended)
    return read_binary_odd(offset, le, extended=extended)


def read_binary_odd(offset: int, le: int, *, extended: bool = False) -> CommandApdu:
    """READ BINARY with odd INS B1 and offset DO'54' (ISO/IEC 7816-4 §11.2.3)."""
    off = offset.to_bytes(max(1, (offset.bit_length() + 7) // 8), "big")
    return CommandApdu(0x00, INS_READ_BINARY_ODD, 0x00, 0x00, tlv.encode(0x54, off), le=le, extended=extended)


def get_challenge(length: int = 8) -> CommandApdu:
    return CommandApdu(0x00, INS_GET_CHALLENGE, 0x00, 0x00, le=length)


def external_authenticate(data: bytes, le: Optional[int] = 0x28) -> CommandApdu:
    return CommandApdu(0x00, INS_EXTERNAL_AUTHENTICATE, 0x00, 0x00, data, le)


def internal_authenticate(challenge: bytes, le: int = 256) -> CommandApdu:
    return CommandApdu(0x00, INS_INTERNAL_AUTHENTICATE, 0x00, 0x00, challenge, le)


def get_response(le: int) -> CommandApdu:
    return CommandApdu(0x00, INS_GET_RESPONSE, 0x00, 0x00, le=le)


def mse_set_at(data: bytes, *, p1: int = 0xC1, p2: int = 0xA4) -> CommandApdu:
    """MSE:Set AT (PACE: P1P2 C1A4; CA: 41A4)."""
    return CommandApdu(0x00, INS_MSE, p1, p2, data)


def mse_set_kat(data: bytes) -> CommandApdu:
    """MSE:Set KAT for Chip Authentication with 3DES (ICAO 9303-11 §6.2.4.1)."""
    return CommandApdu(0x00, INS_MSE, 0x41, 0xA6, data)


def general_authenticate(data: bytes, *, last: bool = True, le: int = 256) -> CommandApdu:
    """GENERAL AUTHENTICATE with dynamic authentication data '7C'; CLA 10 chains."""
    return CommandApdu(0x00 if last else 0x10, INS_GENERAL_AUTHENTICATE, 0x00, 0x00, tlv.encode(0x7C, data), le)
