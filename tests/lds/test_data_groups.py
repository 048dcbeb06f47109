"""DG3-DG7, DG11, DG12, DG14-DG16, EF.CardAccess, EF.CardSecurity: parse/build round trips."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from cccd_chip.errors import ParseError
from cccd_chip.iso7816 import tlv
from cccd_chip.lds import (
    card_access, card_security, cbeff, dg3, dg4, dg5, dg7, dg11, dg12, dg14, dg15, dg16, dg_generic, oids, registry,
)

from lds_helpers import ec_signer, image_bytes, sign_ecdsa

# EF.CardAccess of the CCCD (cccd-chip-facts §2.2): TA, CA-ECDH-AES128, PACE-ECDH-GM-AES128 param 13
CCCD_CARD_ACCESS = bytes.fromhex(
    "3134300D060804007F0007020202020101300F060A04007F00070202030202020101"
    "3012060A04007F0007020204020202010202010D"
)


def test_card_access_of_the_cccd():
    v = card_access.parse(CCCD_CARD_ACCESS)
    assert [type(i).__name__ for i in v.security_infos.infos] == [
        "TerminalAuthenticationInfo", "ChipAuthenticationInfo", "PaceInfo"]
    assert v.security_infos.pace_infos[0].parameter_id == 13
    assert card_access.build(v) == CCCD_CARD_ACCESS


def test_dg14_keeps_a_non_der_set_order():
    infos = card_access.parse(CCCD_CARD_ACCESS).security_infos.infos
    reordered = tlv.encode(0x6E, tlv.encode(0x31, b"".join(i.raw for i in reversed(infos))))
    v = dg14.parse(reordered)
    assert [type(i).__name__ for i in v.security_infos.infos][0] == "PaceInfo"
    assert dg14.build(v) == reordered  # not re-sorted
    assert dg14.make(list(reversed(infos))).raw != reordered  # make sorts (DER) by default


def test_card_security_signed_and_parsed():
    key, cert = ec_signer()
    infos = card_access.parse(CCCD_CARD_ACCESS).security_infos.infos
    raw = card_security.build_card_security(infos, cert, sign_ecdsa(key))
    v = card_security.parse(raw)
    assert v.signed_data.econtent_type == oids.ID_SECURITY_OBJECT
    assert v.security_infos.infos == infos
    assert card_security.build(v) == raw


@pytest.mark.parametrize("kind", ["rsa", "ec-named", "ec-explicit"])
def test_dg15_keys(kind):
    if kind == "rsa":
        spki = rsa.generate_private_key(65537, 1024).public_key().public_bytes(
            ser.Encoding.DER, ser.PublicFormat.SubjectPublicKeyInfo)
    else:
        pub = ec.generate_private_key(ec.SECP256R1()).public_key()
        spki = pub.public_bytes(ser.Encoding.DER, ser.PublicFormat.SubjectPublicKeyInfo)
        if kind == "ec-explicit":
            spki = _explicit_p256(pub.public_bytes(ser.Encoding.X962, ser.PublicFormat.UncompressedPoint))
    v = dg15.make(spki)
    assert v.subject_public_key_info == spki and dg15.build(v) == v.raw and dg15.parse(v.raw) == v
    if kind == "rsa":
        assert v.key_type == "RSA" and v.key_size == 1024 and v.rsa_numbers[1] == 65537
    else:
        assert v.key_type == "EC" and v.key_size == 256
        assert v.explicit_parameters == (kind == "ec-explicit")
        assert (v.named_curve == "1.2.840.10045.3.1.7") == (kind == "ec-named")
        if kind == "ec-explicit":
            assert v.parameters in spki and v.parameters[0] == 0x30


def _explicit_p256(point: bytes) -> bytes:
    p = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
    a = p - 3
    b = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
    gx = 0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296
    gy = 0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5
    n = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551

    def i(x):
        return tlv.encode(0x02, x.to_bytes((x.bit_length() + 8) // 8, "big"))

    field = tlv.encode(0x30, bytes.fromhex("06072a8648ce3d0101") + i(p))
    curve = tlv.encode(0x30, tlv.encode(0x04, a.to_bytes(32, "big")) + tlv.encode(0x04, b.to_bytes(32, "big")))
    g = tlv.encode(0x04, b"\x04" + gx.to_bytes(32, "big") + gy.to_bytes(32, "big"))
    params = tlv.encode(0x30, i(1) + field + curve + g + i(n) + i(1))
    alg = tlv.encode(0x30, bytes.fromhex("06072a8648ce3d0201") + params)
    return tlv.encode(0x30, alg + tlv.encode(0x03, b"\x00" + point))


def test_dg3_dg4_cbeff_kept_raw():
    info = cbeff.BiometricInfo(cbeff.BiometricHeader(((0x81, b"\x08"), (0x87, b"\x01\x01"), (0x88, b"\x00\x07"))),
                               b"FIR\x00" + b"\x00" * 20)
    for mod, tag in ((dg3, 0x63), (dg4, 0x76)):
        raw = cbeff.encode_file(tag, cbeff.BiometricGroup(1, (info,)))
        v = mod.parse(raw)
        assert v.count == 1 and v.group.infos()[0].data == info.data and mod.build(v) == raw
    assert "Terminal Authentication" in dg3.NOT_READABLE


@pytest.mark.parametrize("mod,dg", [(dg5, 5), (dg7, 7)])
def test_displayed_images(mod, dg):
    ims = [image_bytes("JPEG"), image_bytes("JP2")]
    v = mod.make(ims)
    assert [i.image for i in v.images] == ims and v.count == 2 and not v.count_mismatch
    assert [i.image_format for i in v.images] == ["JPEG", "JP2"]
    assert mod.parse(mod.build(v)) == v and v.raw[0] == 0x60 + dg


def test_dg_generic_round_trip():
    raw = tlv.encode(0x68, tlv.encode(0xA1, tlv.encode(0x80, b"\x01") + tlv.encode(0x81, b"xyz")) + tlv.encode(0x5F01, b"a"))
    v = dg_generic.parse(raw, file="DG8")
    assert dg_generic.build(v) == raw and v.content[0].children[1].value == b"xyz"
    assert registry.by_name("DG8").parse(raw) == v


vn = st.text(alphabet=st.sampled_from(list("abcđêôơưĐÂĂàảãáạ 0123456789-/")), max_size=40)


@settings(max_examples=60, deadline=None)
@given(
    full_name=st.one_of(st.none(), vn), other=st.one_of(st.none(), st.lists(vn, min_size=1, max_size=3)),
    number=st.one_of(st.none(), vn), dob=st.one_of(st.none(), st.just("19900515")), place=st.one_of(st.none(), vn),
    address=st.one_of(st.none(), vn), proof=st.one_of(st.none(), st.binary(max_size=50)),
)
def test_dg11_round_trip(full_name, other, number, dob, place, address, proof):
    v = dg11.make(full_name=full_name, other_names=other, personal_number=number, full_date_of_birth=dob,
                  place_of_birth=place, address=address, proof_of_citizenship=proof)
    assert dg11.parse(dg11.build(v)) == v and dg11.build(dg11.parse(v.raw)) == v.raw
    f = v.fields()
    assert f.get("full_name") == full_name and f.get("address") == address
    assert list(v.other_names) == (other or [])
    assert v.proof_of_citizenship == proof


@settings(max_examples=60, deadline=None)
@given(authority=st.one_of(st.none(), vn), persons=st.one_of(st.none(), st.lists(vn, min_size=1, max_size=3)),
       front=st.one_of(st.none(), st.binary(max_size=40)), when=st.one_of(st.none(), st.just("20210401120000")))
def test_dg12_round_trip(authority, persons, front, when):
    v = dg12.make(issuing_authority=authority, other_persons=persons, image_of_front=front,
                  personalization_date_time=when, date_of_issue="20210401")
    assert dg12.parse(dg12.build(v)) == v and dg12.build(dg12.parse(v.raw)) == v.raw
    assert v.get(0x5F19) == authority and list(v.other_persons) == (persons or [])
    assert v.get_bytes(0x5F1D) == front and v.get(0x5F26) == "20210401"
    assert 0x5F26 in v.tag_list


@settings(max_examples=40, deadline=None)
@given(st.lists(st.fixed_dictionaries({"name": vn, "telephone": st.text("0123456789", max_size=12)},
                                      optional={"address": vn, "date_recorded": st.just("20240101")}),
                max_size=4))
def test_dg16_round_trip(persons):
    v = dg16.make(persons)
    assert dg16.parse(dg16.build(v)) == v and list(v.persons) == persons and v.count == len(persons)


@pytest.mark.parametrize("name,blob", [
    ("DG14", b"\x6e\x02\x30\x00"), ("DG15", b"\x6f\x02\x30\x00"), ("DG11", b"\x6b\x03\x5f\x0e"),
    ("CardAccess", b"\x30\x00"), ("CardSecurity", b"\x30\x03\x02\x01\x01"), ("DG16", b"\x70\x84\xff\xff\xff\xff"),
    ("DG5", b"\x65\x03\x02\x02\x00\x01"),
])
def test_malformed(name, blob):
    with pytest.raises(ParseError) as ei:
        registry.parse_file(name, blob)
    assert ei.value.file == name
