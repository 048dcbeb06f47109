"""The virtual chip's side of Terminal Authentication, APDU by APDU: status words for misuse,
TA version 2 (PACE -> TA with Comp(PK_PCD) -> CA with that key), rights ending with the session."""

from __future__ import annotations

from pathlib import Path

import pytest

from cccd_chip.access.pace import perform_pace
from cccd_chip.access.pace import symmetric
from cccd_chip.access.passwords import can_password
from cccd_chip.access.ta import TaContext, Terminal, parse_chip_cars, perform_ta
from cccd_chip.channel import CardChannel
from cccd_chip.crypto import domain_params
from cccd_chip.eac import ef_cvca, ta
from cccd_chip.emulator.applet import Applet
from cccd_chip.emulator.card import VirtualCard
from cccd_chip.emulator.determinism import Drbg
from cccd_chip.iso7816 import tlv
from cccd_chip.iso7816.apdu import CommandApdu
from cccd_chip.lds import security_infos as si
from cccd_chip.transport.local import LocalTransport


def _pace(card_dir: Path):
    card = VirtualCard.load(card_dir)
    app = Applet(card)
    ch = CardChannel(LocalTransport(app))
    infos = si.parse(ch.read_ef("CardAccess", fid=0x011C, sfi=0x1C))
    res = perform_pace(ch, infos, can_password(card.secrets["can"]), Drbg("eac-chip-test"))
    if ch.sm is None:  # drivers that leave installing the session to the caller
        ch.start_sm(res.sm)
    ch.select_aid()
    return app, ch, res


def _cars(ch) -> tuple[str, ...]:
    return parse_chip_cars(ch.read_ef("CVCA", fid=ef_cvca.FID, sfi=ef_cvca.SFI, max_size=256))


def _read_dg3(ch):
    return ch.transmit(CommandApdu(0x00, 0xB0, 0x83, 0x00, b"", 256))


def test_status_words_for_misuse(eac_card):
    card = eac_card()
    app, ch, res = _pace(card)
    t = Terminal.load(card / "eac" / "chain", card / "eac" / "is_key.pem")
    is_cert = next(c for c in t.certificates if c.chr == "VNTESTIS00001")
    assert ch.transmit(ta.pso_verify_certificate(is_cert)[0]).sw == 0x6985  # PSO before MSE:Set DST
    assert ch.transmit(ta.mse_set_dst("VNNOBODY00001")).sw == 0x6A88  # unknown key reference
    assert ch.transmit(ta.mse_set_at("VNTESTIS00001")).sw == 0x6A88  # terminal key not imported
    assert ch.transmit(ta.mse_set_dst("VNTESTCVCA00001")).sw == 0x9000
    # the DV certificate is signed by CVCA 00002, not by the selected 00001: wrong CAR
    dv = next(c for c in t.certificates if c.chr == "VNTESTDV00001")
    for cmd in ta.pso_verify_certificate(dv):
        r = ch.transmit(cmd)
    assert r.sw == 0x6A80
    # TA version 1 needs Chip Authentication first: the whole chain imported, MSE:Set AT refused
    ctx = TaContext(_cars(ch), ta.comp(res.chip_ephemeral_key, "ECDH"), b"\x00" * 32, version=1)
    out = perform_ta(ch, t, ctx)
    assert (out.outcome, out.step, out.sw) == ("refused", "MSE:Set AT (TA)", 0x6985)
    assert _read_dg3(ch).sw == 0x6982


