"""Every named fault leads the host to the expected error, verdict, reason and exit code."""

from __future__ import annotations

import pytest
from emu_helpers import credential_for as _cred, read_card, verify_dir

from cccd_chip.emulator import faults as fm
from cccd_chip.emulator.applet import Applet
from cccd_chip.emulator.card import VirtualCard
from cccd_chip.errors import AbortedError, CardRemovedError, ParseError, SecureMessagingError, UnsupportedError, UsageError
from cccd_chip.verify.report import Verdict

# fault -> (overall verdict, check, reason, subject or None): read completes, verification judges
VERDICT_FAULTS = {
    "dg-altered": ("failed", "passive.dg_hash", "DG_HASH_MISMATCH", "DG1"),
    "dg-altered:DG2": ("failed", "passive.dg_hash", "DG_HASH_MISMATCH", "DG2"),
    "dg-altered:DG13": ("failed", "passive.dg_hash", "DG_HASH_MISMATCH", "DG13"),
    "dg-not-in-sod:DG13": ("failed", "passive.dg_hash", "DG_NOT_IN_SOD", "DG13"),
    "extra-dg": ("failed", "passive.dg_hash", "DG_NOT_IN_SOD", "DG11"),
    "sod-signature-broken": ("failed", "passive.signature", "SOD_SIGNATURE_INVALID", "SOD"),
    "dsc-expired": ("failed", "passive.validity", "DSC_EXPIRED", None),
    "dsc-not-yet-valid": ("failed", "passive.validity", "DSC_NOT_YET_VALID", None),
    "csca-unknown": ("undetermined", "passive.dsc_chain", "CSCA_NOT_FOUND", None),
    "dsc-revoked": ("failed", "passive.revocation", "DSC_REVOKED", None),
    "ca-key-mismatch": ("failed", "chip_auth", "CA_KEY_MISMATCH", "DG14"),
    "aa-wrong-signature": ("failed", "active_auth", "AA_SIGNATURE_INVALID", "DG15"),
    "sw:6A82:DG13": ("undetermined", "passive.dg_hash", "DG_NOT_READ", "DG13"),
    "sw:6A82:DG2": ("failed", "passive.dg_hash", "DG_MANDATORY_MISSING", "DG2"),
    "big-file": ("failed", "passive.dg_hash", "DG_HASH_MISMATCH", "DG2"),  # read within the budget, not signed
}

# fault -> the error that ends the read (no Document): transport / SM / malformed data
ERROR_FAULTS = {
    "bad-mac": SecureMessagingError,
    "no-do99": SecureMessagingError,
    "remove:40": CardRemovedError,
    "huge-length": ParseError,
    "huge-length:DG13": ParseError,
    "pace-domain:small-curve": UnsupportedError,  # explicit PACE domain: refused before any PACE APDU
    "drip:1": AbortedError,  # read budget (tests/emulator/test_read_budget.py)
}


# faults the host recovers from (the read completes and verifies)
RECOVERED_FAULTS = ("sm-drop", "ext-sw:6F00", "slow:1")

# EAC faults (emulator/eac_pki.py): read with the card's own terminal chain; the overall verdict
# stays successful, DG3 ends with this verdict / reason (docs/eac.md; more in tests/eac)
EAC_FAULT_OUTCOMES = {
    "ta-is-expired": ("not_supported", "TA_CHAIN_INVALID"),
    "ta-wrong-car": ("not_supported", "TA_CHAIN_INVALID"),
    "ta-dv-no-dg3": ("not_supported", "TA_RIGHTS_INSUFFICIENT"),
    "ta-skipped": ("successful", "OK"),
}


@pytest.mark.parametrize("fault", sorted(EAC_FAULT_OUTCOMES))
def test_eac_fault_ends_with_its_dg3_reason(card_factory, fault):
    from cccd_chip.access.ta import Terminal
    from cccd_chip.reader import ReadOptions

    d = card_factory("cccd-2021", 1, (fault,))
    doc, _ = read_card(d, ReadOptions(terminal=Terminal.load(d / "eac" / "chain", d / "eac" / "is_key.pem")))
    rep = verify_dir(doc, d)
    dg3 = next(c for c in rep.checks if c.check == "passive.dg_hash" and c.subject == "DG3")
    assert (dg3.verdict.value, dg3.reason.value) == EAC_FAULT_OUTCOMES[fault]
    assert rep.overall is Verdict.SUCCESSFUL


