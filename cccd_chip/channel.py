"""The card channel: transmit through secure messaging, status-word handling, EF reads.

- With a session set (``start_sm``), every command is protected and every
  response verified before it is looked at (ICAO 9303-11 §9.8).
- ``61xx`` is answered with GET RESPONSE at the transport level (T=0).
- ``6Cxx`` (wrong Le) makes the channel re-send the command once with Le = xx;
  under SM the re-sent command is protected again with a new SSC.
- ``read_ef`` reads a whole EF from its TLV length in chunks, by SFI when
  asked (no separate SELECT), switching to the odd READ BINARY above offset
  32767, adapting Le on ``6700`` / ``6Cxx`` and stopping on ``6282``.
"""

from __future__ import annotations

from typing import Callable, Optional

from .errors import CardError, ParseError, ProtocolError, SecureMessagingError
from .iso7816 import commands, tlv
from .iso7816.apdu import CommandApdu, ResponseApdu
from .iso7816.sw import error_for
from .sm.base import SecureMessaging

Progress = Callable[[str, int, int], None]

MAX_EF_SIZE = 1024 * 1024  # no LDS file is larger (DG2 with several faces stays well below)
MAX_GET_RESPONSE = 64


class CardChannel:
    """Commands to one card over one transport, optionally under SM."""

    def __init__(
        self,
        transport,
        *,
        max_le: int = 0xDF,
        extended: bool = False,
        max_ext_le: int = 0xFFF0,
        sfi_reads: bool = True,
        progress: Optional[Progress] = None,
    ) -> None:
        self.transport = transport
        self.sm: Optional[SecureMessaging] = None
        self.max_le = max_le
        self.extended = extended
        self.max_ext_le = max_ext_le
        self.sfi_reads = sfi_reads
        self.progress = progress
        self.apdu_count = 0
        self.bytes_sent = 0
        self.bytes_received = 0

    # --- raw ----------------------------------------------------------------
    def _raw(self, apdu: bytes) -> ResponseApdu:
        self.apdu_count += 1
        self.bytes_sent += len(apdu)
        raw = self.transport.transmit(apdu)
        self.bytes_received += len(raw)
        resp = ResponseApdu.decode(raw)
        data = bytearray(resp.data)
        n = 0
        while resp.sw1 == 0x61:
            n += 1
            if n > MAX_GET_RESPONSE:
                raise ProtocolError("too many 61xx responses")
            gr = commands.get_response(resp.sw2 or 256).encode()
            self.apdu_count += 1
            self.bytes_sent += len(gr)
            raw = self.transport.transmit(gr)
            self.bytes_received += len(raw)
            resp = ResponseApdu.decode(raw)
            data += resp.data
        return ResponseApdu(bytes(data), resp.sw1, resp.sw2)

    def start_sm(self, sm: SecureMessaging) -> None:
        self.sm = sm

    def stop_sm(self) -> None:
        self.sm = None

    @property
    def sm_cipher(self) -> Optional[str]:
        return self.sm.cipher.name if self.sm else None

    def transmit(self, cmd: CommandApdu) -> ResponseApdu:
        """Send ``cmd`` (protected when SM is on); handle 6Cxx once."""
        resp = self._send(cmd)
        if resp.sw1 == 0x6C and cmd.le is not None:
            resp = self._send(CommandApdu(cmd.cla, cmd.ins, cmd.p1, cmd.p2, cmd.data, resp.sw2 or 256))
        return resp

    def _send(self, cmd: CommandApdu) -> ResponseApdu:
        if self.sm is None:
            return self._raw(cmd.encode())
        wrapped = self.sm.wrap(cmd)
        resp = self._raw(wrapped.encode())
        return self.sm.unwrap(resp)

    # --- files ----------------------------------------------------------------
    def select_aid(self, aid: bytes = commands.ICAO_AID) -> None:
        r = self.transmit(commands.select_aid(aid))
        if not r.ok:
            raise error_for(r.sw, "SELECT application", file="eMRTD application")

    def select_fid(self, fid: int, name: str) -> None:
        r = self.transmit(commands.select_fid(fid))
        if not r.ok:
            raise error_for(r.sw, f"SELECT {name}", file=name)

    def _chunk(self) -> int:
        if not self.extended:
            return self.max_le
        return self.max_ext_le

    def read_binary(self, offset: int, le: int, *, sfi: Optional[int], name: str) -> tuple[bytes, int]:
        """One READ BINARY; returns (data, sw). Adapts Le on 6700 / 6Cxx."""
        ext = self.extended and le > 256
        while True:
            if sfi is not None:
                cmd = commands.read_binary(offset, le, sfi=sfi, extended=ext)
            else:
                cmd = commands.read_binary(offset, le, extended=ext)
            r = self.transmit(cmd)
            if r.sw == 0x6700 and le > 1:
                # wrong length: fall back to a smaller, always-safe Le
                new_le = min(le - 1, 0xDF) if le > 0xDF else max(1, le // 2)
                if self.extended:
                    self.extended = False
                    ext = False
                self.max_le = min(self.max_le, new_le)
                le = new_le
                continue
            break
        data = r.data
        if cmd.ins == commands.INS_READ_BINARY_ODD and data:
            try:
                data = tlv.decode_one(data, expected_tag=0x53, file=name).value
            except ParseError:
                raise ParseError("odd READ BINARY response without DO'53'", file=name, offset=offset) from None
        return data, r.sw

    def read_ef(
        self,
        name: str,
        *,
        fid: Optional[int] = None,
        sfi: Optional[int] = None,
        max_size: int = MAX_EF_SIZE,
    ) -> bytes:
        """Read a whole BER-TLV EF; its length comes from the first bytes read."""
        use_sfi = sfi if (sfi is not None and self.sfi_reads) else None
        if use_sfi is None:
            if fid is None:
                raise ValueError("read_ef needs a FID or an SFI")
            self.select_fid(fid, name)
        first_le = min(self._chunk(), 256 if not self.extended else self.max_ext_le)
        data, sw = self.read_binary(0, first_le, sfi=use_sfi, name=name)
        if sw not in (0x9000, 0x6282):
            raise error_for(sw, f"READ BINARY {name}", file=name)
        if len(data) < 2:
            raise ParseError("file too short to hold a TLV header", file=name, offset=0)
        total, _hlen = tlv.total_length_from_prefix(data, file=name)
        if total > max_size:
            raise ParseError(f"declared file length {total} exceeds the limit {max_size}", file=name, offset=0)
        buf = bytearray(data[:total])
        self._report(name, len(buf), total)
        while len(buf) < total:
            if sw == 0x6282:
                raise ParseError(f"end of file after {len(buf)} of {total} declared bytes", file=name,
                                 offset=len(buf))
            want = min(self._chunk(), total - len(buf))
            chunk, sw = self.read_binary(len(buf), want, sfi=None, name=name)
            if sw not in (0x9000, 0x6282):
                raise error_for(sw, f"READ BINARY {name}", file=name)
            if not chunk:
                raise ParseError(f"chip returned no data at offset {len(buf)}", file=name, offset=len(buf))
            buf += chunk[: total - len(buf)]
            self._report(name, len(buf), total)
        return bytes(buf)

    def _report(self, name: str, done: int, total: int) -> None:
        if self.progress:
            self.progress(name, done, total)


def ensure_sm_alive(channel: CardChannel) -> None:
    if channel.sm is not None and not channel.sm.alive:
        raise SecureMessagingError("secure messaging session is closed")


__all__ = ["CardChannel", "CardError"]
