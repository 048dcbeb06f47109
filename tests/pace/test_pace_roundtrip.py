"""Host <-> virtual chip PACE for every combination the spec allows, through the applet."""

from __future__ import annotations

import pytest

from cccd_chip.access.pace import perform_pace
from cccd_chip.crypto import domain_params as dp
from cccd_chip.emulator import ca_card, pace_card
from cccd_chip.errors import AccessDeniedError, UnsupportedError
from cccd_chip.iso7816 import commands
from cccd_chip.lds import security_infos as si
from cccd_chip.reader import chip_authentication, establish_pace

from pace_cards import can, channel_for, make_card, mrz
from testsupport.pace_helpers import det_rng
from host_cli.exit_codes import exit_code_for

CIPHERS = ("3DES", "AES-128", "AES-192", "AES-256")
PIDS = (0, 1, 2) + tuple(range(8, 19))


def _combos():
    for pid in PIDS:
        ka = "DH" if pid <= 2 else "ECDH"
        for mp in ("GM", "IM"):
            if mp == "IM" and pid == 10:
                continue  # P-224: no Integrated Mapping (ICAO 9303-11 Table 12 note)
            for cipher in CIPHERS:
                for pw in ("CAN", "MRZ"):
                    yield pid, ka, mp, cipher, pw


COMBOS = list(_combos())


def _read_com(ch) -> bytes:
    ch.select_aid()
    return ch.read_ef("COM", fid=0x011E, sfi=0x1E)


@pytest.mark.parametrize("pid,ka,mp,cipher,pw", COMBOS, ids=lambda x: str(x))
def test_pace_round_trip(pid, ka, mp, cipher, pw):
    info = pace_card.pace_info(mp, ka, cipher, pid)
    card = make_card([info])
    ch, app = channel_for(card, seed=f"{pid}{mp}{cipher}{pw}".encode())
    password = can() if pw == "CAN" else mrz()
    result = establish_pace(ch, si.parse(card.files["CardAccess"].data), password,
                            det_rng(f"host{pid}{mp}{cipher}{pw}".encode())).result
    assert result.access.protocol == "PACE"
    assert (result.access.mapping, result.access.cipher, result.access.parameter_id, result.access.password) == (
        mp, cipher, pid, pw)
    assert app.state.access == "pace"
    assert result.sm.cipher.name == cipher
    # the session works both ways: a protected read succeeds
    assert _read_com(ch) == card.files["COM"].data


def test_im_on_p224_is_refused_before_any_apdu():
    info = pace_card.pace_info("IM", "ECDH", "AES-128", 10)
    card = make_card([info])
    ch, _ = channel_for(card)
    with pytest.raises(UnsupportedError):
        perform_pace(ch, [info], can(), det_rng(b"x"))
    assert ch.apdu_count == 0


@pytest.mark.parametrize("pw", ["CAN", "MRZ"])
@pytest.mark.parametrize("pid", [8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18])
@pytest.mark.parametrize("cipher", ["AES-128", "AES-192", "AES-256"])
def test_pace_cam_round_trip(pid, cipher, pw):
    info = pace_card.pace_info("CAM", "ECDH", cipher, pid)
    key = ca_card.make_ca_key(pid, det_rng(b"ca%d" % pid), key_id=pid)
    card = make_card([info], ca_keys=[key], card_security=True)
    ch, app = channel_for(card)
    session = establish_pace(ch, [info], can() if pw == "CAN" else mrz(), det_rng(b"cam%d" % pid))
    result = session.result
    assert result.access.password == pw
    assert result.access.mapping == "CAM"
    assert session.card_security == card.files["CardSecurity"].data
    assert result.cam is not None and result.cam.check is None  # the driver records no check
    cam = session.cam
    assert cam.key_id == pid and cam.parameter_id == pid
    assert cam.check.verdict == "undetermined" and cam.check.reason == "CARD_SECURITY_NOT_VERIFIED"


def test_pace_cam_with_mrz_and_wrong_static_key_is_failed():
    """A chip whose CardSecurity names another key than it holds (a clone) fails the CAM check."""
    pid = 13
    info = pace_card.pace_info("CAM", "ECDH", "AES-128", pid)
    real = ca_card.make_ca_key(pid, det_rng(b"real"), key_id=pid)
    other = ca_card.load_ca_key(ca_card.make_ca_key(pid, det_rng(b"other"), key_id=pid))
    card = make_card([info], ca_keys=[real], card_security=True,
                     sec_infos_override=ca_card.ca_security_infos([other]))
    ch, _ = channel_for(card)
    cam = establish_pace(ch, [info], mrz(), det_rng(b"h")).cam
    assert cam.check.verdict == "failed" and cam.check.reason == "CAM_DATA_INVALID"


