"""The card channel: transmit through secure messaging, status words, the APDU strategy.

- With a session set (``start_sm``), every command is protected and every
  response verified before it is looked at (ICAO 9303-11 §9.8). Any SM
  failure kills the session and is raised (:class:`SecureMessagingError`);
  the channel never continues with the old keys or SSC.
- ``61xx`` is answered with GET RESPONSE at the transport level (T=0).
- ``6Cxx`` (wrong Le) makes the channel re-send the command once with Le = xx;
  under SM the re-sent command is protected again and so gets a new SSC.

The read strategy (fewest APDUs, ISO/IEC 7816-4 §11.2, ICAO 9303-10 §4.7):

1. Every EF is read by SFI (P1 = 80|SFI): the first READ BINARY selects the
   file, no separate SELECT. A chip that refuses SFI reads (6A81/6A86/6986)
   gets SELECT + READ BINARY from then on.
2. Each READ BINARY asks for the largest Le the chip and reader carry: short
   256 without SM; under SM the largest plain length whose protected answer
   still fits 256 bytes (231 for 3DES, 223 for AES); with extended length
   ``max_ext_le`` (a whole LDS file in one APDU). The first read asks for the
   maximum, the EF's TLV header then tells the exact remaining length, so no
   later read asks beyond the end of the file.
3. Extended length is used when it is known to work end to end: forced by the
   caller, detected by an unprotected probe (the first unprotected READ BINARY,
   usually EF.CardAccess, is sent with an extended Le), or announced by
   EF.ATR/INFO (DO'7F66') / the ATR card capabilities for chips without
   EF.CardAccess. A transport that says it cannot carry extended APDUs
   (``extended_length = False``) disables it. Under SM an unknown capability
   means short APDUs: a reader that refuses an extended APDU itself would
   otherwise leave the chip's SSC behind the host's.
4. Adaptation: ``6700`` -> extended off (so is any error status to the extended probe
   other than 6A82 / 6982: the file is then read again with short APDUs, a refused
   probe never hides EF.CardAccess), then short Le 0xDF, then halve; a
   chip that refuses any Le beyond the end of file gets a 6-byte header read
   first; ``6Cxx`` -> exactly xx; ``6282`` -> end of file (an error only when
   the TLV declared more); fewer bytes than asked -> continue at the new
   offset. Every re-sent command is newly protected (new SSC); the number of
   adaptations is bounded.
5. Offsets above 32767 use READ BINARY with odd INS B1 (offset DO'54', data
   in DO'53').

A read has a budget (:class:`ReadBudget`, issue 10 defect 7): the card is an
attacker and may declare a 1 MiB file and answer one byte per READ BINARY. The
channel counts APDUs against ``base_apdus`` plus an allowance per file from its
declared length, stops a file whose answers stay far below what was asked (drip
feed), and stops the whole read after ``max_seconds``; each ends in
:class:`~cccd_chip.errors.AbortedError` (exit 4, "aborted", with a reason).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Callable, Optional, Protocol

from .errors import (AbortedError, CardError, ParseError, ProtocolError, SecureMessagingError, TraceMismatchError,
                     TransportError)
from .iso7816 import commands, tlv
from .iso7816.apdu import CommandApdu, ResponseApdu
from .iso7816.sw import error_for
from .sm.base import UNCOUNTED, SecureMessaging
from .transport.base import Transport


class Channel(Protocol):
    """What a protocol driver talks to (``access/``): one command-response pair at a time.

    ISO/IEC 7816-4 §5.1: a command APDU in, a response APDU out. Secure messaging, if any, is
    the channel's business (:class:`CardChannel` wraps and verifies, ICAO 9303-11 §9.8); the
    drivers never start or stop a session themselves: they return it, the reader installs it.
    """

    def transmit(self, cmd: CommandApdu) -> ResponseApdu:
        """Send ``cmd`` and return the chip's (unprotected) response."""
        ...

log = logging.getLogger("cccd_chip.channel")

Progress = Callable[[str, int, int], None]

