"""binding.card_access: the unsigned EF.CardAccess must offer what the signed DG14 / CardSecurity offer.

A chip (or a man in the middle) that hides or changes the PACE offer to push the
reader to BAC or to weaker parameters is caught (robustness catalogue family 20).
"""

import dataclasses
import json
import shutil

from emu_helpers import read_card, verify_dir

from cccd_chip.lds import security_infos
from cccd_chip.verify.report import Reason, Verdict


def _check(report):
    (c,) = [c for c in report.checks if c.check == "binding.card_access"]
    return c


def test_genuine_cards(card_factory):
    for profile in ("cccd-2021", "cccd-2024", "passport-pace-im", "passport-pace-cam"):
        d = card_factory(profile)
        doc, _ = read_card(d)
        c = _check(verify_dir(doc, d))
        assert (c.verdict, c.reason) == (Verdict.SUCCESSFUL, Reason.OK), (profile, c.to_json())


def test_no_signed_reference_is_not_supported(card_factory):
    d = card_factory("passport-bac")  # no DG14, no CardSecurity
    doc, _ = read_card(d)
    assert _check(verify_dir(doc, d)).verdict is Verdict.NOT_SUPPORTED


def test_altered_offer_in_the_document_fails(card_factory):
    d = card_factory("cccd-2021")
    doc, _ = read_card(d)
    infos = security_infos.parse(doc.files["CardAccess"])
    weaker = [i for i in infos.infos if not isinstance(i, security_infos.PaceInfo)]
    altered = doc.with_file("CardAccess", security_infos.build(weaker))
    c = _check(verify_dir(altered, d))
    assert (c.verdict, c.reason) == (Verdict.FAILED, Reason.CARD_ACCESS_MISMATCH)
    hidden = dataclasses.replace(doc, files={k: v for k, v in doc.files.items() if k != "CardAccess"})
    assert _check(verify_dir(hidden, d)).verdict is Verdict.FAILED


def test_chip_hiding_pace_to_force_bac_is_caught(card_factory, tmp_path):
    """A card whose EF.CardAccess lost its PACEInfo: the reader falls to BAC, verification fails."""
    d = tmp_path / "card"
    shutil.copytree(card_factory("cccd-2021"), d)
    meta = json.loads((d / "card.json").read_text())
    path = d / next(f["path"] for f in meta["files"] if f["name"] == "CardAccess")
    infos = security_infos.parse(path.read_bytes())
    path.write_bytes(security_infos.build([i for i in infos.infos if not isinstance(i, security_infos.PaceInfo)]))
    doc, _ = read_card(d)
    assert doc.access.protocol == "BAC"
    report = verify_dir(doc, d)
    c = _check(report)
    assert (c.verdict, c.reason) == (Verdict.FAILED, Reason.CARD_ACCESS_MISMATCH)
    assert report.overall is Verdict.FAILED
