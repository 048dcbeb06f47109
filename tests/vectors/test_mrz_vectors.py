"""MRZ worked examples: ICAO 9303-3 §4.9 check digits, the ICAO 9303 specimens (TD1/TD2/TD3,
test_vectors/mrz.json) through DG1, and the CCCD example of cccd-chip-facts §2.5 (invented holder)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cccd_chip.access import passwords as pw
from cccd_chip.lds import dg1, mrz

from testsupport.mrz import dg1_bytes as _dg1_bytes

VECTORS = json.loads((Path(__file__).resolve().parents[2] / "test_vectors" / "mrz.json").read_text())
SPECIMENS = [v for v in VECTORS["mrz_vectors"] if "lines" in v]
BAC_INPUTS = [v for v in VECTORS["mrz_vectors"] if "inputs" in v]


@pytest.mark.parametrize("case", VECTORS["check_digit_examples"]["cases"], ids=lambda c: c["name"])
def test_check_digit_examples(case):
    text = case.get("input") or case["composite_input"]
    assert mrz.check_digit(text) == case["expected_check_digit"]
    assert pw.mrz_check_digit(text) == case["expected_check_digit"]  # the passwords module's own


@pytest.mark.parametrize("vec", SPECIMENS, ids=lambda v: v["id"])
def test_specimen_fields_and_check_digits(vec):
    raw = _dg1_bytes(vec["lines"])
    v = dg1.parse(raw)
    e = vec["expected"]
    assert v.format == vec["type"]
    assert v.document_number == e["document_number"]
    assert v.document_number_check_digit == e["document_number_cd"]
    assert (v.date_of_birth, v.date_of_birth_cd) == (e["dob"], e["dob_cd"])
    assert (v.date_of_expiry, v.date_of_expiry_cd) == (e["doe"], e["doe_cd"])
    assert v.composite_cd == e["composite_cd"]
    assert v.mrz_information == e["mrz_information"]
    assert v.document_code == e["document_code"]
    assert v.issuing_state == e["issuing_state"] and v.nationality == e["nationality"]
    assert v.sex == e["sex"]
    if "optional_cd" in e:
        assert v.optional_data_cd == e["optional_cd"]
    # a vector marked unverified has a wrong composite on purpose (see its note)
    assert v.failed_checks == (() if vec.get("verified", True) else ("composite",))
    composite = dg1._composite_input(v.format, v.mrz)
    assert composite == e["composite_input"]
    assert v.lines == tuple(vec["lines"])
    assert dg1.build(v) == raw
    assert dg1.parse(dg1.build(v)) == v


@pytest.mark.parametrize("vec", BAC_INPUTS, ids=lambda v: v["id"])
def test_bac_mrz_information_from_fields(vec):
    i, e = vec["inputs"], vec["expected"]
    v = dg1.make("TD1", document_code="I", issuing_state="UTO", document_number=i["document_number"].rstrip("<"),
                 date_of_birth=i["dob"], sex="F", date_of_expiry=i["doe"], nationality="UTO",
                 primary_identifier="X")
    assert v.mrz_information == e["mrz_information"]


def test_td3_specimen_names():
    v = dg1.parse(_dg1_bytes(SPECIMENS[0]["lines"]))
    assert (v.primary_identifier, v.secondary_identifier) == ("ERIKSSON", "ANNA MARIA")


def test_cccd_layout_facts_example():
    # cccd-chip-facts §2.5 (invented holder)
    lines = ["IDVNM0901234562079090123456<<2", "9005156M3005154VNM<<<<<<<<<<<4", "TRAN<<VAN<BINH<<<<<<<<<<<<<<<<"]
    v = dg1.parse(_dg1_bytes(lines))
    assert v.cccd_id == "079090123456"
    assert v.document_number == "090123456"
    assert [(c.field, c.found, c.ok) for c in v.checks] == [
        ("document_number", "2", True), ("date_of_birth", "6", True), ("date_of_expiry", "4", True),
        ("cccd_id", "2", True), ("composite", "4", True),
    ]
    assert v.mrz_information == "090123456290051563005154"
    made = dg1.make_cccd("079090123456", date_of_birth="900515", sex="M", date_of_expiry="300515",
                         primary_identifier="TRAN", secondary_identifier="VAN BINH")
    assert made == v


def test_cccd_worked_example_from_facts():
    # cccd-chip-facts §2.5: invented holder TRAN VAN BINH, ID 079090123456
    info = pw.mrz_information(pw.cccd_document_number("079090123456"), "900515", "300515")
    assert info == b"090123456290051563005154"
    p = pw.Password("MRZ", info)
    assert p.bac_seed().hex().upper() == "3E0D65B3269D409E49922F5E3C7BFFC2"
    assert pw.cccd_can("079090123456") == "123456"
    from cccd_chip.crypto.kdf import kdf_pi
    assert kdf_pi(b"123456", "AES-128").hex().upper() == "591468CDA83D65219CCCB8560233600F"


def test_the_vector_file_holds_every_kind_of_example():
    assert len(VECTORS["check_digit_examples"]["cases"]) >= 4
    assert {v["type"] for v in SPECIMENS} >= {"TD1", "TD3"} and BAC_INPUTS