MAX_EF_SIZE = 1024 * 1024  # no LDS file is larger (DG2 with several faces stays well below)
MAX_GET_RESPONSE = 64
SHORT_MAX = 256
EXT_MAX = 65536
DEFAULT_MAX_EXT_LE = 0xFF00  # a whole LDS file; leaves room for SM objects in a 64 KiB answer
SAFE_SHORT_LE = 0xDF  # fits a protected answer in 256 bytes for every cipher; the common default
PROBE_EXT_LE = 0x0400  # extended Le of the unprotected probe (a whole EF.CardAccess)
EXT_LADDER = (0x8000, 0x4000, 0x2000, 0x1000, 0x0800, 0x0400)  # extended Le fallbacks
LE_LADDER = (0xDF, 0xC0, 0xA0, 0x80, 0x70, 0x40, 0x20, 0x10, 0x08, 0x04, 0x02, 0x01)  # short Le fallbacks
MAX_ADAPTATIONS = 32  # Le changes per READ BINARY before giving up (both ladders fit)
SFI_REFUSED = (0x6A81, 0x6A86, 0x6986, 0x6D00, 0x6E00)
# answers to the unprotected extended probe that are about the file, not the APDU: the
# extended command was understood (no short retry); any other error status is a refused probe
PROBE_FILE_ANSWERS = (0x6A82, 0x6982)
READ_OK = (0x9000, 0x6282)
EF_ATR_INFO_SFI = 0x01
EF_ATR_INFO_FID = 0x2F01


@dataclass(frozen=True)
class ReadBudget:
    """Bounds on one read of one card (issue 10 defect 7); every bound can be overridden.

    - ``max_apdus``: a fixed cap on C-APDUs; None derives it: ``base_apdus`` (access
      control, Chip/Active Authentication, selects, re-authentication) plus, per EF,
      ``ceil(declared length / min_chunk) + per_file_apdus`` once its length is known;
    - ``max_seconds``: wall-clock time of the whole read (None: no limit);
    - drip feed: within one EF, an answer of fewer than ``min_chunk`` bytes when at
      least that many were asked counts as a dribble; more than ``max_dribbles``
      dribbles end the read (a genuine chip answers what it can carry).
    """

    max_apdus: Optional[int] = None
    max_seconds: Optional[float] = 120.0
    base_apdus: int = 400
    per_file_apdus: int = 48
    min_chunk: int = 32
    max_dribbles: int = 16

    def file_allowance(self, declared: int, le: int) -> int:
        """APDUs allowed for an EF of ``declared`` bytes read with answers of up to ``le`` bytes."""
        return math.ceil(max(declared, 0) / max(1, min(self.min_chunk, le))) + self.per_file_apdus


