"""Terminal Authentication end to end on the virtual chip (in-process): the reader, the chip's
rights per file, its answers to bad chains and signatures, the faults, the evidence and the
verification reasons (docs/eac.md)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from cccd_chip.access.ta import Terminal
from cccd_chip.document import Document
from cccd_chip.emulator.applet import Applet
from cccd_chip.emulator.card import VirtualCard
from cccd_chip.errors import DumpFormatError, UsageError
from cccd_chip.reader import ReadOptions
from cccd_chip.verify.report import Reason, Verdict

from eac_helpers import chain_copy, flip_last  # noqa: E402  (tests/eac; puts tests/emulator on the path)
from emu_helpers import read_card, verify_dir  # noqa: E402


def _dg3(report):
    return next(c for c in report.checks if c.check == "passive.dg_hash" and c.subject == "DG3")


def _terminal(card: Path, chain_dir=None, key=None) -> Terminal:
    return Terminal.load(chain_dir or card / "eac" / "chain", key or card / "eac" / "is_key.pem")


def test_cccd_2021_with_its_chain_reads_dg3_and_verifies_its_hash(eac_card, tmp_path):
    card = eac_card()
    doc, app = read_card(card, ReadOptions(terminal=_terminal(card)))
    assert "DG3" in doc.files and "DG3" not in doc.absent
    ta = doc.evidence.ta
    assert ta["outcome"] == "successful" and ta["version"] == 1 and ta["offline_chain"] == "verified"
    assert ta["sent"] == ["VNTESTCVCA00002", "VNTESTDV00001", "VNTESTIS00001"]  # link, DV, IS
    assert ta["chip_cars"] == ["VNTESTCVCA00001"] and ta["granted"] == ["DG3", "DG4"]
    assert "not re-provable offline" in ta["proof"]
    rep = verify_dir(doc, card)
    assert _dg3(rep).verdict is Verdict.SUCCESSFUL and rep.overall is Verdict.SUCCESSFUL
    # the chip moved its trust point to the link certificate's key and its date forward (domestic DV)
    assert app.eac.trust_points[0].chr == "VNTESTCVCA00002"
    assert app.eac.date == dt.date(2025, 1, 1)
    # the same document through a dump: DG3 still verified, the TA record kept
    again = Document.load(doc.save(tmp_path / "dump"))
    assert again.evidence.ta == doc.evidence.ta and again.files["DG3"] == doc.files["DG3"]
    assert _dg3(verify_dir(again, card)).verdict is Verdict.SUCCESSFUL


def test_without_a_chain_dg3_stays_not_supported(eac_card):
    card = eac_card()
    doc, _ = read_card(card)
    assert "DG3" not in doc.files and "Terminal Authentication" in doc.absent["DG3"]
    assert doc.evidence.ta is None
    c = _dg3(verify_dir(doc, card))
    assert (c.verdict, c.reason) == (Verdict.NOT_SUPPORTED, Reason.DG_EAC_PROTECTED)


def test_dv_without_dg3_rights(eac_card):
    card = eac_card(faults=("ta-dv-no-dg3",))
    doc, _ = read_card(card, ReadOptions(terminal=_terminal(card)))
    assert doc.evidence.ta["outcome"] == "successful" and doc.evidence.ta["granted"] == ["DG4"]
    assert "rights do not cover DG3" in doc.absent["DG3"]  # the chip answered 6982
    rep = verify_dir(doc, card)
    c = _dg3(rep)
    assert (c.verdict, c.reason) == (Verdict.NOT_SUPPORTED, Reason.TA_RIGHTS_INSUFFICIENT)
    assert rep.overall is Verdict.SUCCESSFUL  # reading DG3 or not does not change the verdict rules


def test_expired_is_certificate_host_refuses_and_chip_refuses(eac_card, tmp_path):
    card = eac_card(faults=("ta-is-expired",))
    doc, _ = read_card(card, ReadOptions(terminal=_terminal(card)))
    ta = doc.evidence.ta
    assert (ta["outcome"], ta["reason"], ta["offline_chain"]) == ("not_attempted", "TA_CHAIN_INVALID", "failed")
    assert "expired" in ta["detail"]
    assert _dg3(verify_dir(doc, card)).reason is Reason.TA_CHAIN_INVALID
    # without the CVCA certificate the host cannot check offline: the chip refuses it (6A80)
    folder = chain_copy(card, tmp_path / "chain", without=("cvca.cvcert",))
    doc, _ = read_card(card, ReadOptions(terminal=_terminal(card, folder)))
    ta = doc.evidence.ta
    assert (ta["outcome"], ta["sw"], ta["step"]) == ("refused", "6A80", "PSO:Verify Certificate VNTESTIS00001")
    assert ta["sent"] == ["VNTESTCVCA00002", "VNTESTDV00001"]
    assert _dg3(verify_dir(doc, card)).reason is Reason.TA_REFUSED


def test_forged_is_certificate_signature(eac_card, tmp_path):
    card = eac_card()
    forged = chain_copy(card, tmp_path / "forged", edit=("is.cvcert", flip_last))
    doc, _ = read_card(card, ReadOptions(terminal=_terminal(card, forged)))
    ta = doc.evidence.ta
    assert ta["reason"] == "TA_CHAIN_INVALID" and "CVC_SIGNATURE_INVALID" in ta["detail"]
    blind = chain_copy(card, tmp_path / "blind", without=("cvca.cvcert",), edit=("is.cvcert", flip_last))
    doc, _ = read_card(card, ReadOptions(terminal=_terminal(card, blind)))
    assert (doc.evidence.ta["outcome"], doc.evidence.ta["sw"]) == ("refused", "6300")  # the chip's own check
    assert _dg3(verify_dir(doc, card)).reason is Reason.TA_REFUSED


class _ForgingSigner:
    """The terminal's key, but its EXTERNAL AUTHENTICATE signature is altered (a forged signature)."""

    def __init__(self, inner):
        self.inner = inner
        self.fingerprint = inner.fingerprint

    def sign(self, message, algorithm, domain):
        return flip_last(self.inner.sign(message, algorithm, domain))


