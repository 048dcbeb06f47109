"""MRZ information, CAN and the CCCD helpers (cccd-chip-facts §2.4)."""

import json
from pathlib import Path

import pytest

from cccd_chip.access import passwords as pw
from cccd_chip.errors import UsageError
from cccd_chip.reader import Credential


def test_cccd_worked_example_from_facts():
    # cccd-chip-facts §2.5: invented holder TRAN VAN BINH, ID 079090123456
    info = pw.mrz_information(pw.cccd_document_number("079090123456"), "900515", "300515")
    assert info == b"090123456290051563005154"
    p = pw.Password("MRZ", info)
    assert p.bac_seed().hex().upper() == "3E0D65B3269D409E49922F5E3C7BFFC2"
    assert pw.cccd_can("079090123456") == "123456"
    from cccd_chip.crypto.kdf import kdf_pi
    assert kdf_pi(b"123456", "AES-128").hex().upper() == "591468CDA83D65219CCCB8560233600F"


def test_mrz_lines_parsing_td1_td3():
    td1 = "IDVNM0901234562079090123456<<2\n9005156M3005154VNM<<<<<<<<<<<4\nTRAN<<VAN<BINH<<<<<<<<<<<<<<<<"
    assert pw.parse_mrz_lines(td1) == ("090123456", "900515", "300515")
    td3 = ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
           "L898902C36UTO7408122F1204159ZE184226B<<<<<10")
    assert pw.parse_mrz_lines(td3) == ("L898902C3", "740812", "120415")
    with pytest.raises(UsageError):
        pw.parse_mrz_lines("garbage")


def test_secrets_never_in_repr():
    c = Credential.from_cccd_id("079090123456", "900515", "300515")
    assert "123456" not in repr(c) and "900515" not in str(c)
    assert "123456" not in repr(pw.can_password("123456"))


@pytest.mark.parametrize("bad", ["12345", "07909012345X", ""])
def test_bad_ids(bad):
    with pytest.raises(UsageError):
        pw.cccd_can(bad)


def test_check_digits_against_mrz_vectors():
    vec = json.loads((Path(__file__).parents[2] / "test_vectors" / "mrz.json").read_text())
    n = 0
    for ex in vec["check_digit_examples"]["cases"]:
        inp = ex.get("input") or ex.get("composite_input")
        assert pw.mrz_check_digit(inp) == ex["expected_check_digit"], ex["name"]
        n += 1
    assert n >= 4
