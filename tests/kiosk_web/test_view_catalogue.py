"""The screen's words: every verification reason and read error in both languages, the verdict
states, and the result view of a read (no browser)."""

from __future__ import annotations

import json
import re

import pytest

from cccd_chip import errors
from cccd_chip.kiosk_web import catalogue, view
from cccd_chip.verify.report import Reason


def test_every_reason_has_words_in_every_language():
    for lang in catalogue.LANGUAGES:
        reasons = catalogue.catalogue()[lang]["reasons"]
        missing = [r.value for r in Reason if r.value not in reasons]
        assert not missing, (f"{lang}: no words for {missing}: add them (en and vi) to the 'reasons' of "
                             "cccd_chip/kiosk_web/static/messages.json, the kiosk screen shows them to the clerk")


def test_every_error_reason_has_words():
    codes = {cls.reason for cls in vars(errors).values()
             if isinstance(cls, type) and issubclass(cls, errors.CccdError)}
    codes |= {"NO_CREDENTIAL", "INTERNAL"}
    for lang in catalogue.LANGUAGES:
        reasons = catalogue.catalogue()[lang]["reasons"]
        missing = sorted(c for c in codes if c not in reasons and c not in ("VERIFICATION_FAILED", "TRACE_MISMATCH",
                                                                             "TRACE_EXHAUSTED", "TRACE_FORMAT",
                                                                             "DUMP_FORMAT"))
        assert not missing, f"{lang}: no words for {missing}"


def test_languages_have_the_same_keys():
    cat = catalogue.catalogue()
    for section in ("ui", "files", "subjects", "reasons"):
        assert set(cat["vi"][section]) == set(cat["en"][section]), section


def test_no_markup_in_the_catalogue():
    text = json.dumps(catalogue.catalogue(), ensure_ascii=False)
    assert not re.search(r"<[a-zA-Z/]", text)


def test_reason_words_fill_the_subject_and_fall_back():
    assert catalogue.reason_words("en", "DG_HASH_MISMATCH", "DG2") == \
        "The face image (DG2) was changed after the card was issued."
    assert catalogue.reason_words("vi", "DG_HASH_MISMATCH", None).startswith("Phần dữ liệu")
    assert catalogue.reason_words("en", "SOMETHING_NEW") == catalogue.catalogue()["en"]["reasons"]["_default"]


@pytest.mark.parametrize("overall, state", [("successful", "verified"), ("failed", "not_verified"),
                                            ("undetermined", "could_not_verify"), ("aborted", "could_not_verify"),
                                            (None, "could_not_verify")])
def test_verdict_states(overall, state):
    assert view.verdict_state(overall) == state


def test_reasons_are_the_failed_checks_for_not_verified():
    v = {"overall": "failed", "checks": [
        {"check": "passive.dg_hash", "verdict": "failed", "reason": "DG_HASH_MISMATCH", "subject": "DG2"},
        {"check": "passive.dsc_chain", "verdict": "undetermined", "reason": "CSCA_NOT_FOUND",
         "subject": "DSC CN=<b>x</b>"},
        {"check": "passive.dg_hash", "verdict": "successful", "reason": "OK", "subject": "DG1"}]}
    assert view.reasons(v, "en") == ["The face image (DG2) was changed after the card was issued."]
    v["overall"] = "undetermined"
    v["checks"] = v["checks"][1:]
    words = view.reasons(v, "en")
    assert words == [catalogue.reason_words("en", "CSCA_NOT_FOUND")] and "<b>" not in words[0]


def test_result_view_of_a_passport_uses_dg1(tmp_path):
    from cccd_chip.emulator.applet import Applet
    from cccd_chip.emulator.card import VirtualCard
    from cccd_chip.emulator.personalize import personalize
    from cccd_chip.reader import Credential, read_document
    from cccd_chip.transport.local import LocalTransport

    card = VirtualCard.load(personalize("passport-bac", 3, tmp_path / "p"))
    s = card.secrets
    doc = read_document(LocalTransport(Applet(card)),
                        Credential.from_mrz(s["document_number"], s["date_of_birth"], s["date_of_expiry"]))
    shown = view.result_view(doc, None, "en")
    f = {x["key"]: x["value"] for x in shown["fields"]}
    assert f["document_number"] == s["document_number"] and "id" not in f and "origin" not in f
    assert f["sex"] in ("Male", "Female") and f["nationality"] == "UTO"
    assert re.fullmatch(r"\d\d/\d\d/(19|20)\d\d", f["dob"]) and re.fullmatch(r"\d\d/\d\d/20\d\d", f["expiry"])
    assert shown["face"]["src"].startswith("data:image/jpeg;base64,")
    assert shown["verdict"] == "could_not_verify"


def test_consequences_only_when_nothing_else_explains():
    v = {"overall": "undetermined", "checks": [
        {"check": "passive.dsc_chain", "verdict": "undetermined", "reason": "CSCA_NOT_FOUND"},
        {"check": "chip_auth.key", "verdict": "undetermined", "reason": "KEY_NOT_AUTHENTICATED"}]}
    assert view.reasons(v, "en") == [catalogue.reason_words("en", "CSCA_NOT_FOUND")]
    v["checks"] = v["checks"][1:]
    assert view.reasons(v, "en") == [catalogue.reason_words("en", "KEY_NOT_AUTHENTICATED")]
