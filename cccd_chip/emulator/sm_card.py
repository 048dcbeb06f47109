"""Chip side of secure messaging (ICAO 9303-11 §9.8): unwrap commands, wrap responses.

Shares the cipher suites (:mod:`cccd_chip.sm`) with the host; the worked
examples in test_vectors/ are what judge both sides.
"""

from __future__ import annotations

from typing import Optional

from cryptography.hazmat.primitives import constant_time

from ..crypto.padding import pad, unpad
from ..errors import SecureMessagingError
from ..iso7816 import tlv
from ..iso7816.apdu import CommandApdu
from ..sm.base import SmCipher, increment


def unprotect_command(cipher: SmCipher, ssc: bytes, cmd: CommandApdu) -> CommandApdu:
    """Verify the MAC of a protected command and return the plain command."""
    if cmd.cla & 0x0C != 0x0C:
        raise SecureMessagingError("command is not protected")
    try:
        items = tlv.decode(cmd.data, file="C-APDU")
    except Exception:
        raise SecureMessagingError("malformed protected command") from None
    do_crypt = do97 = do8e = None
    mac_end = 0
    for it in items:
        if it.tag in (0x85, 0x87) and do_crypt is None and do97 is None and do8e is None:
            do_crypt = it
        elif it.tag == 0x97 and do97 is None and do8e is None:
            do97 = it
        elif it.tag == 0x8E and do8e is None:
            do8e = it
            mac_end = it.offset
        else:
            raise SecureMessagingError("unexpected SM data object in command")
    if do8e is None or len(do8e.value) != 8:
        raise SecureMessagingError("DO'8E' missing in command")
    bs = cipher.block_size
    header = pad(bytes((cmd.cla, cmd.ins, cmd.p1, cmd.p2)), bs)
    expected = cipher.mac(pad(ssc + header + bytes(cmd.data[:mac_end]), bs))
    if not constant_time.bytes_eq(expected, do8e.value):
        raise SecureMessagingError("command MAC verification failed")
    data = b""
    if do_crypt is not None:
        body = do_crypt.value
        if do_crypt.tag == 0x87:
            if not body or body[0] != 1:
                raise SecureMessagingError("bad padding indicator")
            body = body[1:]
        if not body or len(body) % bs:
            raise SecureMessagingError("bad cryptogram length")
        data = unpad(cipher.decrypt(ssc, body))
    le: Optional[int] = None
    if do97 is not None:
        v = int.from_bytes(do97.value, "big") if do97.value else 0
        if len(do97.value) <= 1:
            le = v or 256
        else:
            le = v or 65536
    return CommandApdu(cmd.cla & ~0x0C & 0xFF, cmd.ins, cmd.p1, cmd.p2, data, le)


def protect_response(
    cipher: SmCipher, ssc: bytes, data: bytes, sw: int, *, odd: bool = False,
    omit_do99: bool = False, corrupt_mac: bool = False,
) -> bytes:
    """Wrap a response: DO'87' (or '85' for odd INS), DO'99', DO'8E'."""
    bs = cipher.block_size
    do_crypt = b""
    if data:
        enc = cipher.encrypt(ssc, pad(data, bs))
        do_crypt = tlv.encode(0x85, enc) if odd else tlv.encode(0x87, b"\x01" + enc)
    do99 = b"" if omit_do99 else tlv.encode(0x99, sw.to_bytes(2, "big"))
    mac = cipher.mac(pad(ssc + do_crypt + do99, bs))
    if corrupt_mac:
        mac = bytes([mac[0] ^ 0x01]) + mac[1:]
    return do_crypt + do99 + tlv.encode(0x8E, mac) + sw.to_bytes(2, "big")


class CardSm:
    """The chip's SM state: cipher + SSC, incremented per command and per protected response.

    ``counts_bare_errors``: whether an unprotected error status word also
    advances the SSC. Real chips, JMRTD and vsmartcard's ePass do not (the
    default); the emulator quirk ``ssc-counts-bare-errors`` makes this chip count it.
    """

    def __init__(self, cipher: SmCipher, ssc: bytes, *, counts_bare_errors: bool = False) -> None:
        self.cipher = cipher
        self.ssc = bytes(ssc)
        self.counts_bare_errors = counts_bare_errors

    def unwrap(self, cmd: CommandApdu) -> CommandApdu:
        self.ssc = increment(self.ssc)
        return unprotect_command(self.cipher, self.ssc, cmd)

    def wrap(self, data: bytes, sw: int, *, odd: bool = False, omit_do99: bool = False,
             corrupt_mac: bool = False) -> bytes:
        self.ssc = increment(self.ssc)
        return protect_response(self.cipher, self.ssc, data, sw, odd=odd, omit_do99=omit_do99,
                                corrupt_mac=corrupt_mac)

    def plain_status(self, sw: int) -> bytes:
        """An unprotected status-only error; the SSC advances only with ``counts_bare_errors``."""
        if self.counts_bare_errors:
            self.ssc = increment(self.ssc)
        return sw.to_bytes(2, "big")
