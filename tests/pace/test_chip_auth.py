"""Chip Authentication: host <-> virtual chip runs (3DES KAT, AES AT+GA); the BSI worked example is in
tests/vectors/test_ca_vectors.py."""

from __future__ import annotations

import pytest

from cccd_chip.access import chip_auth
from cccd_chip.crypto import domain_params as dp
from cccd_chip.emulator import ca_card, pace_card
from cccd_chip.iso7816 import tlv
from cccd_chip.lds import security_infos as si
from cccd_chip.reader import chip_authentication, establish_pace
from cccd_chip.verify.chip_auth import check_chip_authentication
from cccd_chip.verify.report import Reason, Verdict

from pace_cards import can, channel_for, make_card
from testsupport.pace_helpers import det_rng


def _pace_then_ca(pid: int, ca_cipher: str, *, key_ids=(None,), holder_key=None, with_ca_info=True,
                  reopen=False, dg14_key_id=None):
    keys = [ca_card.make_ca_key(pid, det_rng(b"k%d%s" % (pid, str(kid).encode())), key_id=kid) for kid in key_ids]
    loaded = [ca_card.load_ca_key(k) for k in keys]
    dg14_infos = ca_card.ca_security_infos(loaded, ca_cipher, with_ca_info=with_ca_info)
    if dg14_key_id is not None:  # DG14 names one key for CA
        dg14_infos = [i for i in dg14_infos if not isinstance(i, si.ChipAuthenticationInfo) or i.key_id == dg14_key_id]
    chip_keys = keys if holder_key is None else [holder_key]
    card = make_card([pace_card.pace_info("GM", "ECDH", "AES-128", 13)], ca_keys=chip_keys, dg14=False)
    dg14 = tlv.encode(0x6E, si.build(dg14_infos))
    ch, app = channel_for(card)
    pace_infos = si.SecurityInfos((pace_card.pace_info("GM", "ECDH", "AES-128", 13),))
    establish_pace(ch, pace_infos, can(), det_rng(b"pace"))
    ch.select_aid()
    reopened = []

    def do_reopen():
        reopened.append(1)
        establish_pace(ch, pace_infos, can(), det_rng(b"again"))
        ch.select_aid()

    out = chip_authentication(ch, dg14, det_rng(b"ca"), reopen=do_reopen if reopen else None)
    return out, ch, app, reopened


def _judged(ev, dg14=b"\x6E\x00"):
    return check_chip_authentication(ev, dg14, dg14_authenticated=True)


@pytest.mark.parametrize("pid,cipher", [(13, "AES-128"), (12, "3DES"), (0, "3DES"), (2, "AES-256"),
                                        (18, "AES-192"), (1, "AES-128"), (16, "3DES")])
def test_ca_round_trip(pid, cipher):
    ev, ch, app, _ = _pace_then_ca(pid, cipher)
    assert ev.check.verdict == "successful" and _judged(ev).verdict is Verdict.SUCCESSFUL, ev.check
    assert ev.verified is True and ev.cipher == cipher and ev.oid == si.ca_oid(
        "DH" if pid <= 2 else "ECDH", cipher)
    assert app.state.access == "ca" and ch.sm.cipher.name == cipher
    # the session under the CA keys keeps working
    assert ch.read_ef("COM", fid=0x011E, sfi=0x1E) == bytes.fromhex("60055C03616E6F")


def test_ca_selects_the_key_of_the_ca_info_by_key_id():
    ev, ch, app, _ = _pace_then_ca(13, "AES-128", key_ids=(1, 2), dg14_key_id=2)
    assert ev.verified is True and ev.key_id == 2


def test_ca_without_chip_authentication_info_defaults_to_3des():
    ev, ch, _, _ = _pace_then_ca(13, "AES-128", with_ca_info=False)
    assert ev.verified is True and ev.cipher == "3DES"
    assert ch.sm.cipher.name == "3DES"


@pytest.mark.parametrize("cipher", ["AES-128", "3DES"])
def test_clone_without_the_dg14_key_is_failed_not_aborted(cipher):
    other = ca_card.make_ca_key(13, det_rng(b"clone"), key_id=None)
    ev, ch, app, _ = _pace_then_ca(13, cipher, holder_key=other)
    judged = _judged(ev)
    assert judged.verdict is Verdict.FAILED and judged.reason is Reason.CA_KEY_MISMATCH
    assert ev.verified is False and ev.reason == "CA_KEY_MISMATCH" and ev.check.verdict == "failed"
    assert ev.session_lost and ch.sm is None


def test_clone_with_reopen_callback_keeps_reading():
    other = ca_card.make_ca_key(13, det_rng(b"clone"), key_id=None)
    ev, ch, app, reopened = _pace_then_ca(13, "AES-128", holder_key=other, reopen=True)
    assert ev.verified is False and reopened == [1] and ev.session_lost is False
    assert ch.read_ef("COM", fid=0x011E, sfi=0x1E) == bytes.fromhex("60055C03616E6F")


def test_no_ca_key_in_dg14_is_not_supported_and_perform_returns_nothing():
    card = make_card([pace_card.pace_info("GM", "ECDH", "AES-128", 13)])
    ch, _ = channel_for(card)
    establish_pace(ch, card_infos := si.parse(card.files["CardAccess"].data), can(), det_rng(b"p"))
    dg14 = tlv.encode(0x6E, si.build([si.TerminalAuthenticationInfo(si.ID_TA, 1)]))
    result = chip_auth.perform_chip_authentication(ch, dg14, det_rng(b"c"))
    assert result.session is None and not result.evidence.attempted and result.evidence.to_dict() == {}
    assert chip_authentication(ch, dg14, det_rng(b"c")).to_dict() == {}
    assert _judged(result.evidence, dg14).verdict is Verdict.NOT_SUPPORTED
    assert card_infos.pace_infos


def test_malformed_dg14_is_undetermined():
    # DG14 is signed: a malformed one is the issuer's (a changed one fails PA), CA cannot be checked
    card = make_card([pace_card.pace_info("GM", "ECDH", "AES-128", 13)])
    ch, _ = channel_for(card)
    out = chip_auth.perform_chip_authentication(ch, b"\x6E\x03\x31\x01\x00", det_rng(b"c"))
    assert out.session is None and out.evidence.verified is None and out.evidence.reason == "DG_MALFORMED"
    assert out.evidence.check.verdict == "undetermined" and out.evidence.check.reason == "DG_MALFORMED"


def test_ca_apdus_have_the_documented_shape():
    d = dp.standard(13)
    pk = d.encode(d.mul_gen(5))
    kat = chip_auth.mse_set_kat(pk, 7).encode()
    assert kat[:4] == bytes.fromhex("002241A6") and kat[5:8] == bytes.fromhex("914104") and kat.endswith(b"\x84\x01\x07")
    at = chip_auth.mse_set_at("0.4.0.127.0.7.2.2.3.2.2", None).encode()
    assert at == bytes.fromhex("002241A40C800A04007F00070202030202")
    ga = chip_auth.general_authenticate(pk).encode()
    assert ga[:5] == bytes.fromhex("0086000045") and ga[5:9] == bytes.fromhex("7C438041")