def max_protected_plain(response_limit: int, block: int) -> int:
    """Largest plain length whose SM answer (DO'87' + DO'99' + DO'8E') fits ``response_limit``.

    ICAO 9303-11 §9.8.5: DO'87' = 87 L 01 || cryptogram of the padded data
    (padding method 2 adds 1..block bytes); DO'99' = 4 bytes; DO'8E' = 10.
    """
    p = (response_limit // block) * block
    while p > 0:
        body = 1 + p
        do87 = 1 + len(tlv.encode_length(body)) + body
        if do87 + 4 + 10 <= response_limit:
            return p - 1
        p -= block
    return 0


def atr_card_capabilities(atr: Optional[bytes]) -> Optional[bool]:
    """Extended Lc/Le support from the ATR's historical bytes (ISO/IEC 7816-4 §12.1.1.9).

    Returns True/False when the third software function byte of the card
    capabilities DO (compact-TLV tag 7) says so, None when the ATR does not tell.
    """
    if not atr or len(atr) < 2 or atr[0] not in (0x3B, 0x3F):
        return None
    try:
        t0 = atr[1]
        k = t0 & 0x0F
        pos = 2
        y = t0 >> 4
        while True:
            pos += bin(y & 0x0F).count("1")
            if not y & 0x08:
                break
            if pos > len(atr):
                return None
            y = atr[pos - 1] >> 4
        hist = atr[pos : pos + k]
    except IndexError:
        return None
    if len(hist) < 1 or hist[0] != 0x80:
        return None
    i = 1
    while i < len(hist):
        tag, ln = hist[i] >> 4, hist[i] & 0x0F
        val = hist[i + 1 : i + 1 + ln]
        if tag == 0x7 and len(val) >= 3:
            return bool(val[2] & 0x40)
        i += 1 + ln
    return None


@dataclass(frozen=True)
class LengthInfo:
    """DO'7F66' extended length information (ISO/IEC 7816-4 §12.7.1): max C-/R-APDU bytes."""

    max_command: int
    max_response: int


def parse_atr_info(data: bytes) -> Optional[LengthInfo]:
    """The extended length information in EF.ATR/INFO (ICAO 9303-10 §4.7.1), if any."""
    try:
        for item in tlv.iter_tlv(data, file="ATR/INFO"):
            if item.tag == 0x7F66:
                ints = [int.from_bytes(x.value, "big") for x in tlv.iter_tlv(item.value, file="ATR/INFO")
                        if x.tag == 0x02 and 1 <= len(x.value) <= 4]
                if len(ints) >= 2:
                    return LengthInfo(ints[0], ints[1])
    except ParseError:
        return None
    return None


def _odd_header(n: int) -> int:
    """Bytes DO'53' adds around ``n`` data bytes."""
    return 1 + len(tlv.encode_length(max(n, 0)))


class CardChannel:
    """Commands to one card over one transport, optionally under SM.

    ``max_le`` caps short Le, ``extended`` is True (force), False (never) or
    None (detect), ``max_ext_le`` caps extended Le. ``adaptations`` lists what
    the channel learnt about the chip (no secrets), for logs and benchmarks.
    """

    def __init__(
        self,
        transport: Transport,
        *,
        max_le: int = SHORT_MAX,
        extended: Optional[bool] = None,
        max_ext_le: int = DEFAULT_MAX_EXT_LE,
        sfi_reads: bool = True,
        progress: Optional[Progress] = None,
        budget: Optional[ReadBudget] = None,
    ) -> None:
        self.transport = transport
        self.budget = budget or ReadBudget()
        self.apdu_limit = self.budget.max_apdus if self.budget.max_apdus is not None else self.budget.base_apdus
        self._started = time.monotonic()
        self.sm: Optional[SecureMessaging] = None
        self.max_le = max(1, min(max_le, SHORT_MAX))
        self.max_ext_le = max(SHORT_MAX + 1, min(max_ext_le, EXT_MAX))
        self.extended: Optional[bool] = extended
        self.extended_source = "option" if extended is not None else None
        if getattr(transport, "extended_length", None) is False and extended is not False:
            self._learn_extended(False, "reader")
        self.sfi_reads = sfi_reads
        self.ext_proven = 0  # largest extended Le the chip has answered with data
        self.progress = progress
        self.apdu_count = 0
        self.bytes_sent = 0
        self.bytes_received = 0
        self.adaptations: list[str] = []
        self._atr_info_tried = False
        self.bare_error_preference = UNCOUNTED  # SSC convention after bare errors (sm/base.py)

    # --- raw ----------------------------------------------------------------
    def _count(self, apdu: bytes, raw: bytes) -> None:
        self.bytes_sent += len(apdu)
        self.bytes_received += len(raw)

    def _spend(self) -> None:
        """One more C-APDU: within the APDU and time budget, else AbortedError (nothing is sent)."""
        if self.apdu_count >= self.apdu_limit:
            raise AbortedError(f"read aborted: APDU budget of {self.apdu_limit} spent (chip too slow to "
                               "deliver its files, or drip-feeding)", reason="ABORTED_APDU_BUDGET",
                               index=self.apdu_count)
        limit = self.budget.max_seconds
        if limit is not None and time.monotonic() - self._started > limit:
            raise AbortedError(f"read aborted: time budget of {limit:g} s spent", reason="ABORTED_TIME_BUDGET",
                               index=self.apdu_count)
        self.apdu_count += 1

    def _raw(self, apdu: bytes) -> ResponseApdu:
        self._spend()
        raw = self.transport.transmit(apdu)
        self._count(apdu, raw)
        resp = ResponseApdu.decode(raw)
        if resp.sw1 != 0x61:  # the whole answer (no GET RESPONSE chain)
            return resp
        data = bytearray(resp.data)
        n = 0
        while resp.sw1 == 0x61:
            n += 1
            if n > MAX_GET_RESPONSE:
                raise ProtocolError("too many 61xx responses")
            gr = commands.get_response(resp.sw2 or 256).encode()
            self._spend()
            raw = self.transport.transmit(gr)
            self._count(gr, raw)
            resp = ResponseApdu.decode(raw)
            data += resp.data
            if len(data) > EXT_MAX + 64:
                raise ProtocolError("GET RESPONSE chain longer than any R-APDU")
        return ResponseApdu(bytes(data), resp.sw1, resp.sw2)

    def start_sm(self, sm: SecureMessaging) -> None:
        if sm.convention is None:  # what an earlier session on this card learnt (sm/base.py)
            sm.preferred = self.bare_error_preference
        self.sm = sm

    def stop_sm(self) -> None:
        self.sm = None

    @property
    def sm_cipher(self) -> Optional[str]:
        return self.sm.cipher.name if self.sm else None

    def transmit(self, cmd: CommandApdu) -> ResponseApdu:
        """Send ``cmd`` (protected when SM is on); handle 6Cxx once (re-protected, new SSC)."""
        resp = self._send(cmd)
        if resp.sw1 == 0x6C and cmd.le is not None:
            le = resp.sw2 or SHORT_MAX
            self._note(f"6C{resp.sw2:02X}: re-sent with Le={le}")
            resp = self._send(CommandApdu(cmd.cla, cmd.ins, cmd.p1, cmd.p2, cmd.data, le))
        return resp

    def _send(self, cmd: CommandApdu) -> ResponseApdu:
        if self.sm is None:
            return self._raw(cmd.encode())
        wrapped = self.sm.wrap(cmd)
        resp = self._raw(wrapped.encode())
        try:
            return self.sm.unwrap(resp)
        except SecureMessagingError:
            hint = self.sm.mismatch_hint
            if hint is not None and hint != self.bare_error_preference:
                self.bare_error_preference = hint
                self._note(f"SSC after a bare error status word: the chip follows the '{hint}' convention")
            raise

    def _note(self, what: str) -> None:
        self.adaptations.append(what)
        log.info("APDU strategy: %s", what)

    def _learn_extended(self, value: bool, source: str) -> None:
        if self.extended != value or self.extended_source is None:
            self._note(f"extended length {'on' if value else 'off'} ({source})")
        self.extended = value
        self.extended_source = source

    # --- files ----------------------------------------------------------------
    def select_aid(self, aid: bytes = commands.ICAO_AID) -> None:
        if self.sm is None and self.extended is None:
            self._detect_from_atr_info()
        r = self.transmit(commands.select_aid(aid))
        if not r.ok:
            raise error_for(r.sw, "SELECT application", file="eMRTD application")

    def select_fid(self, fid: int, name: str) -> None:
        r = self.transmit(commands.select_fid(fid))
        if not r.ok:
            raise error_for(r.sw, f"SELECT {name}", file=name)

    def _detect_from_atr_info(self) -> None:
        """No EF.CardAccess told us: ask EF.ATR/INFO (one unprotected APDU, before SM).

        ICAO 9303-10 §4.7.1: a chip supporting extended length announces it in
        EF.ATR/INFO under the MF (SFI 01, read before the application is selected).
        """
        if self._atr_info_tried:
            return
        self._atr_info_tried = True
        atr_says = atr_card_capabilities(getattr(self.transport, "atr", None))
        if atr_says is False:
            self._learn_extended(False, "ATR")
            return
        try:
            r = self._send(commands.read_binary(0, PROBE_EXT_LE, sfi=EF_ATR_INFO_SFI, extended=True))
        except CardError:
            r = ResponseApdu.of(b"", 0x6F00)
        except TransportError as e:
            if not self._probe_failed(True, e):
                raise
            return
        if r.sw in READ_OK and r.data:
            info = parse_atr_info(r.data)
            if info is not None:
                self.max_ext_le = max(SHORT_MAX + 1, min(self.max_ext_le, info.max_response - 2))
                self._learn_extended(info.max_response > SHORT_MAX + 2, "EF.ATR/INFO")
                return
            self._learn_extended(True, "probe")
            return
        if r.sw == 0x6700:
            self._learn_extended(False, "probe")
        elif atr_says:
            # the extended APDU reached the chip (it answered with a file status)
            self._learn_extended(True, "ATR")
        else:
            self._learn_extended(False, "not announced")

    def _use_extended(self) -> bool:
        if self.extended is None:
            return self.sm is None  # an unprotected probe costs nothing if refused
        return self.extended

    def _le_limit(self, ext: bool) -> int:
        """Largest plain Le for one READ BINARY now."""
        if ext:
            lim = self.max_ext_le if self.extended is not None else min(self.max_ext_le, PROBE_EXT_LE)
            if self.sm is not None:
                lim = min(lim, max_protected_plain(EXT_MAX, self.sm.cipher.block_size))
            return lim
        lim = self.max_le
        if self.sm is not None:
            lim = min(lim, max_protected_plain(SHORT_MAX, self.sm.cipher.block_size))
        return lim

    def _read_command(self, offset: int, le: int, ext: bool, sfi: Optional[int]) -> CommandApdu:
        if sfi is not None and offset <= commands.MAX_SFI_OFFSET:
            return commands.read_binary(offset, le, sfi=sfi, extended=ext)
        return commands.read_binary(offset, le, extended=ext)

    def read_chunk(self, offset: int, want: Optional[int], *, sfi: Optional[int], name: str) -> tuple[bytes, int]:
        """One READ BINARY of up to ``want`` bytes (None: as many as allowed); adapts Le.

        Returns (data, SW). 6700 (and 6B00 for a large Le at offset 0) steps
        the Le down, 6Cxx re-sends with Le = xx; other SWs go back to the caller.
        """
        forced: Optional[int] = None
        for _ in range(MAX_ADAPTATIONS):
            ext = self._use_extended()
            lim = self._le_limit(ext)
            odd = offset > commands.MAX_OFFSET_EVEN
            if forced is not None:
                le = forced
            elif want is None:
                le = lim
            else:
                le = min(want + (_odd_header(want) if odd else 0), lim)
            ext_cmd = ext and le > SHORT_MAX
            cmd = self._read_command(offset, le, ext_cmd, sfi)
            try:
                r = self._send(cmd)
            except TransportError as e:
                if not self._probe_failed(ext_cmd, e):
                    raise
                continue
            if r.sw1 == 0x6C and forced is None:
                forced = r.sw2 or SHORT_MAX
                self._note(f"{name}: 6C{r.sw2:02X}, re-sent with Le={forced}")
                continue
            refused = r.sw == 0x6700 or (r.sw == 0x6B00 and offset == 0 and le > SAFE_SHORT_LE)
            if not refused and ext_cmd and self.extended is None and self.sm is None \
                    and r.sw not in READ_OK and r.sw not in PROBE_FILE_ANSWERS:
                # a chip may refuse the extended probe with any status (6F00, 6D00, 6A86, ...):
                # that says "no extended length", never "no file"; read again with short APDUs
                self._learn_extended(False, f"probe refused ({r.sw:04X})")
                continue
            if refused:
                forced = None
                if ext_cmd:
                    self._lower_ext_le(name, le, r.sw)
                    continue
                if self._lower_short_le(name, le, r.sw):
                    continue
            data = r.data
            if cmd.ins == commands.INS_READ_BINARY_ODD and data:
                try:
                    data = tlv.decode_one(data, expected_tag=0x53, file=name).value
                except ParseError:
                    raise ParseError("odd READ BINARY response without DO'53'", file=name,
                                     offset=offset) from None
            if ext_cmd and r.sw in READ_OK:
                self.ext_proven = max(self.ext_proven, le)
                if self.extended is None:
                    self._learn_extended(True, "probe")
            return data, r.sw
        raise ProtocolError(f"READ BINARY {name}: the chip accepts no Le tried", file=name, offset=offset)

    def _probe_failed(self, ext_cmd: bool, err: Exception) -> bool:
        """An unprotected extended probe that the reader could not carry (CCID short-APDU readers
        fail the transmission itself): extended length off, the read goes on with short APDUs.
        A card that really left fails the short retry as well."""
        if not (ext_cmd and self.extended is None and self.sm is None) or isinstance(err, TraceMismatchError):
            return False
        self._learn_extended(False, f"reader refused the probe: {getattr(err, 'reason', 'TRANSPORT')}")
        return True

    def _lower_short_le(self, name: str, le: int, sw: int) -> bool:
        """Step down the short-Le ladder after the chip refused ``le``; False at the bottom."""
        for step in LE_LADDER:
            if step < le:
                self.max_le = step
                self._note(f"{name}: {sw:04X} for Le={le}, short Le capped at {step}")
                return True
        return False

    def _lower_ext_le(self, name: str, le: int, sw: int) -> None:
        """Extended Le ``le`` refused: step down the extended ladder, or give extended length up."""
        if self.extended is not None and le > self.ext_proven:
            for step in EXT_LADDER:
                if step < le and step >= max(self.ext_proven, SHORT_MAX + 1):
                    self.max_ext_le = step
                    self._note(f"{name}: {sw:04X} for extended Le={le}, extended Le capped at {step}")
                    return
            if self.ext_proven > SHORT_MAX:
                self.max_ext_le = self.ext_proven
                self._note(f"{name}: {sw:04X} for extended Le={le}, back to the proven {self.ext_proven}")
                return
        src = "probe" if self.extended is None else f"{sw:04X} under SM" if self.sm else f"{sw:04X}"
        self._learn_extended(False, src)

    def read_binary(self, offset: int, le: int, *, sfi: Optional[int], name: str) -> tuple[bytes, int]:
        """One READ BINARY of up to ``le`` bytes at ``offset`` (compatibility wrapper)."""
        return self.read_chunk(offset, le, sfi=sfi, name=name)

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
        data, sw = self.read_chunk(0, None, sfi=use_sfi, name=name)
        if use_sfi is not None and sw in SFI_REFUSED and fid is not None:
            self.sfi_reads = False
            self._note(f"{name}: SFI read refused ({sw:04X}); SELECT + READ BINARY from now on")
            self.select_fid(fid, name)
            data, sw = self.read_chunk(0, None, sfi=None, name=name)
        if sw not in READ_OK:
            raise error_for(sw, f"READ BINARY {name}", file=name)
        if len(data) < 2:
            raise ParseError("file too short to hold a TLV header", file=name, offset=0)
        if data[0] & 0x20 and data[0] & 0x1F != 0x1F and data[1] == 0x80:
            return self._read_to_eof(name, data, sw, max_size)
        total, _hlen = tlv.total_length_from_prefix(data, file=name)
        if total > max_size:
            raise ParseError(f"declared file length {total} exceeds the limit {max_size}", file=name, offset=0)
        buf = bytearray(data[:total])
        self._report(name, len(buf), total)
        if self.budget.max_apdus is None:  # what the chip will need at the Le it accepts (>= 1 byte each)
            self.apdu_limit += self.budget.file_allowance(total, self._le_limit(self._use_extended()))
        dribbles = 0
        while len(buf) < total:
            # 6282 with data before the declared end is tolerated (some chips say so early);
            # a chip that really hit its end of file answers the next read without data.
            eof_seen = sw == 0x6282
            chunk, sw = self.read_chunk(len(buf), total - len(buf), sfi=None, name=name)
            if not chunk and (eof_seen or sw in READ_OK or sw == 0x6B00):
                raise ParseError(f"end of file after {len(buf)} of {total} declared bytes", file=name,
                                 offset=len(buf))
            if sw not in READ_OK:
                raise error_for(sw, f"READ BINARY {name}", file=name)
            if len(chunk) < min(self.budget.min_chunk, total - len(buf), self._le_limit(self._use_extended())):
                dribbles += 1
                if dribbles > self.budget.max_dribbles:
                    raise AbortedError(f"read aborted: {name} comes in pieces of {len(chunk)} bytes "
                                       f"({len(buf)} of {total} declared bytes read)", reason="ABORTED_DRIP_FEED",
                                       file=name, offset=len(buf), index=self.apdu_count)
            buf += chunk[: total - len(buf)]
            self._report(name, len(buf), total)
        log.debug("read %s: %d bytes (%d APDUs so far)", name, total, self.apdu_count)
        return bytes(buf)

    def _read_to_eof(self, name: str, data: bytes, sw: int, max_size: int) -> bytes:
        """An EF whose outer TLV has the BER indefinite length (X.690 §8.1.3.6; US passports' EF.SOD,
        issue 11): read until the chip reports the end of the file, at most ``max_size`` bytes.

        The file's content is judged by its parser (end-of-contents inside the file, ...).
        """
        buf = bytearray(data)
        self._note(f"{name}: indefinite length, read to the end of the file")
        while sw not in (0x6282,) and len(buf) <= max_size:
            chunk, sw = self.read_chunk(len(buf), None, sfi=None, name=name)
            if not chunk or sw == 0x6B00:
                break
            if sw not in READ_OK:
                raise error_for(sw, f"READ BINARY {name}", file=name)
            buf += chunk
            self._report(name, len(buf), len(buf))
        if len(buf) > max_size:
            raise ParseError(f"file longer than the limit {max_size}", file=name, offset=max_size)
        return bytes(buf)

    def _report(self, name: str, done: int, total: int) -> None:
        if self.progress:
            self.progress(name, done, total)


__all__ = ["CardChannel", "LengthInfo", "ReadBudget", "atr_card_capabilities", "max_protected_plain",
           "parse_atr_info"]