def test_forged_terminal_signature_is_refused_by_the_chip(eac_card):
    card = eac_card()
    t = _terminal(card)
    doc, app = read_card(card, ReadOptions(terminal=dataclasses.replace(t, signer=_ForgingSigner(t.signer))))
    ta = doc.evidence.ta
    assert (ta["outcome"], ta["step"], ta["sw"]) == ("refused", "EXTERNAL AUTHENTICATE", "6300")
    assert "DG3" not in doc.files
    assert _dg3(verify_dir(doc, card)).reason is Reason.TA_REFUSED


def test_wrong_car(eac_card):
    card = eac_card(faults=("ta-wrong-car",))
    doc, _ = read_card(card, ReadOptions(terminal=_terminal(card)))
    ta = doc.evidence.ta
    assert ta["reason"] == "TA_CHAIN_INVALID" and "VNOTHRCVCA00001" in ta["detail"] and ta["sent"] == []
    assert _dg3(verify_dir(doc, card)).reason is Reason.TA_CHAIN_INVALID


def test_ta_skipped_chip_serves_dg3_without_ta(eac_card):
    card = eac_card(faults=("ta-skipped",))
    doc, _ = read_card(card)
    assert "DG3" in doc.files
    assert doc.evidence.ta["read_without_ta"] == ["DG3"]
    assert _dg3(verify_dir(doc, card)).verdict is Verdict.SUCCESSFUL  # hash checked like any DG


def test_bac_read_uses_the_document_number_as_id_picc(eac_card):
    card = eac_card()
    doc, _ = read_card(card, ReadOptions(force="BAC", terminal=_terminal(card)))
    assert doc.access.protocol == "BAC"
    assert doc.evidence.ta["outcome"] == "successful" and "DG3" in doc.files
    assert _dg3(verify_dir(doc, card)).verdict is Verdict.SUCCESSFUL


def test_cccd_2024_pace_cam(eac_card):
    card = eac_card("cccd-2024")
    doc, _ = read_card(card, ReadOptions(terminal=_terminal(card)))
    assert doc.evidence.ta["outcome"] == "successful" and "DG3" in doc.files