def test_ta_v2_after_pace_then_ca_with_the_announced_key(eac_card):
    card = eac_card()
    app, ch, res = _pace(card)
    t = Terminal.load(card / "eac" / "chain", card / "eac" / "is_key.pem")
    domain = domain_params.standard(13)  # the CA key's domain (brainpoolP256r1)
    rng = Drbg("ta-v2-ephemeral")
    sk, pk = domain.generate(rng)
    pk_raw = domain.encode(pk)
    ctx = TaContext(_cars(ch), ta.comp(res.chip_ephemeral_key, "ECDH"), ta.comp(pk_raw, "ECDH"), version=2)
    out = perform_ta(ch, t, ctx)
    assert out.successful and out.version == 2, out
    # Chip Authentication with another ephemeral key than the one TA announced: refused
    oid = si.ca_oid("ECDH", "AES-128")
    mse = CommandApdu(0x00, 0x22, 0x41, 0xA4, tlv.encode(0x80, si.oid_to_bytes(oid)))
    assert ch.transmit(mse).sw == 0x9000
    _, other = domain.generate(rng)
    ga_other = CommandApdu(0x00, 0x86, 0x00, 0x00, tlv.encode(0x7C, tlv.encode(0x80, domain.encode(other))), 256)
    assert ch.transmit(ga_other).sw == 0x6A80
    # ... and with the announced key: new session keys, DG3 readable with the TA rights
    assert ch.transmit(mse).sw == 0x9000
    r = ch.transmit(CommandApdu(0x00, 0x86, 0x00, 0x00, tlv.encode(0x7C, tlv.encode(0x80, pk_raw)), 256))
    assert r.sw == 0x9000
    chip_pk = domain.decode(bytes.fromhex(VirtualCard.load(card).keys["ca"][0]["public"]))
    k_enc, k_mac = symmetric.session_keys(domain.shared_secret(sk, chip_pk), "AES-128")
    ch.start_sm(symmetric.sm_session("AES-128", k_enc, k_mac))
    data = ch.read_ef("DG3", fid=0x0103, sfi=0x03)
    assert data == (card / "files" / "DG3.bin").read_bytes()


def test_rights_end_with_the_session(eac_card):
    card = eac_card()
    from cccd_chip.reader import ReadOptions
    import eac_helpers  # noqa: F401 - puts tests/emulator on the path
    from emu_helpers import read_card

    doc, app = read_card(card, ReadOptions(terminal=Terminal.load(card / "eac" / "chain", card / "eac" / "is_key.pem")))
    assert "DG3" in doc.files and app.state.extra.get("eac_granted") == frozenset({"DG3", "DG4"})
    app.drop_session()  # what an unprotected command or a bad MAC does (6987 / 6988)
    assert "eac_granted" not in app.state.extra


@pytest.mark.parametrize("chunk", [None, 64])
def test_link_certificate_by_extended_or_chained_pso(eac_card, chunk):
    card = eac_card("cccd-2024")  # extended length allowed
    app, ch, res = _pace(card)
    t = Terminal.load(card / "eac" / "chain", card / "eac" / "is_key.pem")
    link = next(c for c in t.certificates if c.chr == "VNTESTCVCA00002")
    assert len(link.pso_data) > 255
    assert ch.transmit(ta.mse_set_dst("VNTESTCVCA00001")).sw == 0x9000
    cmds = ta.pso_verify_certificate(link, chunk=chunk)
    assert len(cmds) == (1 if chunk is None else -(-len(link.pso_data) // 64))
    for cmd in cmds:
        r = ch.transmit(cmd)
    assert r.sw == 0x9000 and app.eac.trust_points[0].chr == "VNTESTCVCA00002"


def test_eac2_chip_names_its_cvca_in_the_pace_result(tmp_path):
    from cccd_chip.emulator.personalize import personalize

    card = personalize("cccd-2021", 3, tmp_path / "eac2", quirks=["eac2"])
    app, ch, res = _pace(card)
    assert res.cars == (b"VNTESTCVCA00001",) and app.eac.ta_version == 2
    assert parse_chip_cars(None, res.cars) == ("VNTESTCVCA00001",)
    t = Terminal.load(card / "eac" / "chain", card / "eac" / "is_key.pem")
    domain = domain_params.standard(13)
    sk, pk = domain.generate(Drbg("eac2"))
    out = perform_ta(ch, t, TaContext(parse_chip_cars(None, res.cars), ta.comp(res.chip_ephemeral_key, "ECDH"),
                                      ta.comp(domain.encode(pk), "ECDH"), version=2))
    assert out.successful and out.chip_cars == ("VNTESTCVCA00001",)
