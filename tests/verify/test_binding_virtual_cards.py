"""Binding checks on documents read from virtual cards (in-process), as a real read produces them.

``binding.access`` is exercised by setting ``AccessInfo.password_mac`` the way
the reader is to set it (docs/verification.md "Access-password digest").
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest

from cccd_chip.document import access_password_mac, binding_key_id
from cccd_chip.emulator.applet import Applet
from cccd_chip.emulator.card import VirtualCard
from cccd_chip.emulator.personalize import personalize
from cccd_chip.pki.trust_store import TrustStore
from cccd_chip.reader import Credential, read_document
from cccd_chip.transport.local import LocalTransport
from cccd_chip.verify.document_check import verify_document
from cccd_chip.verify.passive import Policy
from cccd_chip.verify.report import Reason, Verdict

POLICY = Policy(at=dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc))


def _read(tmp_path: Path, profile: str, *faults: str, mrz: bool = False):
    card_dir = Path(personalize(profile, 9, tmp_path / profile, faults))
    secrets = json.loads((card_dir / "card.json").read_text())["secrets"]
    if mrz:
        cred = Credential.from_mrz(secrets["document_number"], secrets["date_of_birth"], secrets["date_of_expiry"])
    else:
        cred = Credential.from_can(secrets["can"])
    doc = read_document(LocalTransport(Applet(VirtualCard.load(card_dir))), cred, rng=lambda n: bytes(range(n)))
    store = TrustStore()
    store.add_path(card_dir / "csca.pem")
    return doc, store, cred


def _check(report, name):
    (c,) = [c for c in report.checks if c.check == name]
    return c


def test_genuine_cccd_binds_country_and_com(tmp_path):
    doc, store, _ = _read(tmp_path, "cccd-2021")
    rep = verify_document(doc, store, policy=POLICY)
    assert rep.overall is Verdict.SUCCESSFUL, [c.to_json() for c in rep.checks if c.verdict is not Verdict.SUCCESSFUL]
    assert _check(rep, "binding.country").verdict is Verdict.SUCCESSFUL
    c = _check(rep, "binding.com_sod")
    assert c.verdict is Verdict.SUCCESSFUL and "DG3" in c.detail  # DG3 listed in both, 6982 on read
    assert "DG3" in doc.absent


def test_extra_dg_in_ef_com_is_a_com_sod_mismatch(tmp_path):
    doc, store, _ = _read(tmp_path, "cccd-2021", "extra-dg:DG11")
    rep = verify_document(doc, store, policy=POLICY)
    c = _check(rep, "binding.com_sod")
    assert (c.verdict, c.reason, rep.overall) == (Verdict.FAILED, Reason.COM_SOD_MISMATCH, Verdict.FAILED)
    assert "EF.COM only: DG11" in c.detail


@pytest.mark.parametrize("profile,mrz", [("cccd-2021", False), ("passport-bac", True)])
def test_access_digest_as_the_reader_records_it(tmp_path, profile, mrz):
    doc, store, cred = _read(tmp_path, profile, mrz=mrz)
    pw = cred.mrz if mrz else cred.can_password
    assert doc.access is not None and doc.access.password == pw.kind
    key = b"installation binding key for tests"
    keyed = dataclasses.replace(POLICY, binding_key=key)
    assert doc.access.password_binding == "matched" and doc.access.password_mac is None  # no key given to the reader
    rep = verify_document(doc, store, policy=POLICY)
    assert _check(rep, "binding.access").verdict is Verdict.SUCCESSFUL
    good = dataclasses.replace(doc, access=dataclasses.replace(doc.access, password_mac=access_password_mac(
        key, pw.kind, pw.value), password_mac_key=binding_key_id(key)))
    rep = verify_document(good, store, policy=keyed)
    assert _check(rep, "binding.access").verdict is Verdict.SUCCESSFUL
    other = b"000000" if pw.kind == "CAN" else pw.value[:-1] + (b"1" if pw.value[-1:] != b"1" else b"2")
    bad = dataclasses.replace(doc, access=dataclasses.replace(doc.access, password_mac=access_password_mac(
        key, pw.kind, other), password_mac_key=binding_key_id(key)))
    rep = verify_document(bad, store, policy=keyed)
    c = _check(rep, "binding.access")
    assert (c.verdict, c.reason, rep.overall) == (Verdict.FAILED, Reason.DOCUMENT_BINDING_MISMATCH, Verdict.FAILED)
