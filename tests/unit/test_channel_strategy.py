"""The APDU strategy of the card channel against picky virtual chips.

Every profile must read byte-identical files; SSC desynchronisation would show
up as a secure messaging error, so a clean read also proves the SSC stayed in
step through every adaptation.
"""

from __future__ import annotations

import math

import pytest

from cccd_chip.channel import (
    CardChannel,
    LengthInfo,
    atr_card_capabilities,
    max_protected_plain,
    parse_atr_info,
)
from cccd_chip.emulator.applet import Reply
from cccd_chip.errors import CardRemovedError, SecureMessagingError
from cccd_chip.iso7816 import tlv
from cccd_chip.reader import ReadOptions, ReadStats, read_document

from . import chip_helpers as h

NO_CA_AA = ReadOptions(chip_auth=False, active_auth=False)
# ATR whose historical bytes announce extended Lc/Le (card capabilities, ISO/IEC 7816-4 §12.1.1.9)
_HIST = bytes.fromhex("8073000040") + b"ABCDE"
ATR_EXT = bytes([0x3B, 0x80 | len(_HIST), 0x80, 0x01]) + _HIST + b"\x00"
FILES = ("COM", "DG1", "DG2", "DG11")


class Recorder:
    """Transport wrapper that keeps every C-APDU."""

    def __init__(self, inner, refuse_extended: bool = False):
        self.inner = inner
        self.atr = inner.atr
        self.reader = "recorder"
        self.commands: list[bytes] = []
        self.refuse_extended = refuse_extended

    def transmit(self, apdu: bytes) -> bytes:
        self.commands.append(apdu)
        extended = len(apdu) > 5 and apdu[4] == 0
        protected = bool(apdu[0] & 0x0C)
        if extended and self.refuse_extended == "transport":
            raise CardRemovedError("transmission failed (card moved or removed)")  # SCARD_E_NOT_TRANSACTED
        if extended and (self.refuse_extended is True or (self.refuse_extended == "protected" and protected)):
            return b"\x67\x00"  # a reader that cannot carry extended APDUs answers by itself
        return self.inner.transmit(apdu)


class SixC:
    """Chip quirk: a Le beyond the end of file is answered 6Cxx (ISO 7816-4 §5.6)."""

    def alter_reply(self, app, cmd, reply):
        if cmd.ins == 0xB0 and reply.sw in (0x9000, 0x6282) and cmd.le and len(reply.data) < min(cmd.le, 256):
            return Reply(sw=0x6C00 | len(reply.data))
        return reply


class WrongLengthBeyondEof:
    """Chip quirk: a Le beyond the end of file is refused with 6700."""

    def alter_reply(self, app, cmd, reply):
        if cmd.ins == 0xB0 and reply.sw in (0x9000, 0x6282) and cmd.le and len(reply.data) < cmd.le:
            return Reply(sw=0x6700)
        return reply


class EarlyWarning:
    """Chip quirk: 6282 with data although the file goes on (seen with Le 256 on some IDs)."""

    def alter_reply(self, app, cmd, reply):
        if cmd.ins == 0xB0 and reply.sw == 0x9000 and len(reply.data) > 64:
            return Reply(reply.data[:64], 0x6282)
        return reply


def _read(card, *, faults=(), options=NO_CA_AA, refuse_extended=False):
    rec = Recorder(h.transport(card, faults), refuse_extended)
    stats = ReadStats()
    doc = read_document(rec, h.credential(), rng=h.rng_from(), options=options, stats=stats)
    for name in FILES:
        assert doc.files[name] == card.files[name].data, name
    return doc, stats, rec


PROFILES = {
    "default-short": dict(),
    "extended": dict(card_access=True, extended=True),
    "extended-max-4k": dict(card_access=True, extended=True, max_ext_le=0x1000),
    "extended-no-cardaccess": dict(extended=True),
    "short-le-0xDF": dict(max_le=0xDF),
    "short-le-0x80-eof-warning": dict(max_le=0x80, eof_warning=True),
    "no-sfi": dict(sfi=False),
    "no-extended-with-cardaccess": dict(card_access=True, extended=False),
    "big-dg2-odd-ins": dict(dg2_size=40000),
    "big-dg2-extended": dict(dg2_size=40000, card_access=True, extended=True),
}


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_picky_profiles_read_identically(name):
    _doc, stats, _rec = _read(h.card(**PROFILES[name]))
    assert stats.apdus > 0


@pytest.mark.parametrize("quirk", [SixC(), WrongLengthBeyondEof(), EarlyWarning()], ids=lambda q: type(q).__name__)
def test_chip_quirks_read_identically(quirk):
    _doc, stats, _rec = _read(h.card(), faults=[quirk])
    assert stats.adaptations or isinstance(quirk, EarlyWarning)


def test_odd_ins_used_above_32767():
    _doc, _stats, rec = _read(h.card(dg2_size=40000))
    plain_ins = {c[1] for c in rec.commands}
    assert 0xB1 in plain_ins  # the protected command keeps its INS


def _reads(rec):
    return [c for c in rec.commands if c[1] in (0xB0, 0xB1)]


