"""SecurityInfos parse/build, OID table, explicit domain parameters, CA public keys."""

from __future__ import annotations

import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cccd_chip.crypto import dh, domain_params as dp, ec
from cccd_chip.errors import InvalidPublicKeyError, ParseError, UnsupportedError
from cccd_chip.iso7816 import tlv
from cccd_chip.lds import security_infos as si

CCCD_CARD_ACCESS = bytes.fromhex(
    "3134300D060804007F00070202020201013"
    "00F060A04007F000702020302020201013012060A04007F0007020204020202010202010D"
)
G1_CARD_ACCESS = bytes.fromhex("31143012060A04007F0007020204020202010202010D")


def test_cccd_card_access_decodes_as_documented():
    infos = si.parse(CCCD_CARD_ACCESS, file="CardAccess")
    assert [type(i).__name__ for i in infos.infos] == [
        "TerminalAuthenticationInfo", "ChipAuthenticationInfo", "PaceInfo"]
    pace = infos.pace_infos[0]
    assert (pace.version, pace.parameter_id) == (2, 13)
    alg = pace.algorithm
    assert (alg.mapping, alg.key_agreement, alg.cipher, alg.key_length) == ("GM", "ECDH", "AES-128", 16)
    assert alg.name == "id-PACE-ECDH-GM-AES-CBC-CMAC-128"
    ca = infos.chip_authentication_infos[0]
    assert ca.algorithm.name == "id-CA-ECDH-AES-CBC-CMAC-128" and ca.key_id is None
    # raw bytes of every info are the exact slices, and build() gives the same file back
    assert b"".join(i.raw for i in infos.infos) == CCCD_CARD_ACCESS[2:]
    assert si.build(infos.infos) == CCCD_CARD_ACCESS
    assert si.build([i.__class__(**{k: getattr(i, k) for k in i.__dataclass_fields__ if k != "raw"})
                     for i in infos.infos]) == CCCD_CARD_ACCESS


def test_icao_g1_card_access():
    infos = si.parse(G1_CARD_ACCESS)
    assert infos.pace_infos == (si.PaceInfo("0.4.0.127.0.7.2.2.4.2.2", 2, 13),)


def test_unknown_infos_are_kept_in_set_order():
    unknown = tlv.encode(0x30, tlv.encode(0x06, si.oid_to_bytes("0.4.0.127.0.7.2.2.5.2.3")) + b"\x02\x01\x01")
    weird = tlv.encode(0x30, tlv.encode(0x06, si.oid_to_bytes("1.2.3.4")) + b"\x04\x03abc")
    pace = si.PaceInfo(si.pace_oid("IM", "DH", "AES-256"), 2, 0).encode()
    blob = tlv.encode(0x31, weird + pace + unknown)
    infos = si.parse(blob)
    assert [type(i).__name__ for i in infos.infos] == ["UnknownSecurityInfo", "PaceInfo", "UnknownSecurityInfo"]
    assert infos.unknown[0].raw == weird and infos.unknown[1].raw == unknown
    assert si.build(infos.infos, der_sort=False) == blob
    assert infos.pace_infos[0].algorithm.name == "id-PACE-DH-IM-AES-CBC-CMAC-256"


@pytest.mark.parametrize("oid,expect", [
    ("0.4.0.127.0.7.2.2.4.1.1", ("GM", "DH", "3DES", 16)),
    ("0.4.0.127.0.7.2.2.4.2.4", ("GM", "ECDH", "AES-256", 32)),
    ("0.4.0.127.0.7.2.2.4.3.3", ("IM", "DH", "AES-192", 24)),
    ("0.4.0.127.0.7.2.2.4.4.2", ("IM", "ECDH", "AES-128", 16)),
    ("0.4.0.127.0.7.2.2.4.6.2", ("CAM", "ECDH", "AES-128", 16)),
    ("0.4.0.127.0.7.2.2.4.6.1", None),  # no CAM with 3DES
    ("0.4.0.127.0.7.2.2.4.5.2", None),
    ("0.4.0.127.0.7.2.2.4.2", None),  # family OID = PACEDomainParameterInfo
])
def test_pace_oid_table(oid, expect):
    alg = si.pace_algorithm(oid)
    if expect is None:
        assert alg is None
    else:
        assert (alg.mapping, alg.key_agreement, alg.cipher, alg.key_length) == expect
        assert si.pace_oid(*expect[:3]) == oid


def test_ca_oid_table():
    assert si.ca_algorithm("0.4.0.127.0.7.2.2.3.1.1").cipher == "3DES"
    assert si.ca_algorithm("0.4.0.127.0.7.2.2.3.2.4").key_agreement == "ECDH"
    assert si.ca_oid("DH", "AES-192") == "0.4.0.127.0.7.2.2.3.1.3"
    with pytest.raises(UnsupportedError):
        si.pace_oid("CAM", "DH", "AES-128")


@pytest.mark.parametrize("oid", ["0.4.0.127.0.7.2.2.4.2.2", "2.23.136.1.1.5", "1.2.840.10045.2.1", "2.999.3"])
def test_oid_codec_round_trip(oid):
    assert si.oid_from_bytes(si.oid_to_bytes(oid)) == oid


