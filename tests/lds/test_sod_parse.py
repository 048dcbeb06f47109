"""EF.SOD single-pass parser (ICAO 9303-10 §4.6.2.2): asn1crypto as oracle, strictness, offsets inside the file."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cccd_chip.errors import ParseError
from cccd_chip.iso7816 import tlv
from cccd_chip.lds import cms, oids, sod
from cccd_chip.lds._der import der, der_int, der_oid, der_seq
from lds_asn1 import LDSSecurityObject as A_LSO
from cccd_chip.lds.cms import AlgorithmIdentifier

from lds_helpers import ec_signer, sign_ecdsa


@settings(max_examples=60, deadline=None)
@given(
    version=st.sampled_from([0, 1]),
    alg=st.sampled_from(sorted(oids.DIGESTS)),
    numbers=st.lists(st.integers(1, 16), min_size=1, max_size=16),
    params=st.sampled_from([None, b"\x05\x00"]),
    lds=st.text(alphabet="0123456789", min_size=0, max_size=6),
    data=st.data(),
)
def test_security_object_agrees_with_asn1crypto(version, alg, numbers, params, lds, data):
    size = hashlib.new(alg).digest_size
    hashes = tuple(sod.DataGroupHash(n, data.draw(st.binary(min_size=size, max_size=size))) for n in numbers)
    raw = sod.build_security_object(sod.LDSSecurityObject(
        version, AlgorithmIdentifier(oids.DIGESTS[alg], params), hashes, lds if version else None, "040000" if version else None,
    ))
    ours = sod.parse_security_object(raw)
    ref = A_LSO.load(raw, strict=True)
    assert ours.version == ref["version"].native
    assert ours.hash_algorithm.oid == ref["hash_algorithm"]["algorithm"].dotted
    assert ours.hash_algorithm.parameters == (None if params is None else ref["hash_algorithm"]["parameters"].dump())
    assert [(h.number, h.value) for h in ours.data_group_hashes] == [
        (i["data_group_number"].native, i["data_group_hash_value"].native) for i in ref["data_group_hash_values"]
    ]
    if version:
        assert (ours.lds_version, ours.unicode_version) == (ref["lds_version_info"]["lds_version"].native, "040000")
    else:
        assert ours.lds_version is None and ours.unicode_version is None


def _lso(*fields: bytes) -> bytes:
    return der_seq(*fields)


_ALG = AlgorithmIdentifier(oids.DIGESTS["sha256"]).encode()
_DGH = der_seq(der_seq(der_int(1), der(0x04, b"\x11" * 32)))


@pytest.mark.parametrize(
    "raw, marker",
    [
        (_lso(der_int(0), _ALG, der_seq(der_seq(der_int(1), der(0x04, b"\x11" * 32), der_int(5)))), None),  # 3 fields in a DataGroupHash
        (_lso(der_int(0), _ALG, der_seq(der_seq(der_int(1)))), None),  # hash value missing
        (_lso(der_int(1), _ALG, _DGH, der(0x31, der(0x13, b"0108") + der(0x13, b"040000"))), b"\x31\x0e"),  # LDSVersionInfo as a SET
        (_lso(der_int(1), _ALG, _DGH, der_seq(der(0x0C, b"0108"), der(0x13, b"040000"))), None),  # UTF8String, not PrintableString
        (_lso(der_int(0), _ALG, _DGH, der_seq(), der_int(9)), None),  # a fifth field
        (_lso(der(0x05, b""), _ALG, _DGH), b"\x05\x00"),  # version not an INTEGER
        (_lso(der_int(0), _ALG, der(0x31, _DGH[2:])), None),  # dataGroupHashValues as a SET
        (_lso(der_int(0), _ALG, der_seq(der_seq(der_int(1), der(0x0C, b"x")))), b"\x0c\x01x"),  # hash value not an OCTET STRING
        (_lso(der_int(0), _ALG, _DGH) + b"\x00", None),  # trailing byte
    ],
)
def test_malformed_security_object_raises_with_offset(raw, marker):
    with pytest.raises(ParseError) as ei:
        sod.parse_security_object(raw, base=100)
    assert ei.value.file == "SOD"
    assert 100 <= ei.value.offset <= 100 + len(raw)
    if marker is not None:
        pos = raw.find(marker)
        assert ei.value.offset == 100 + pos


def _sod_with_econtent(econtent: bytes) -> bytes:
    key, cert = ec_signer()
    return tlv.encode(0x77, cms.build_signed_data(oids.ID_ICAO_LDS_SECURITY_OBJECT, econtent, cert, sign_ecdsa(key)))


def test_error_offset_of_the_security_object_is_inside_the_sod_file():
    bad_lso = _lso(der_int(0), _ALG, der_seq(der_seq(der_int(1), der(0x0C, b"x"))))
    raw = _sod_with_econtent(bad_lso)
    with pytest.raises(ParseError) as ei:
        sod.parse(raw)
    assert ei.value.file == "SOD"
    assert ei.value.offset == raw.find(bad_lso) + bad_lso.find(b"\x0c\x01x")


def test_sod_with_ber_segmented_econtent():
    """eContent as a constructed OCTET STRING (X.690 §8.7.3): the LDSSecurityObject is the concatenation."""
    lso = sod.build_security_object(sod.LDSSecurityObject(0, AlgorithmIdentifier(oids.DIGESTS["sha256"]), (sod.DataGroupHash(1, b"\x22" * 32),)))
    raw = _sod_with_econtent(lso)
    eoid = der_oid(oids.ID_ICAO_LDS_SECURITY_OBJECT)
    old = der_seq(eoid, der(0xA0, der(0x04, lso)))
    new = der_seq(eoid, der(0xA0, der(0x24, der(0x04, lso[:10]) + der(0x04, lso[10:]))))
    ci = tlv.decode_one(tlv.decode_one(raw).value)
    oid, content = tlv.decode(ci.value)
    assert tlv.decode_one(content.value).value.count(old) == 1
    body = tlv.decode_one(content.value).value.replace(old, new)
    raw2 = tlv.encode(0x77, der_seq(tlv.encode(oid.tag, oid.value), der(0xA0, der_seq(body))))
    parsed = sod.parse(raw2)
    assert parsed.signed_data.econtent == lso
    assert parsed.hashes == {1: b"\x22" * 32}


@pytest.mark.parametrize("suffix", [b"\x00", b"\x77\x00"])
def test_trailing_bytes_after_the_sod_are_refused(suffix):
    raw = _sod_with_econtent(sod.build_security_object(sod.LDSSecurityObject(0, AlgorithmIdentifier(oids.DIGESTS["sha256"]), ())))
    assert sod.parse(raw).hashes == {}
    with pytest.raises(ParseError) as ei:
        sod.parse(raw + suffix)
    assert ei.value.offset == len(raw)
