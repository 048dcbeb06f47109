"""MRZ check digits (ICAO 9303-3 §4.9), DG1 TD1/TD2/TD3 (9303-10 §4.7.1) and the CCCD layout: behaviour
(the ICAO specimens and the facts' worked example are in tests/vectors/test_mrz_vectors.py)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cccd_chip.errors import ParseError
from cccd_chip.lds import dg1, mrz

from testsupport.mrz import dg1_bytes as _dg1_bytes

def test_check_digit_rejects_foreign_characters():
    with pytest.raises(ValueError):
        mrz.check_digit("abc")
    assert mrz.check_digit_or_none("Ä") is None


def test_cccd_no_expiry_and_bad_check_digits_are_reported_not_refused():
    v = dg1.make_cccd("001234567890", date_of_birth="400101", sex="F", date_of_expiry="991231",
                      primary_identifier="NGUYEN", secondary_identifier="THI A")
    assert v.no_expiry and v.checks_ok
    text = v.mrz
    broken = text[:29] + ("0" if text[29] != "0" else "1") + text[30:44] + ("0" if text[44] != "0" else "1") + text[45:]
    b = dg1.parse(_dg1_bytes([broken]))
    assert b.cccd_id == "001234567890"
    assert set(b.failed_checks) == {"cccd_id", "date_of_expiry", "composite"}


def test_not_cccd_when_id_does_not_end_with_document_number():
    v = dg1.make("TD1", document_code="ID", issuing_state="VNM", document_number="999999999",
                 date_of_birth="900101", sex="M", date_of_expiry="300101", nationality="VNM",
                 primary_identifier="A", optional_data_1="079090123456<<2")
    assert v.cccd_id is None


@pytest.mark.parametrize("blob", [
    b"", b"\x61\x00", b"\x61\x05\x5f\x1f\x02AB", b"\x62\x00", b"\x61\x84\xff\xff\xff\xff",
    b"\x61\x04\x5f\x1f\x01", b"\x61\x06\x5f\x1f\x00\x5f\x1f\x00",
])
def test_malformed_dg1(blob):
    with pytest.raises(ParseError) as ei:
        dg1.parse(blob)
    assert ei.value.file == "DG1"


mrz_text = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<", max_size=12)
digits6 = st.text(alphabet="0123456789<", min_size=6, max_size=6)


@settings(max_examples=150, deadline=None)
@given(
    fmt=st.sampled_from(["TD1", "TD2", "TD3"]),
    number=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=14),
    dob=digits6, doe=digits6, sex=st.sampled_from(["M", "F", "<", "X"]),
    primary=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ ", max_size=12),
    secondary=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ ", max_size=12),
    opt=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", max_size=2),
    opt2=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<", max_size=11),
)
def test_dg1_round_trip(fmt, number, dob, doe, sex, primary, secondary, opt, opt2):
    if fmt == "TD3":
        number = number[:9]
    if fmt == "TD2" and len(number) > 9:
        opt = ""
    v = dg1.make(fmt, document_code="P" if fmt == "TD3" else "ID", issuing_state="D", document_number=number,
                 date_of_birth=dob, sex=sex, date_of_expiry=doe, nationality="VNM",
                 primary_identifier=primary or "X", secondary_identifier=secondary,
                 optional_data_1=opt, optional_data_2=opt2 if fmt == "TD1" else "")
    raw = dg1.build(v)
    assert dg1.parse(raw) == v
    assert dg1.build(dg1.parse(raw)) == raw
    assert v.checks_ok, v.failed_checks
    assert v.document_number == number


def test_defects_are_reported_not_raised():
    good = dg1.make_cccd("079090123456", date_of_birth="900515", sex="M", date_of_expiry="991231",
                         primary_identifier="TRAN")
    assert good.defects == ()
    lines = ["IDVN10901234562079090123456<<2", "9013326Q3005154VNM<<<<<<<<<<<4", "<" * 30]
    bad = dg1.parse(_dg1_bytes(lines))
    assert set(bad.defects) == {
        "date_of_birth is not a valid YYMMDD date", "sex is not M, F, X or <",
        "issuing_state is not a 3-letter code", "name is empty",
    }
    assert "composite" in bad.failed_checks