def test_explicit_pace_domain_parameters_named_and_unnamed():
    der = subprocess.run(["openssl", "ecparam", "-name", "brainpoolP320r1", "-param_enc", "explicit",
                          "-outform", "DER"], capture_output=True, check=True).stdout
    alg = tlv.encode(0x30, tlv.encode(0x06, si.oid_to_bytes(dp.OID_EC_PUBLIC_KEY)) + der)
    info = si.PaceDomainParameterInfo(si.ID_PACE_ECDH_GM, alg, 5)
    parsed = si.parse(si.build([info, si.PaceInfo(si.pace_oid("GM", "ECDH", "AES-128"), 2, 5)]))
    d = parsed.pace_domain_parameters(5).domain()
    assert d.curve is ec.curve_by_name("brainpoolP320r1") and d.parameter_id == 5
    # the toy-free way to get an unnamed curve: P-256 with another (valid) generator
    c = ec.curve_by_name("secp256r1")
    G2 = ec.mul_base(c, 7)
    other = ec.Curve("x", None, c.p, c.a, c.b, G2.x, G2.y, c.n, 1)
    spki = si.build_subject_public_key(dp.EcDomain(other), G2, explicit=True)
    inner = tlv.decode_one(spki).value
    alg2 = inner[: tlv.decode(inner)[1].offset]
    with pytest.raises(UnsupportedError) as e:  # not one of Table 12: refused by default (issue 10)
        dp.from_algorithm_identifier(alg2, 6)
    assert e.value.reason == dp.R_NOT_STANDARDIZED
    d2 = dp.from_algorithm_identifier(alg2, 6, policy=dp.EXPLICIT_ALLOWED)  # strong enough when allowed
    assert d2.curve.params == other.params and d2.curve.oid is None


def test_explicit_domain_with_bad_generator_rejected():
    c = ec.curve_by_name("secp256r1")
    bad = ec.Curve("x", None, c.p, c.a, c.b, c.gx, (c.gy + 1) % c.p, c.n, 1)
    spki = si.build_subject_public_key(dp.EcDomain(bad), c.G, explicit=True)
    with pytest.raises(InvalidPublicKeyError):
        si.parse_subject_public_key(spki)


@pytest.mark.parametrize("pid", [0, 13])
def test_ca_public_key_info_round_trip(pid):
    d = dp.standard(pid)
    sk = 0x1234567
    pk = d.mul_gen(sk)
    spki = si.build_subject_public_key(d, pk)
    info = si.ChipAuthenticationPublicKeyInfo(si.ID_PK_ECDH if d.kind == "ECDH" else si.ID_PK_DH, spki, 3)
    parsed = si.parse(si.build([info, si.ChipAuthenticationInfo(si.ca_oid(d.kind, "AES-128"), 1, 3)]))
    key = parsed.ca_public_key(3)
    assert key is not None and key.key_agreement == d.kind
    d2, pk2 = key.domain_and_key()
    assert pk2 == pk and d2.kind == d.kind
    assert parsed.ca_public_key(4) is None


def test_ca_public_key_with_invalid_point_is_rejected():
    d = dp.standard(13)
    c = d.curve
    spki = bytearray(si.build_subject_public_key(d, c.G))
    spki[-1] ^= 1  # off the curve
    with pytest.raises(InvalidPublicKeyError):
        si.parse_subject_public_key(bytes(spki))


def test_dh_public_key_out_of_range_rejected():
    d = dp.standard(0)
    spki = si.build_subject_public_key(d, d.group.p - 1)
    with pytest.raises(InvalidPublicKeyError) as e:
        si.parse_subject_public_key(spki)
    assert e.value.reason == dh.R_RANGE


@pytest.mark.parametrize("blob,offset", [
    (bytes.fromhex("3003020101"), 2),  # SEQUENCE instead of OID inside
    (bytes.fromhex("30020500"), 0),  # not a SET
    (bytes.fromhex("3105300306010A"), 2),  # OID too short to hold arcs? (valid) but no version -> unknown ok
])
def test_malformed_top_level(blob, offset):
    if blob[0] == 0x31 and blob == bytes.fromhex("3105300306010A"):
        infos = si.parse(blob)
        assert isinstance(infos.infos[0], si.UnknownSecurityInfo)
        return
    with pytest.raises(ParseError):
        si.parse(blob)


def test_pace_info_with_bad_version_type_reports_offset():
    bad = tlv.encode(0x31, tlv.encode(0x30, tlv.encode(0x06, si.oid_to_bytes("0.4.0.127.0.7.2.2.4.2.2")) + b"\x04\x01\x02"))
    with pytest.raises(ParseError) as e:
        si.parse(bad, file="CardAccess")
    assert e.value.file == "CardAccess" and e.value.offset == 2


def test_trailing_bytes_rejected():
    with pytest.raises(ParseError) as e:
        si.parse(G1_CARD_ACCESS + b"\x00")
    assert e.value.offset == len(G1_CARD_ACCESS)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=80))
def test_fuzz_only_parse_error(data):
    try:
        si.parse(b"\x31" + bytes([len(data)]) + data if len(data) < 128 else data)
    except ParseError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.integers(0, len(CCCD_CARD_ACCESS) - 1), st.integers(0, 255))
def test_fuzz_byte_flips_only_parse_error(pos, val):
    blob = bytearray(CCCD_CARD_ACCESS)
    blob[pos] = val
    try:
        si.parse(bytes(blob))
    except ParseError:
        pass
