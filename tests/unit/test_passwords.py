"""MRZ information, CAN and the CCCD helpers (cccd-chip-facts §2.4); the worked example and the ICAO
check digits are in tests/vectors/test_mrz_vectors.py."""

import pytest

from cccd_chip.access import passwords as pw
from cccd_chip.errors import UsageError
from cccd_chip.reader import Credential


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