def test_wrong_can_is_access_denied_at_step_4_with_6300():
    info = pace_card.pace_info("GM", "ECDH", "AES-128", 13)
    card = make_card([info])
    ch, app = channel_for(card)
    from cccd_chip.access.passwords import can_password

    with pytest.raises(AccessDeniedError) as e:
        perform_pace(ch, [info], can_password("654321"), det_rng(b"w"))
    assert e.value.sw == 0x6300 and "step 4" in e.value.step
    assert "PACE step 4" in str(e.value) and "6300" in str(e.value)
    assert exit_code_for(e.value) == 5
    assert ch.sm is None and app.state.sm is None


def test_parameter_id_sent_when_card_lists_several_pace_infos():
    a = pace_card.pace_info("GM", "ECDH", "AES-128", 13)
    b = pace_card.pace_info("GM", "ECDH", "AES-128", 12)
    card = make_card([a, b])
    ch, app = channel_for(card)
    sent = []
    orig = ch.transport.transmit
    ch.transport.transmit = lambda raw: (sent.append(raw), orig(raw))[1]
    infos = si.parse(card.files["CardAccess"].data)
    first = infos.pace_infos[0].parameter_id  # DER sorted the SET: 12 comes first
    result = perform_pace(ch, infos, can(), det_rng(b"p"))
    assert result.access.parameter_id == first == 12  # card order breaks the tie
    mse = sent[0]
    assert mse[:4] == bytes.fromhex("0022C1A4") and mse.endswith(bytes.fromhex("84010C"))
    # and a single PACEInfo gives the G.1 form without DO'84'
    card1 = make_card([a])
    ch1, _ = channel_for(card1)
    sent.clear()
    orig1 = ch1.transport.transmit
    ch1.transport.transmit = lambda raw: (sent.append(raw), orig1(raw))[1]
    perform_pace(ch1, [a], can(), det_rng(b"p"))
    assert sent[0] == bytes.fromhex("0022C1A40F800A04007F00070202040202830102")


def test_without_the_parameter_id_an_ambiguous_card_refuses():
    a = pace_card.pace_info("GM", "ECDH", "AES-128", 13)
    b = pace_card.pace_info("GM", "ECDH", "AES-128", 12)
    card = make_card([a, b])
    ch, _ = channel_for(card)
    from cccd_chip.errors import ProtocolError

    with pytest.raises(ProtocolError) as e:
        perform_pace(ch, [a, b], can(), det_rng(b"p"), parameter_id_needed=False)
    assert e.value.sw == 0x6A80 and "step 0" in e.value.step


def test_cam_preferred_over_gm_and_unknown_infos_ignored():
    gm = pace_card.pace_info("GM", "ECDH", "AES-128", 13)
    cam = pace_card.pace_info("CAM", "ECDH", "AES-128", 12)
    weird = si.PaceInfo("0.4.0.127.0.7.2.2.4.2.2", 1, 13)  # version 1: unusable
    key = ca_card.make_ca_key(12, det_rng(b"k"), key_id=12)
    card = make_card([gm, cam], ca_keys=[key], card_security=True)
    ch, _ = channel_for(card)
    result = perform_pace(ch, [weird, gm, cam], can(), det_rng(b"c"))
    assert result.access.mapping == "CAM" and result.access.parameter_id == 12


def test_explicit_domain_parameters_from_pace_domain_parameter_info():
    import subprocess

    from cccd_chip.iso7816 import tlv

    der = subprocess.run(["openssl", "ecparam", "-name", "brainpoolP256r1", "-param_enc", "explicit",
                          "-outform", "DER"], capture_output=True, check=True).stdout
    alg = tlv.encode(0x30, tlv.encode(0x06, si.oid_to_bytes(dp.OID_EC_PUBLIC_KEY)) + der)
    info = si.PaceInfo(si.pace_oid("GM", "ECDH", "AES-128"), 2, 32)
    dpi = si.PaceDomainParameterInfo(si.ID_PACE_ECDH_GM, alg, 32)
    card = make_card([info], extra_infos=[dpi])
    ch, _ = channel_for(card)
    infos = si.parse(card.files["CardAccess"].data)
    with pytest.raises(UnsupportedError):
        perform_pace(ch, infos.pace_infos, can(), det_rng(b"e"))  # no SecurityInfos: parameters unknown
    result = establish_pace(ch, infos, can(), det_rng(b"e")).result
    assert result.access.parameter_id == 32
    assert _read_com(ch) == card.files["COM"].data
    _ = commands