@pytest.mark.parametrize("fault", ["ext-sw:6F00", "slow:1"])
def test_recovered_fault_reads_and_verifies(card_factory, fault):
    d = card_factory("cccd-2021", 1, (fault,))
    doc, _ = read_card(d)
    assert verify_dir(doc, d).overall is Verdict.SUCCESSFUL


def test_every_fault_name_is_covered():
    covered = {k.partition(":")[0] for k in list(VERDICT_FAULTS) + list(ERROR_FAULTS) + list(RECOVERED_FAULTS)
               + list(EAC_FAULT_OUTCOMES)}
    assert covered == set(fm.ALL_FAULTS)


@pytest.mark.parametrize("profile", ["cccd-2021", "passport-bac"])
@pytest.mark.parametrize("where", ["", ":30"])
def test_chip_ending_sm_is_resumed_after_reauthentication(card_factory, profile, where):
    from cccd_chip.emulator.applet import Applet
    from cccd_chip.emulator.card import VirtualCard
    from cccd_chip.reader import ReadStats, read_document
    from cccd_chip.transport.local import LocalTransport

    clean, _ = read_card(card_factory(profile, 1))
    d = card_factory(profile, 1, (f"sm-drop{where}",))
    card = VirtualCard.load(d)
    stats = ReadStats()
    cred = _cred(card)
    doc = read_document(LocalTransport(Applet(card)), cred, stats=stats)
    assert stats.reauthentications == 1
    assert doc.files == clean.files
    report = verify_dir(doc, d)
    assert report.overall.value == "successful", [c.to_json() for c in report.checks]


def test_sm_ending_again_and_again_gives_up(card_factory):
    from cccd_chip.emulator.applet import Applet
    from cccd_chip.emulator.card import VirtualCard
    from cccd_chip.reader import read_document
    from cccd_chip.transport.local import LocalTransport

    card = VirtualCard.load(card_factory("cccd-2021", 1))
    app = Applet(card)

    class DropEveryRead:
        def before_command(self, app, raw):
            if len(raw) > 2 and raw[1] == 0xB0 and raw[0] & 0x0C and raw[2] & 0x80 and (raw[2] & 0x1F) == 2:
                app.drop_session()  # every SFI read of DG2
            return None

    app.faults.append(DropEveryRead())
    with pytest.raises(SecureMessagingError) as e:
        read_document(LocalTransport(app), _cred(card))
    assert e.value.sw in (0x6987, 0x6988)


@pytest.mark.parametrize("fault", sorted(VERDICT_FAULTS))
def test_fault_verdict(card_factory, fault):
    d = card_factory("cccd-2021", 1, (fault,))
    doc, _ = read_card(d)
    report = verify_dir(doc, d)
    overall, check, reason, subject = VERDICT_FAULTS[fault]
    assert report.overall.value == overall, report.to_json()
    hits = [c for c in report.checks if c.check == check and c.reason.value == reason]
    assert hits, [c.to_json() for c in report.checks]
    if subject is not None:
        assert any(c.subject == subject for c in hits)
    assert all(c.verdict is not Verdict.SUCCESSFUL for c in hits)


def test_clean_card_is_successful(card_factory):
    d = card_factory("cccd-2021")
    doc, _ = read_card(d)
    assert verify_dir(doc, d).overall is Verdict.SUCCESSFUL


@pytest.mark.parametrize("fault", sorted(ERROR_FAULTS))
def test_fault_error(card_factory, fault):
    d = card_factory("cccd-2021", 1, (fault,))
    with pytest.raises(ERROR_FAULTS[fault]) as info:
        read_card(d)
    if fault.startswith("huge-length"):
        assert info.value.file == (fault.partition(":")[2] or "DG2")


def test_bad_mac_at_a_given_apdu(card_factory):
    d = card_factory("cccd-2021")
    _, app = read_card(d)
    n = app.apdu_index - 3  # inside the SM session, near the end of the read
    card = VirtualCard.load(d)
    faulty = Applet(card)
    faulty.faults.append(fm.BadMac(n))
    with pytest.raises(SecureMessagingError):
        read_card(d, applet=faulty)
    assert faulty.apdu_index == n


