"""EF.COM (ICAO 9303-10 §4.6.1)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cccd_chip.errors import ParseError
from cccd_chip.lds import com, registry


def test_cccd_com_is_26_bytes_and_lists_six_groups():
    v = com.make([1, 2, 3, 13, 14, 15])
    assert len(v.raw) == 26 and v.raw[:2] == b"\x60\x18"
    assert v.data_groups == (1, 2, 3, 13, 14, 15)
    assert (v.lds_version_text, v.unicode_version_text) == ("1.7", "4.0.0")
    assert com.parse(v.raw) == v


def test_unknown_tags_and_elements_are_kept():
    raw = bytes.fromhex("60105f0104303130385c0461757e6b5301aa")
    v = com.parse(raw)
    assert v.tags == (0x61, 0x75, 0x7E, 0x6B) and v.unknown_tags == (0x7E,)
    assert v.data_groups == (1, 2, 11)
    assert v.unicode_version is None
    assert v.extra == ((0x53, b"\xaa"),)
    assert com.build(v) == raw


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(1, 16), max_size=16), st.sampled_from(["0107", "0108"]))
def test_round_trip(dgs, lds):
    v = com.make(dgs, lds)
    assert com.parse(com.build(v)) == v
    assert com.build(com.parse(v.raw)) == v.raw
    assert v.data_groups == tuple(dgs)


@pytest.mark.parametrize("blob", [b"", b"\x60", b"\x60\x03\x5c\x01", b"\x60\x03\x5c\x01\xff", b"\x61\x00"])
def test_malformed(blob):
    with pytest.raises(ParseError):
        com.parse(blob)


def test_registry_rows():
    assert registry.by_name("DG13").fid == 0x010D and registry.by_name("DG13").tag == 0x6D
    assert registry.BY_DG[2].sfi == 2 and registry.by_name("SOD").fid == 0x011D
    assert registry.by_name("CardAccess").fid == 0x011C
    assert registry.by_name("DG3").eac_protected
    assert registry.identify(b"\x6d\x00").name == "DG13"


def test_non_ascii_digits_in_versions_are_shown_as_text():
    # fuzz finding: "0³" passed str.isdigit() and crashed int()
    raw = bytes.fromhex("60185f0104303130b35f36063034303030305c066175636d6e6f")
    v = com.parse(raw)
    assert v.lds_version_text == "010\u00b3" and v.unicode_version_text == "4.0.0"
