"""What the chip enforces: access rights, SM (6987 / 6988), reset and power-up, AA answers."""

from __future__ import annotations

import hashlib

import pytest
from emu_helpers import read_card

from cccd_chip.access.bac import perform_bac
from cccd_chip.channel import CardChannel
from cccd_chip.emulator.aa_card import iso9796_2_sign
from cccd_chip.emulator.applet import Applet
from cccd_chip.emulator.card import VirtualCard
from cccd_chip.emulator.determinism import Drbg, ecdsa_plain, key_for
from cccd_chip.errors import CardRemovedError
from cccd_chip.iso7816 import commands
from cccd_chip.iso7816.apdu import CommandApdu
from cccd_chip.lds import dg15
from cccd_chip.transport.local import LocalTransport
from cccd_chip.verify.active_auth import verify_active_authentication
from cccd_chip.crypto.signatures import load_public_key
from cryptography.hazmat.primitives import serialization


def _sw(resp: bytes) -> int:
    return int.from_bytes(resp[-2:], "big")


def _plain(app: Applet, cmd: CommandApdu) -> int:
    return _sw(app.process(cmd.encode()))


@pytest.fixture
def cccd(card_factory):
    return VirtualCard.load(card_factory("cccd-2021"))


def _bac_channel(card: VirtualCard):
    app = Applet(card)
    ch = CardChannel(LocalTransport(app))
    ch.select_aid()
    ch.start_sm(perform_bac(ch, hashlib.sha1(card.mrz_information).digest()[:16], Drbg("bac")).sm)
    return app, ch


def test_mf_select_answers_6d00_and_card_access_is_open(cccd):
    app = Applet(cccd)
    assert _plain(app, commands.select_mf()) == 0x6D00
    assert _plain(app, commands.select_fid(0x011C, p1=0x02)) == 0x9000  # without MF select (facts §1)
    r = app.process(commands.read_binary(0, 0x36, sfi=0x1C).encode())
    assert r[:-2] == cccd.files["CardAccess"].data and _sw(r) == 0x9000


def test_files_need_the_application_and_a_session(cccd):
    app = Applet(cccd)
    assert _plain(app, commands.select_fid(0x0101)) == 0x6A82  # DG1 is not in the MF
    assert _plain(app, commands.select_aid()) == 0x9000
    assert _plain(app, commands.select_fid(0x0101)) == 0x6982  # no SM session yet
    assert _plain(app, commands.read_binary(0, 4, sfi=1)) == 0x6982


def test_dg3_is_eac_protected_and_dg11_absent_inside_the_session(cccd):
    app, ch = _bac_channel(cccd)
    assert ch.transmit(commands.select_fid(0x0103)).sw == 0x6982
    assert ch.transmit(commands.select_fid(0x010B)).sw == 0x6A82
    assert ch.transmit(commands.select_fid(0x0101)).sw == 0x9000


def test_plain_command_ends_the_session_then_protected_is_refused(cccd):
    app, ch = _bac_channel(cccd)
    assert app.state.sm is not None and app.state.access == "bac"
    assert _plain(app, commands.select_fid(0x0101)) == 0x6987  # unprotected inside SM: session ends
    assert app.state.sm is None and app.state.access == "none"
    wrapped = ch.sm.wrap(commands.select_fid(0x0101)).encode()
    assert _sw(app.process(wrapped)) == 0x6988


def test_bad_command_mac_ends_the_session(cccd):
    app, ch = _bac_channel(cccd)
    wrapped = bytearray(ch.sm.wrap(commands.select_fid(0x0101)).encode())
    wrapped[-3] ^= 0x01  # inside DO'8E'
    assert _sw(app.process(bytes(wrapped))) == 0x6988
    assert app.state.sm is None


def test_power_up_resets_the_volatile_state(cccd):
    app, _ = _bac_channel(cccd)
    atr = app.power_up()
    assert atr == cccd.atr and app.state.sm is None and not app.state.app_selected
    assert _plain(app, commands.select_fid(0x0101)) == 0x6A82