def test_pace_cam_without_card_security_records_a_failed_check_and_keeps_the_session():
    pid = 13
    info = pace_card.pace_info("CAM", "ECDH", "AES-128", pid)
    key = ca_card.make_ca_key(pid, det_rng(b"k"), key_id=pid)
    card = make_card([info], ca_keys=[key], card_security=False)
    ch, _ = channel_for(card)
    session = establish_pace(ch, [info], can(), det_rng(b"n"))
    assert session.card_security is None
    assert session.cam.check.verdict == "failed" and "6A82" in session.cam.check.detail
    assert _read_com(ch) == card.files["COM"].data


@pytest.mark.parametrize("mp,pid", [("GM", 13), ("IM", 12), ("CAM", 13), ("GM", 0)])
def test_pace_and_ca_record_and_replay_exactly(tmp_path, mp, pid):
    """Every random byte of PACE and CA comes from the injected rng: a trace replays strictly."""
    import os

    from cccd_chip.channel import CardChannel
    from cccd_chip.emulator.applet import Applet
    from cccd_chip.emulator.determinism import Drbg
    from cccd_chip.transport.local import LocalTransport
    from cccd_chip.transport.trace import TraceRecorder, TraceReplayer

    ka = "DH" if pid <= 2 else "ECDH"
    info = pace_card.pace_info(mp, ka, "AES-128", pid)
    key = ca_card.make_ca_key(pid, det_rng(b"ca"), key_id=pid)
    card = make_card([info], ca_keys=[key], card_security=(mp == "CAM"), dg14=True)
    rec = TraceRecorder(LocalTransport(Applet(card, rng=Drbg("chip"))), tmp_path / "t.jsonl", rng=os.urandom)

    def session(transport, rng):
        ch = CardChannel(transport)
        res = establish_pace(ch, [info], can(), rng).result
        ch.select_aid()
        dg14 = ch.read_ef("DG14", fid=0x010E, sfi=14)
        ca = chip_authentication(ch, dg14, rng)
        return res, ca, ch.read_ef("COM", fid=0x011E, sfi=0x1E)

    first = session(rec, rec.rng)
    rec.save()
    rep = TraceReplayer(tmp_path / "t.jsonl")
    second = session(rep, rep.rng)
    rep.finish()
    assert first[1].verified is True and second[1].verified is True
    assert first[1].pk_ifd == second[1].pk_ifd and first[2] == second[2]
    assert first[0].chip_ephemeral_key == second[0].chip_ephemeral_key
    assert first[0].cam == second[0].cam


@pytest.mark.parametrize("pid", [12, 13, 15, 18])
def test_im_with_the_host_key_known_up_to_its_sign(monkeypatch, pid):
    """PACE-IM through ec.x_only_key_pair (the P-384 path with an old system libcrypto) on any
    curve: the chip accepts the key as sent, the tokens verify, the session reads."""
    from cccd_chip.crypto import ec

    name = dp.STANDARD_EC[pid]
    monkeypatch.setattr(ec, "_PYCA_FASTER", frozenset({name}))
    used = []
    real = ec.x_only_key_pair

    def spy(*a, **k):
        out = real(*a, **k)
        used.append(out is not None)
        return out

    monkeypatch.setattr(ec, "x_only_key_pair", spy)
    for i in range(3):
        info = pace_card.pace_info("IM", "ECDH", "AES-128", pid)
        card = make_card([info])
        ch, app = channel_for(card, seed=b"xonly%d%d" % (pid, i))
        result = establish_pace(ch, [info], can(), det_rng(b"xonly-host%d%d" % (pid, i))).result
        assert result.access.mapping == "IM" and app.state.access == "pace"
        assert _read_com(ch) == card.files["COM"].data
    assert used == [True] * 3