def test_removal_at_every_stage_aborts_and_the_next_session_works(card_factory):
    """Catalogue family 1 / G6: removal inside PACE, CA, DG2 chunks and between files."""
    d = card_factory("cccd-2021")
    _, clean = read_card(d)
    total = clean.apdu_index
    for n in list(range(1, total + 1, 9)) + [total]:
        app = Applet(VirtualCard.load(d))
        app.faults.append(fm.Remove(n))
        with pytest.raises(CardRemovedError):
            read_card(d, applet=app)
        assert app.apdu_index == n
        app.power_up()  # the card is put back: a fresh session reads everything
        doc, _ = read_card(d, applet=app)
        assert "DG2" in doc.files and "SOD" in doc.files


def test_status_word_for_a_file(card_factory):
    doc, _ = read_card(card_factory("cccd-2021", 1, ("sw:6A82:DG13",)))
    assert "DG13" not in doc.files and "6A82" in doc.absent["DG13"]


@pytest.mark.parametrize("text", ["nope", "remove", "remove:0", "bad-mac:x", "sw:6A8:DG1", "dg-altered:DG99",
                                  "extra-dg:DG12", "sod-signature-broken:1"])
def test_bad_fault_specs_are_usage_errors(text):
    with pytest.raises(UsageError):
        fm.parse(text)


def test_faults_compose(card_factory):
    d = card_factory("cccd-2021", 1, ("dg-altered:DG2", "aa-wrong-signature"))
    doc, _ = read_card(d)
    report = verify_dir(doc, d)
    reasons = {(c.check, c.reason.value) for c in report.checks}
    assert ("passive.dg_hash", "DG_HASH_MISMATCH") in reasons
    assert ("active_auth", "AA_SIGNATURE_INVALID") in reasons


@pytest.mark.parametrize("fault,code", [("remove:30", 4), ("bad-mac", 5), ("huge-length", 6), ("dg-altered:DG2", 1)])
def test_cli_exit_codes(card_factory, capsys, fault, code):
    from host_cli.main import main

    d = card_factory("cccd-2021", 1, (fault,))
    card = VirtualCard.load(d)
    with pytest.raises(SystemExit) as e:
        main(["read", "--virtual", str(d), "--id", card.secrets["id"]])
    assert e.value.code == code
    err = capsys.readouterr().err
    if code == 4:
        assert "aborted" in err


def test_cli_personalize_with_faults(tmp_path, capsys):
    import json

    from host_cli.main import main

    out = tmp_path / "card"
    with pytest.raises(SystemExit) as e:
        main(["personalize", "--profile", "passport-bac", "--seed", "3", "--out", str(out),
              "--fault", "remove:12", "--fault", "dg-altered:DG2"])
    assert e.value.code == 0
    meta = json.loads((out / "card.json").read_text())
    assert meta["faults"] == [{"name": "remove", "arg": "12"}, {"name": "dg-altered", "arg": "DG2"}]
    with pytest.raises(SystemExit) as e:
        main(["personalize", "--out", str(tmp_path / "x"), "--fault", "no-such-fault"])
    assert e.value.code == 2


@pytest.mark.parametrize("profile", ["passport-bac", "passport-pace-cam", "passport-dh"])
def test_removal_inside_bac_pace_cam_and_dh(card_factory, profile):
    d = card_factory(profile)
    _, clean = read_card(d)
    total = clean.apdu_index
    for n in sorted({1, 2, 3, 4, 5, 6, 7, total // 2, total - 1, total}):
        app = Applet(VirtualCard.load(d))
        app.faults.append(fm.Remove(n))
        with pytest.raises(CardRemovedError):
            read_card(d, applet=app)
        app.power_up()
        assert "DG1" in read_card(d, applet=app)[0].files


@pytest.mark.parametrize("hook", [fm.BadMac, fm.NoDo99, fm.SmDrop])
def test_sm_faults_first_middle_last_protected_response(card_factory, hook):
    """Catalogue G7: every SM fault type at the first, a middle and the last protected response."""
    d = card_factory("cccd-2021")
    probe = Applet(VirtualCard.load(d))
    protected = []
    orig = probe.process

    def spy(raw):
        out = orig(raw)
        if raw and raw[0] & 0x0C:
            protected.append(probe.apdu_index)
        return out

    probe.process = spy
    read_card(d, applet=probe)
    for n in (protected[0], protected[len(protected) // 2], protected[-1]):
        app = Applet(VirtualCard.load(d))
        app.faults.append(hook(n))
        if hook is fm.SmDrop and n == protected[len(protected) // 2]:
            # the chip ended SM in the middle of a file: re-authenticated and resumed
            assert "DG2" in read_card(d, applet=app)[0].files
            continue
        with pytest.raises(SecureMessagingError):
            read_card(d, applet=app)
        assert app.apdu_index == n
