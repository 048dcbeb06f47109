"""Secure messaging wrap / unwrap (ICAO 9303-11 §9.8, ISO/IEC 7816-4 §10).

The cipher suite (3DES or AES) plugs in through :class:`SmCipher`; the
framing with the send sequence counter (SSC) and the data objects
DO'85' / '87' / '97' / '99' / '8E' is shared here.

On every response the MAC over ``pad(SSC || DO'85'/'87' || DO'99')`` is
verified in constant time before anything in the response is decrypted or
parsed further. Any failure kills the session (the chip drops it as well).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Optional

from cryptography.hazmat.primitives import constant_time

from ..crypto.padding import pad, unpad
from ..errors import SecureMessagingError
from ..iso7816 import tlv
from ..iso7816.apdu import EXT_MAX_LE, SHORT_MAX_LE, CommandApdu, ResponseApdu

MAC_LEN = 8


class SmCipher(ABC):
    """The cipher suite of a secure messaging session."""

    name: str
    block_size: int

    @abstractmethod
    def encrypt(self, ssc: bytes, data: bytes) -> bytes:
        """Encrypt padded ``data`` for the message protected under ``ssc``."""

    @abstractmethod
    def decrypt(self, ssc: bytes, data: bytes) -> bytes:
        """Decrypt a cryptogram of the message protected under ``ssc``."""

    @abstractmethod
    def mac(self, data: bytes) -> bytes:
        """8-byte MAC over already padded ``data``."""

    @property
    def ssc_len(self) -> int:
        return self.block_size


@dataclass(frozen=True)
class SmKeys:
    """Session keys and the initial SSC (values, never logged)."""

    k_enc: bytes
    k_mac: bytes
    ssc: bytes

    def __repr__(self) -> str:  # never print keys
        return "SmKeys(<secret>)"


def _header_block(cmd: CommandApdu, block: int) -> bytes:
    return pad(bytes((cmd.cla | 0x0C, cmd.ins, cmd.p1, cmd.p2)), block)


def _le_bytes(le: int, extended: bool) -> bytes:
    if extended:
        return (0 if le == EXT_MAX_LE else le).to_bytes(2, "big")
    return bytes((0 if le == SHORT_MAX_LE else le,))


def protect_command(cipher: SmCipher, ssc: bytes, cmd: CommandApdu) -> CommandApdu:
    """Protect ``cmd`` under ``ssc`` (already incremented for this command).

    ICAO 9303-11 §9.8.4: odd INS carries the cryptogram in DO'85', even INS in
    DO'87' with the padding-content indicator 01; Le goes into DO'97'.
    """
    if cmd.cla & 0x0C:
        raise ValueError("command is already protected")
    bs = cipher.block_size
    do_data = b""
    if cmd.data:
        enc = cipher.encrypt(ssc, pad(cmd.data, bs))
        if cmd.ins & 1:
            do_data = tlv.encode(0x85, enc)
        else:
            do_data = tlv.encode(0x87, b"\x01" + enc)
    do97 = b""
    ext = cmd.is_extended
    if cmd.le is not None:
        do97 = tlv.encode(0x97, _le_bytes(cmd.le, ext or cmd.le > SHORT_MAX_LE))
    mac_input = pad(ssc + _header_block(cmd, bs) + do_data + do97, bs)
    do8e = tlv.encode(0x8E, cipher.mac(mac_input))
    body = do_data + do97 + do8e
    protected_ext = ext or len(body) > 255
    le = EXT_MAX_LE if protected_ext else SHORT_MAX_LE
    return CommandApdu(cmd.cla | 0x0C, cmd.ins, cmd.p1, cmd.p2, body, le, protected_ext)


def unprotect_response(cipher: SmCipher, ssc: bytes, resp: ResponseApdu) -> ResponseApdu:
    """Verify and decrypt a protected response under ``ssc`` (incremented for it).

    Returns the plain response. A response that is only a status word (the
    chip answered without SM objects) is returned as is when it reports an
    error other than an SM error; such an answer is never trusted as success.
    """
    if not resp.data:
        if resp.sw in (0x6987, 0x6988):
            raise SecureMessagingError("chip ended secure messaging", sw=resp.sw)
        if resp.sw == 0x9000 or (resp.sw1 in (0x61, 0x62, 0x63)):
            raise SecureMessagingError("unprotected success inside a secure messaging session", sw=resp.sw)
        return resp
    data = resp.data
    try:
        items = tlv.decode(data, file="R-APDU")
    except Exception:
        raise SecureMessagingError("malformed secure messaging response") from None
    do_crypt = None
    do99 = None
    do8e = None
    mac_end = 0
    for i, item in enumerate(items):
        if item.tag in (0x85, 0x87):
            if do_crypt is not None or do99 is not None or do8e is not None:
                raise SecureMessagingError("unexpected order of SM data objects")
            do_crypt = item
        elif item.tag == 0x99:
            if do99 is not None or do8e is not None:
                raise SecureMessagingError("unexpected order of SM data objects")
            do99 = item
        elif item.tag == 0x8E:
            if do8e is not None or i != len(items) - 1:
                raise SecureMessagingError("DO'8E' must be the last SM data object")
            do8e = item
            mac_end = item.offset
        else:
            raise SecureMessagingError(f"unexpected SM data object {item.tag:02X}")
    if do8e is None:
        raise SecureMessagingError("DO'8E' (MAC) missing in response")
    if len(do8e.value) != MAC_LEN:
        raise SecureMessagingError("DO'8E' has a wrong length")
    expected = cipher.mac(pad(ssc + bytes(data[:mac_end]), cipher.block_size))
    if not constant_time.bytes_eq(expected, do8e.value):
        raise SecureMessagingError("response MAC verification failed")
    # From here on the response is authentic.
    if do99 is None:
        raise SecureMessagingError("DO'99' (status) missing in response")
    if len(do99.value) != 2:
        raise SecureMessagingError("DO'99' is not 2 bytes")
    inner_sw = int.from_bytes(do99.value, "big")
    if inner_sw != resp.sw:
        raise SecureMessagingError("DO'99' differs from the status word", sw=resp.sw)
    plain = b""
    if do_crypt is not None:
        body = do_crypt.value
        if do_crypt.tag == 0x87:
            if not body or body[0] != 0x01:
                raise SecureMessagingError("DO'87' without padding-content indicator 01")
            body = body[1:]
        if not body or len(body) % cipher.block_size:
            raise SecureMessagingError("cryptogram length is not a multiple of the block size")
        plain = unpad(cipher.decrypt(ssc, body))
    return ResponseApdu.of(plain, inner_sw)


def increment(ssc: bytes) -> bytes:
    return ((int.from_bytes(ssc, "big") + 1) % (1 << (8 * len(ssc)))).to_bytes(len(ssc), "big")


# What a chip does with its SSC when it answers a protected command with a bare error
# status word (no DO'99'/DO'8E'). ICAO 9303-11 §9.8 does not say. Real chips, JMRTD and
# vsmartcard's ePass do not count the bare response ("uncounted"); some implementations
# (this project's emulator before issue 11, now the emulator quirk ssc-counts-bare-errors)
# count it ("counted").
UNCOUNTED = "uncounted"
COUNTED = "counted"
BARE_ERROR_CONVENTIONS = (UNCOUNTED, COUNTED)


def is_bare_error(resp: ResponseApdu) -> bool:
    """A status-only answer reporting an error other than the end of SM (6987/6988)."""
    return not resp.data and resp.sw not in (0x6987, 0x6988, 0x9000) and resp.sw1 not in (0x61, 0x62, 0x63)


class SecureMessaging:
    """A live session: cipher + SSC. Wrap each command, unwrap its response.

    After a bare error status word the SSC is ambiguous (see ``UNCOUNTED`` /
    ``COUNTED``). The next command is protected under ``preferred`` (real
    chips: uncounted); its response is accepted under either candidate SSC,
    and the one that verified is then fixed for the session (``convention``).
    A MAC that verifies under neither is fatal as always. A command MAC can be
    valid under one SSC only: a chip of the other convention answers the next
    command with a bare 6988 and ends the session; the session records that in
    ``mismatch_hint`` so the caller can prefer the other convention after
    re-authenticating (the reader does; at most once per card).
    """

    def __init__(self, cipher: SmCipher, ssc: bytes, *, preferred: str = UNCOUNTED,
                 convention: Optional[str] = None) -> None:
        if len(ssc) != cipher.ssc_len:
            raise ValueError("SSC length does not match the cipher")
        if preferred not in BARE_ERROR_CONVENTIONS or convention not in (None,) + BARE_ERROR_CONVENTIONS:
            raise ValueError("unknown bare-error convention")
        self.cipher = cipher
        self._ssc = bytes(ssc)
        self._alt: Optional[bytes] = None  # the other candidate SSC after a bare error
        self.preferred = preferred
        self.convention = convention  # fixed once a response decided it (or given)
        self.mismatch_hint: Optional[str] = None
        self.alive = True

    @property
    def ssc(self) -> bytes:
        return self._ssc

    def wrap(self, cmd: CommandApdu) -> CommandApdu:
        if not self.alive:
            raise SecureMessagingError("secure messaging session is closed")
        self._ssc = increment(self._ssc)
        if self._alt is not None:
            self._alt = increment(self._alt)
        return protect_command(self.cipher, self._ssc, cmd)

    def unwrap(self, resp: ResponseApdu) -> ResponseApdu:
        if not self.alive:
            raise SecureMessagingError("secure messaging session is closed")
        if is_bare_error(resp):
            return self._bare_error(resp)
        pending, self._alt = self._alt, None
        self._ssc = increment(self._ssc)
        try:
            out = unprotect_response(self.cipher, self._ssc, resp)
        except SecureMessagingError as first:
            if pending is None or not resp.data:
                if pending is not None and resp.sw in (0x6987, 0x6988):
                    # the chip could not verify a command protected under our candidate
                    self.mismatch_hint = COUNTED if self._guess() == UNCOUNTED else UNCOUNTED
                self.alive = False
                raise
            alt = increment(pending)
            try:
                out = unprotect_response(self.cipher, alt, resp)
            except SecureMessagingError:
                self.alive = False
                raise first from None
            self._ssc = alt
            self.convention = self._other(self._guess())
            return out
        if pending is not None:
            self.convention = self._guess()
        return out

    def _guess(self) -> str:
        return self.convention or self.preferred

    @staticmethod
    def _other(c: str) -> str:
        return COUNTED if c == UNCOUNTED else UNCOUNTED

    def _bare_error(self, resp: ResponseApdu) -> ResponseApdu:
        """ICAO 9303-11 §9.8 is silent: keep both candidates unless the convention is known."""
        guess = self._guess()
        if self._alt is not None:
            # the previous answer was bare too, and the chip did not refuse this command's MAC
            # (6988): it verified it under our candidate, which is therefore right
            self.convention = guess
            self._alt = None
        counted = increment(self._ssc)
        if self.convention is None:
            self._alt = self._ssc if guess == COUNTED else counted
        if guess == COUNTED:
            self._ssc = counted
        return resp

    def __repr__(self) -> str:
        return f"SecureMessaging({self.cipher.name})"