def test_removed_card_answers_nothing_until_power_up(card_factory):
    d = card_factory("cccd-2021")
    app = Applet(VirtualCard.load(d))
    app.remove()
    with pytest.raises(CardRemovedError):
        LocalTransport(app).transmit(commands.select_aid().encode())
    app.power_up()
    doc, _ = read_card(d, applet=app)
    assert "DG1" in doc.files


def test_internal_authenticate_rsa_iso9796_2(cccd):
    app, ch = _bac_channel(cccd)
    r = ch.transmit(commands.internal_authenticate(b"\x01\x02\x03\x04\x05\x06\x07\x08"))
    assert r.ok and len(r.data) == 256
    key = load_public_key(dg15.parse(cccd.files["DG15"].data).subject_public_key_info)
    res = verify_active_authentication(b"\x01\x02\x03\x04\x05\x06\x07\x08", r.data, key)
    assert res.scheme == "iso9796-2" and res.hash == "sha1"
    assert ch.transmit(commands.internal_authenticate(b"\x01" * 7)).sw == 0x6700


@pytest.mark.parametrize("hname", ["sha1", "sha256", "sha512"])
def test_iso9796_2_trailers_verify(hname):
    key = key_for("rsa1024", "aa-unit")
    spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    sig = iso9796_2_sign(key, b"CHALLENGE", hname, Drbg("m1"))
    res = verify_active_authentication(b"CHALLENGE", sig, load_public_key(spki))
    assert res.hash == hname
    with pytest.raises(Exception):
        verify_active_authentication(b"CHALLENGF", sig, load_public_key(spki))


def test_ecdsa_aa_plain_signature(card_factory):
    from cccd_chip.lds import oids

    card = VirtualCard.load(card_factory("passport-pace-im"))
    doc, _ = read_card(card.directory)
    sig = doc.evidence.aa_signature
    assert len(sig) == 64  # plain r || s on P-256
    key = load_public_key(dg15.parse(card.files["DG15"].data).subject_public_key_info)
    res = verify_active_authentication(doc.evidence.aa_challenge, sig, key, oids.ECDSA_PLAIN_SHA256)
    assert res.scheme == "ecdsa"
    k = key_for("p256", "x")
    assert len(ecdsa_plain(k, b"12345678", "sha256")) == 64


def test_aa_without_key_is_not_supported(card_factory):
    app = Applet(VirtualCard.load(card_factory("passport-pace-cam")))  # no DG15, no AA key
    assert _plain(app, commands.internal_authenticate(b"\x00" * 8)) == 0x6D00


def test_odd_ins_read_binary_with_offset_do54(cccd):
    from cccd_chip.iso7816 import tlv

    app, ch = _bac_channel(cccd)
    assert ch.transmit(commands.select_fid(0x0102)).sw == 0x9000
    r = ch.transmit(commands.read_binary_odd(20_000, 0x80))
    assert r.ok
    assert tlv.decode_one(r.data, expected_tag=0x53).value == cccd.files["DG2"].data[20_000:20_128]


def test_extended_le_only_where_the_profile_allows_it(card_factory):
    for profile, ok in (("passport-pace-im", True), ("cccd-2021", False)):
        card = VirtualCard.load(card_factory(profile))
        app, ch = _bac_channel(card)
        assert ch.transmit(commands.select_fid(0x0102)).sw == 0x9000
        r = ch.transmit(commands.read_binary(0, 1000, extended=True))
        assert (r.sw == 0x9000 and r.data == card.files["DG2"].data[:1000]) if ok else r.sw == 0x6700


def test_the_card_never_raises_on_garbage(cccd):
    from hypothesis import given, settings, strategies as st

    app = Applet(cccd)

    @settings(max_examples=300, deadline=None)
    @given(st.binary(min_size=0, max_size=300))
    def run(raw):
        out = app.process(raw)
        assert out is None or (isinstance(out, bytes) and len(out) >= 2)

    run()
    _, ch = _bac_channel(cccd)  # and the card still works afterwards