def test_extended_reads_each_file_in_one_apdu():
    card = h.card(card_access=True, extended=True)
    _doc, stats, rec = _read(card)
    assert stats.extended is True
    # CardAccess, COM, DG1, DG2, DG11, SOD (absent): one READ BINARY each
    assert len(_reads(rec)) == 6
    assert not [c for c in rec.commands if c[1] == 0xA4 and c[2] == 0x02]  # no SELECT of an EF


def test_short_reads_hit_the_minimum():
    card = h.card()
    _doc, stats, rec = _read(card)
    per_apdu = max_protected_plain(256, 8)  # BAC: 3DES
    need = sum(math.ceil(len(card.files[n].data) / per_apdu) for n in FILES)
    # + CardAccess (absent), EF.ATR/INFO probe, SOD (absent); each one APDU
    assert len(_reads(rec)) == need + 3
    assert stats.extended is False


def test_reader_without_extended_length_is_detected_before_sm():
    card = h.card(card_access=True, extended=True)
    _doc, stats, rec = _read(card, refuse_extended=True)
    assert stats.extended is False
    assert any("probe" in a for a in stats.adaptations)


@pytest.mark.parametrize("card_access", [True, False])
def test_reader_failing_the_extended_probe_is_not_a_removal(card_access):
    card = h.card(card_access=card_access, extended=True, atr=ATR_EXT)
    _doc, stats, _rec = _read(card, refuse_extended="transport")
    assert stats.extended is False
    assert any("reader refused the probe" in a for a in stats.adaptations)


def test_card_really_removed_during_the_probe_still_aborts():
    class Gone:
        atr = h.ATR
        reader = "gone"

        def transmit(self, apdu):
            raise CardRemovedError("card removed")

    import cccd_chip.reader as reader

    with pytest.raises(CardRemovedError):
        reader.read_document(Gone(), h.credential(), rng=h.rng_from(), options=NO_CA_AA)


def test_forced_extended_through_a_refusing_reader_never_continues_the_old_session():
    """The reader answers 6700 itself: the chip never saw the command, SSCs differ.

    The old session must not carry on: the chip rejects the next protected command
    (6988), and the read completes only through a fresh access control (the files
    are still checked byte for byte against the card by ``_read``).
    """
    card = h.card(extended=True)
    _doc, stats, rec = _read(card, refuse_extended="protected",
                             options=ReadOptions(chip_auth=False, active_auth=False, extended=True))
    assert stats.reauthentications >= 1


def test_sm_error_ends_the_session():
    card = h.card()
    t = h.transport(card)
    ch = CardChannel(t)
    from cccd_chip.access.bac import perform_bac

    ch.select_aid()
    ch.start_sm(perform_bac(ch, h.credential().mrz.bac_seed(), h.rng_from()).sm)

    class Flip:
        def after_response(self, app, cmd, out):
            return bytes([out[0] ^ 1]) + out[1:] if len(out) > 2 else out

    t.applet.faults.append(Flip())
    with pytest.raises(SecureMessagingError):
        ch.read_ef("DG1", fid=0x0101, sfi=1)
    assert ch.sm is not None and not ch.sm.alive
    t.applet.faults.clear()
    with pytest.raises(SecureMessagingError):
        ch.read_ef("DG1", fid=0x0101, sfi=1)


def test_max_protected_plain():
    assert max_protected_plain(256, 8) == 231
    assert max_protected_plain(256, 16) == 223
    assert 65400 < max_protected_plain(65536, 16) < 65536


def test_atr_card_capabilities():
    # 3B 8A 80 01 | 80 73 00 00 C0 ... : category 80, card capabilities with extended Lc/Le (b7)
    hist = bytes.fromhex("8073000040") + b"ABCDE"
    atr = bytes([0x3B, 0x80 | len(hist), 0x80, 0x01]) + hist
    assert atr_card_capabilities(atr + b"\x00") is True
    hist_no = bytes.fromhex("8073000000") + b"ABCDE"
    assert atr_card_capabilities(bytes([0x3B, 0x80 | len(hist_no), 0x80, 0x01]) + hist_no + b"\x00") is False
    assert atr_card_capabilities(h.ATR) is None
    assert atr_card_capabilities(b"\x3B") is None
    assert atr_card_capabilities(b"") is None


def test_parse_atr_info():
    info = tlv.encode(0x7F66, tlv.encode(0x02, b"\x04\x00") + tlv.encode(0x02, b"\x10\x00"))
    assert parse_atr_info(tlv.encode(0x43, b"\x01") + info) == LengthInfo(1024, 4096)
    assert parse_atr_info(b"\x7F\x66\x05") is None  # truncated: no exception
    assert parse_atr_info(b"") is None


def test_atr_announcing_extended_length_without_card_access():
    card = h.card(extended=True, atr=ATR_EXT)  # BAC card: no EF.CardAccess, no EF.ATR/INFO
    _doc, stats, rec = _read(card)
    assert stats.extended is True
    assert len(_reads(rec)) == 7  # EF.ATR/INFO probe, CardAccess, COM, DG1, DG2, DG11, SOD
