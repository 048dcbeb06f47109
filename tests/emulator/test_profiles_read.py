"""Every profile read in-process by the host library, and verified against the card set's own PKI."""

from __future__ import annotations

import pytest
from emu_helpers import credential_for, read_card, verify_dir

from cccd_chip.emulator.applet import Applet
from cccd_chip.emulator.card import VirtualCard
from cccd_chip.emulator.determinism import Drbg
from cccd_chip.emulator.profiles import PROFILES
from cccd_chip.reader import ReadOptions
from cccd_chip.verify.report import Verdict

# profile -> (protocol, mapping, cipher, parameterId) the host's access policy should end with
EXPECTED_ACCESS = {
    "cccd-2021": ("PACE", "GM", "AES-128", 13),
    "cccd-2024": ("PACE", "CAM", "AES-128", 13),
    "passport-bac": ("BAC", None, "3DES", None),
    "passport-pace-im": ("PACE", "IM", "AES-128", 12),
    "passport-pace-cam": ("PACE", "CAM", "AES-128", 13),
    "passport-dh": ("PACE", "GM", "AES-128", 2),
    "passport-aes256": ("PACE", "GM", "AES-256", 16),
    "id-small-le": ("PACE", "GM", "AES-192", 15),
    "id-explicit-csca": ("PACE", "GM", "AES-128", 13),
    "passport-pss": ("PACE", "GM", "AES-128", 13),
    "passport-eac": ("PACE", "GM", "AES-128", 13),
}
CAM_PROFILES = {"cccd-2024", "passport-pace-cam"}


def test_every_profile_has_an_expectation():
    assert set(EXPECTED_ACCESS) == set(PROFILES)


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_profile_reads_and_verifies(card_factory, profile):
    d = card_factory(profile)
    doc, app = read_card(d)
    a = doc.access
    assert (a.protocol, a.mapping, a.cipher, a.parameter_id) == EXPECTED_ACCESS[profile]
    p = PROFILES[profile]
    readable = {f"DG{n}" for n in p.data_groups if n not in p.eac_data_groups}
    assert readable | {"COM", "SOD"} <= set(doc.files)
    for n in p.eac_data_groups:
        assert f"DG{n}" in doc.absent and f"DG{n}" not in doc.files
    card = VirtualCard.load(d)
    for name in readable:
        assert doc.files[name] == card.files[name].data  # bytes exactly as personalised
    report = verify_dir(doc, d)
    bad = [c for c in report.checks if c.verdict not in (Verdict.SUCCESSFUL, Verdict.NOT_SUPPORTED)]
    assert bad == [], [c.to_json() for c in bad]
    if profile in CAM_PROFILES:
        assert "CardSecurity" in doc.files
        assert any(c.check == "pace.cam" and c.verdict is Verdict.SUCCESSFUL for c in report.checks)
    checks = {c.check for c in report.checks if c.verdict is Verdict.SUCCESSFUL}
    assert "passive.signature" in checks
    if p.ca is not None:
        assert "chip_auth" in checks
    if p.aa is not None:
        assert "active_auth" in checks and doc.evidence.aa_signature is not None


@pytest.mark.parametrize("profile", sorted(n for n, p in PROFILES.items() if p.bac))
def test_bac_works_where_the_profile_keeps_it(card_factory, profile):
    doc, _ = read_card(card_factory(profile), ReadOptions(force="BAC"))
    assert doc.access.protocol == "BAC" and "DG1" in doc.files


def test_no_bac_on_cccd_2024(card_factory):
    from cccd_chip.errors import CccdError

    with pytest.raises(CccdError):
        read_card(card_factory("cccd-2024"), ReadOptions(force="BAC"))


def test_extended_length_saves_apdus(card_factory):
    d = card_factory("passport-pace-im")
    _, short = read_card(d, ReadOptions(extended=False))
    doc, ext = read_card(d, ReadOptions(extended=True))
    assert "DG2" in doc.files
    assert ext.apdu_index < short.apdu_index


def test_extended_length_refused_when_the_profile_has_none(card_factory):
    doc, _ = read_card(card_factory("cccd-2021"), ReadOptions(extended=True))  # host adapts after 6700
    assert len(doc.files["DG2"]) > 20_000


def test_small_max_le_is_honoured(card_factory):
    from cccd_chip.iso7816.apdu import CommandApdu

    d = card_factory("id-small-le")
    doc, _ = read_card(d)  # host starts at Le 0xDF, the card answers 6700, the host adapts
    assert doc.files["DG2"] == VirtualCard.load(d).files["DG2"].data
    app = Applet(VirtualCard.load(d))
    app.state.app_selected = True
    app.state.current = app.card.files["CardAccess"]
    assert app.process(CommandApdu(0, 0xB0, 0, 0, b"", 0x81).encode())[-2:] == b"\x67\x00"
    assert app.process(CommandApdu(0, 0xB0, 0, 0, b"", 0x80).encode())[-2:] in (b"\x90\x00", b"\x62\x82")


def test_pace_cam_card_security_and_cam_data(card_factory):
    """The chip side of PACE-CAM: EF.CardSecurity verifies, CA_IC * PK_IC = PK_Map,IC."""
    from cccd_chip.channel import CardChannel
    from cccd_chip.lds import security_infos
    from cccd_chip.pki.trust_store import trust_store_from
    from cccd_chip.reader import establish_pace
    from cccd_chip.transport.local import LocalTransport
    from cccd_chip.verify.document_check import check_card_security, check_pace_cam
    from cccd_chip.verify.passive import Policy

    d = card_factory("passport-pace-cam")
    card = VirtualCard.load(d)
    ch = CardChannel(LocalTransport(Applet(card)))
    infos = security_infos.parse(card.files["CardAccess"].data)
    cam = [i for i in infos.pace_infos if i.algorithm.mapping == "CAM"]
    result = establish_pace(ch, cam, credential_for(card).can_password, Drbg("cam"))
    assert result.card_security == card.files["CardSecurity"].data
    store = trust_store_from([d / "csca.pem"], crls=[d / "csca.crl"])
    checks, outcome, cs_infos = check_card_security(result.card_security, store, Policy())
    assert outcome.trusted and all(c.verdict is Verdict.SUCCESSFUL for c in checks)
    assert check_pace_cam(result.cam, cs_infos, outcome).verdict is Verdict.SUCCESSFUL