def test_terminal_folder_and_key_errors(eac_card, tmp_path):
    card = eac_card()
    with pytest.raises(UsageError):
        Terminal.load(tmp_path / "missing", card / "eac" / "is_key.pem")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.cvcert").write_bytes(b"\x7f\x21\x03abc")
    with pytest.raises(UsageError) as ei:
        Terminal.load(bad, card / "eac" / "is_key.pem")
    assert "x.cvcert" in str(ei.value)
    # a key no certificate in the folder belongs to: TA is not attempted, with the reason
    other = eac_card(seed=2)  # same card set: same PKI -> use a foreign key instead
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    k = tmp_path / "other.pem"
    k.write_bytes(ec.generate_private_key(ec.BrainpoolP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    doc, _ = read_card(other, ReadOptions(terminal=_terminal(card, key=k)))
    assert doc.evidence.ta["reason"] == "TA_CHAIN_INVALID" and "terminal key" in doc.evidence.ta["detail"]


def test_dump_evidence_ta_is_checked(eac_card):
    card = eac_card()
    doc, _ = read_card(card, ReadOptions(terminal=_terminal(card)))
    from cccd_chip.document import Evidence

    d = doc.evidence.to_json()
    assert Evidence.from_json(d).ta == doc.evidence.ta
    for bad in ({"outcome": "successful", "sent": "x"}, {"outcome": "won"}, {"outcome": "refused", "extra": 1},
                {"outcome": "successful", "version": 3}, []):
        with pytest.raises(DumpFormatError):
            Evidence.from_json({**d, "ta": bad})
    assert Evidence.from_json({k: v for k, v in d.items() if k != "ta"}).ta is None  # older dumps


def test_hostile_chain_folders_never_hang_or_read_outside(eac_card, tmp_path):
    """A FIFO, a symlink to /dev/zero, a directory or an oversized file among the certificates: exit 2
    (UsageError naming the file), never a hang, never gigabytes read."""
    import os

    card = eac_card()
    key = card / "eac" / "is_key.pem"
    cases = {
        "fifo": lambda d: os.mkfifo(d / "x.cvcert"),
        "zero": lambda d: os.symlink("/dev/zero", d / "x.cvcert"),
        "dir": lambda d: (d / "x.cvcert").mkdir(),
        "big": lambda d: (d / "x.cvcert").write_bytes(b"\x7f\x21\x82\xff\xff" + bytes(70000)),
    }
    for name, make in cases.items():
        d = chain_copy(card, tmp_path / name)
        make(d)
        with pytest.raises(UsageError) as ei:
            Terminal.load(d, key)
        assert "x.cvcert" in str(ei.value), name
    many = tmp_path / "many"
    many.mkdir()
    for i in range(70):
        (many / f"c{i}.cvcert").write_bytes((card / "eac" / "chain" / "dv.cvcert").read_bytes())
    with pytest.raises(UsageError):
        Terminal.load(many, key)


def test_passport_with_dg3_and_dg4(eac_card):
    card = eac_card("passport-eac")
    doc, _ = read_card(card, ReadOptions(terminal=_terminal(card)))
    assert {"DG3", "DG4"} <= set(doc.files) and doc.evidence.ta["chip_cars"] == ["UTTESTCVCA00001"]
    rep = verify_dir(doc, card)
    for dg in ("DG3", "DG4"):
        c = next(x for x in rep.checks if x.check == "passive.dg_hash" and x.subject == dg)
        assert c.verdict is Verdict.SUCCESSFUL, c
    # the DV of the ta-dv-no-dg3 set grants DG4 only: DG4 read, DG3 not
    card = eac_card("passport-eac", faults=("ta-dv-no-dg3",))
    doc, _ = read_card(card, ReadOptions(terminal=_terminal(card)))
    assert "DG4" in doc.files and "DG3" not in doc.files


def test_eac2_reader_runs_ta_v2_after_pace_before_ca(tmp_path):
    """TR-03110 v2 order (quirk eac2): PACE, TA v2 announcing Comp() of the CA key, CA with that key."""
    from cccd_chip.emulator.personalize import personalize

    card = personalize("cccd-2021", 4, tmp_path / "eac2", quirks=["eac2"])
    doc, app = read_card(card, ReadOptions(terminal=_terminal(card)))
    ta = doc.evidence.ta
    assert (ta["version"], ta["outcome"], ta["chip_cars"]) == (2, "successful", ["VNTESTCVCA00001"])
    assert "DG3" in doc.files
    rep = verify_dir(doc, card)
    ca = next(c for c in rep.checks if c.check == "chip_auth")
    assert ca.verdict is Verdict.SUCCESSFUL and _dg3(rep).verdict is Verdict.SUCCESSFUL
    # the same chip opened with BAC: TA v1 after CA
    doc, _ = read_card(card, ReadOptions(force="BAC", terminal=_terminal(card)))
    assert (doc.evidence.ta["version"], doc.evidence.ta["outcome"]) == (1, "successful") and "DG3" in doc.files
