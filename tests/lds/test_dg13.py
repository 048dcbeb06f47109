"""DG13 of the Vietnamese CCCD (cccd-chip-facts §3): fields by number, both nestings, typed view."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cccd_chip.errors import ParseError
from cccd_chip.lds import dg13
from cccd_chip.lds.dg13 import CCCDPersonalData

HOLDER = CCCDPersonalData(  # invented person
    id_number="079090123456",
    full_name="Trần Văn Bình",
    date_of_birth=dt.date(1990, 5, 15),
    sex="Nam",
    nationality="Việt Nam",
    ethnicity="Kinh",
    religion="Không",
    place_of_origin="Xã Tân Phú, Huyện Đức Hòa, Long An",
    place_of_residence="123 Đường Nguyễn Thị Minh Khai, Phường Bến Nghé, Quận 1, Thành phố Hồ Chí Minh",
    identifying_marks="Nốt ruồi C:2cm trên trước mép phải",
    date_of_issue=dt.date(2021, 4, 1),
    date_of_expiry=dt.date(2030, 5, 15),
    father_name="Trần Văn Cường",
    mother_name="Lê Thị Dung",
    old_id_number="025123456",
    field_16="0123456789ABCDEF",
)


def _u(text: str) -> bytes:
    b = text.encode()
    return b"\x0c" + bytes([len(b)]) + b


def _p(text: str) -> bytes:
    return b"\x13" + bytes([len(text)]) + text.encode()


def _seq(body: bytes) -> bytes:
    return b"\x30" + (bytes([len(body)]) if len(body) < 128 else b"\x81" + bytes([len(body)])) + body


def _field(n: int, body: bytes) -> bytes:
    return _seq(bytes([2, 1, n]) + body)


def _dg13(fields: bytes) -> bytes:
    def long(tag: int, body: bytes) -> bytes:  # minimal DER length, as the builder writes
        n = len(body)
        if n < 0x80:
            return bytes([tag, n]) + body
        if n < 0x100:
            return bytes([tag, 0x81, n]) + body
        return bytes([tag, 0x82]) + n.to_bytes(2, "big") + body

    return long(0x6D, long(0x30, b"\x02\x01\x01\x06\x06\x28\xd3\x16\x01\x00\x08" + long(0x31, fields)))


@pytest.mark.parametrize("layout", ["A", "B"])
def test_realistic_holder_reads_back_field_for_field(layout):
    v = dg13.build_personal_data(HOLDER, parents_layout=layout)
    assert v.personal_data == HOLDER
    assert v.field(13).layout == layout
    assert v.field(14).layout == "empty" and v.field(14).items == ()
    assert v.raw[:2] == b"\x6d\x82" and v.encoding_oid == dg13.UTF8_OID and v.version == 1
    # offsets used by fixed-offset readers (cccd-chip-facts §3.1): ID at 30, name at 49
    assert v.raw[30:42] == b"079090123456"
    assert v.raw[49:49 + len("Trần Văn Bình".encode())].decode() == "Trần Văn Bình"
    assert dg13.parse(v.raw) == v and dg13.build(v) == v.raw


def test_hand_encoded_variant_a_and_b_and_spouse_forms():
    base = _field(1, _p("001234567890")) + _field(2, _u("Nguyễn Thị Hoa")) + _field(3, _p("01/02/1985"))
    a = base + _field(13, _seq(_u("Nguyễn Văn Ba")) + _seq(_u("Phạm Thị Tư"))) + _field(14, b"")
    b = base + _field(13, _seq(_u("Nguyễn Văn Ba") + _u("Phạm Thị Tư"))) + _field(14, _seq(_u("Lê Văn Năm")))
    va, vb = dg13.parse(_dg13(a)), dg13.parse(_dg13(b))
    assert (va.personal_data.father_name, va.personal_data.mother_name) == ("Nguyễn Văn Ba", "Phạm Thị Tư")
    assert (vb.personal_data.father_name, vb.personal_data.mother_name) == ("Nguyễn Văn Ba", "Phạm Thị Tư")
    assert va.field(13).layout == "A" and vb.field(13).layout == "B"
    assert va.personal_data.spouse_name is None and vb.personal_data.spouse_name == "Lê Văn Năm"
    assert va.personal_data.date_of_birth == dt.date(1985, 2, 1)
    assert va.personal_data.sex is None  # absent field stays absent
    assert dg13.build(va) == _dg13(a) and dg13.build(vb) == _dg13(b)


def test_fields_by_number_not_position_and_text_dates():
    fields = _field(12, _u(dg13.NO_EXPIRY_TEXT)) + _field(11, _p("31/02/2021")) + _field(1, _p("001234567890"))
    fields += _field(16, _p("ABCDEF0123456789")) + _field(9, _u(""))
    pd = dg13.parse(_dg13(fields)).personal_data
    assert pd.id_number == "001234567890"
    assert pd.date_of_expiry == "Không thời hạn"  # not a date: kept as text
    assert pd.date_of_issue == "31/02/2021"  # impossible date: kept as text
    assert pd.field_16 == "ABCDEF0123456789"
    assert pd.place_of_residence == ""  # present but empty
    assert pd.full_name is None


def test_unknown_nested_content_and_invalid_utf8_do_not_raise():
    fields = _field(2, b"\x0c\x02\xc3\x28") + _field(20, _seq(b"\x04\x01\x00")) + _field(1, _p("001234567890"))
    v = dg13.parse(_dg13(fields))
    assert "\ufffd" in v.personal_data.full_name
    assert v.field(20).layout == "nested"
    assert dg13.build(v) == _dg13(fields)


def test_no_expiry_builds_as_utf8_text():
    v = dg13.build_personal_data(CCCDPersonalData(id_number="001234567890", date_of_expiry=dg13.NO_EXPIRY_TEXT),
                                 spouse_form="omit")
    assert v.personal_data.date_of_expiry == dg13.NO_EXPIRY_TEXT
    assert v.field(12).items[0].tag == dg13.UTF8 and v.field(14) is None
    assert [f.number for f in v.fields] == [1, 12]


@pytest.mark.parametrize("blob", [
    b"", b"\x6d\x00", b"\x6d\x02\x30\x00", b"\x6d\x04\x30\x02\x31\x01",
    b"\x6d\x06\x30\x04\x31\x02\x04\x00", b"\x6d\x06\x30\x04\x31\x02\x30\x00", b"\x6d\x84\xff\xff\xff\xff",
])
def test_malformed(blob):
    with pytest.raises(ParseError) as ei:
        dg13.parse(blob)
    assert ei.value.file == "DG13"


def test_deep_nesting_bounded():
    node = _u("x")
    for _ in range(40):
        node = _seq(node)
    with pytest.raises(ParseError):
        dg13.parse(_dg13(_field(13, node)))


vn_text = st.text(
    alphabet=st.sampled_from(list("aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂĐÊÔƠƯàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ ,./-0123456789")),
    max_size=80,
)
dates = st.one_of(st.dates(dt.date(1900, 1, 1), dt.date(2099, 12, 31)), st.just(dg13.NO_EXPIRY_TEXT))
opt = lambda s: st.one_of(st.none(), s)  # noqa: E731


@settings(max_examples=120, deadline=None)
@given(
    pd=st.builds(
        CCCDPersonalData,
        id_number=opt(st.text(alphabet="0123456789", min_size=12, max_size=12)),
        full_name=opt(vn_text), date_of_birth=opt(st.dates(dt.date(1900, 1, 1), dt.date(2099, 12, 31))),
        sex=opt(st.sampled_from(["Nam", "Nữ"])), nationality=opt(vn_text), ethnicity=opt(vn_text),
        religion=opt(vn_text), place_of_origin=opt(vn_text), place_of_residence=opt(vn_text),
        identifying_marks=opt(vn_text), date_of_issue=opt(st.dates(dt.date(2000, 1, 1), dt.date(2099, 1, 1))),
        date_of_expiry=opt(dates), father_name=opt(vn_text), mother_name=opt(vn_text), spouse_name=opt(vn_text),
        old_id_number=opt(st.text(alphabet="0123456789", min_size=9, max_size=9)),
        field_16=opt(st.text(alphabet="0123456789ABCDEF", min_size=16, max_size=16)),
    ),
    layout=st.sampled_from(["A", "B"]),
)
def test_round_trip(pd, layout):
    v = dg13.build_personal_data(pd, parents_layout=layout)
    expected = pd
    if pd.mother_name is not None and pd.father_name is None:
        expected = CCCDPersonalData(**{**pd.__dict__, "father_name": ""})  # placeholder keeps the order
    assert v.personal_data == expected
    assert dg13.parse(dg13.build(v)) == v
    assert dg13.build(dg13.parse(v.raw)) == v.raw
