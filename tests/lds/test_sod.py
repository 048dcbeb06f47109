"""EF.SOD (ICAO 9303-10 §4.6.2): LDSSecurityObject v0/v1, parse/build round trips."""

from __future__ import annotations

import dataclasses
import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cccd_chip.errors import ParseError
from cccd_chip.lds import oids, sod
from cccd_chip.lds.cms import AlgorithmIdentifier

from lds_helpers import ec_signer, rsa_signer, sign_ecdsa, sign_pss
from cccd_chip.lds import cms


def _files():
    return {1: b"\x61\x03abc", 2: b"\x75\x01\x00", 14: b"\x6e\x00", 15: b"\x6f\x00"}


@pytest.mark.parametrize("version", [0, 1])
def test_build_and_parse_sod(version):
    key, cert = ec_signer()
    hashes = sod.hash_data_groups(_files(), "sha256")
    raw = sod.build_sod(hashes, cert, sign_ecdsa(key), version=version)
    assert raw[0] == 0x77
    value = sod.parse(raw)
    assert value.raw == raw
    assert value.hashes == {n: hashlib.sha256(b).digest() for n, b in _files().items()}
    assert value.security_object.version == version
    assert value.security_object.hash_name == "sha256"
    if version:
        assert (value.security_object.lds_version, value.security_object.unicode_version) == ("0108", "040000")
    else:
        assert value.security_object.lds_version is None
    assert value.signed_data.econtent_type == oids.ID_ICAO_LDS_SECURITY_OBJECT
    assert value.signed_data.econtent == value.security_object.raw
    assert value.certificates == (cert,)
    assert sod.build(value) == raw
    assert sod.parse(sod.build(value)) == value
    assert sod.build_security_object(value.security_object) == value.security_object.raw


def test_sod_with_pss_sha512_dg_hashes_and_signer_digest_differ():
    key, cert = rsa_signer()
    hashes = sod.hash_data_groups(_files(), "sha512")
    raw = sod.build_sod(
        hashes, cert, sign_pss(key), hash_alg="sha512", digest_alg="sha256",
        signature_alg_oid=oids.RSASSA_PSS, signature_params_der=cms.rsassa_pss_params(), sid="issuer_serial",
    )
    value = sod.parse(raw)
    assert value.security_object.hash_algorithm.oid == oids.DIGESTS["sha512"]
    assert value.signed_data.signer_infos[0].digest_algorithm.oid == oids.DIGESTS["sha256"]
    assert len(value.hashes[1]) == 64


@settings(max_examples=60, deadline=None)
@given(
    version=st.sampled_from([0, 1]),
    alg=st.sampled_from(sorted(oids.DIGESTS)),
    numbers=st.lists(st.integers(1, 16), min_size=1, max_size=16),
    params=st.sampled_from([None, b"\x05\x00"]),
    data=st.data(),
)
def test_security_object_round_trip(version, alg, numbers, params, data):
    size = hashlib.new(alg).digest_size
    hashes = tuple(sod.DataGroupHash(n, data.draw(st.binary(min_size=size, max_size=size))) for n in numbers)
    value = sod.LDSSecurityObject(
        version, AlgorithmIdentifier(oids.DIGESTS[alg], params), hashes,
        "0108" if version else None, "040000" if version else None,
    )
    raw = sod.build_security_object(value)
    parsed = sod.parse_security_object(raw)
    assert parsed == dataclasses.replace(value, raw=raw)
    assert sod.build_security_object(parsed) == raw


def test_duplicate_dg_numbers_are_kept():
    lso = sod.LDSSecurityObject(0, AlgorithmIdentifier(oids.DIGESTS["sha1"]), (
        sod.DataGroupHash(1, b"a" * 20), sod.DataGroupHash(1, b"b" * 20)))
    parsed = sod.parse_security_object(sod.build_security_object(lso))
    assert [h.value for h in parsed.data_group_hashes] == [b"a" * 20, b"b" * 20]
    assert parsed.hashes == {1: b"a" * 20}


@pytest.mark.parametrize("blob", [b"", b"\x77\x00", b"\x76\x02\x30\x00", b"\x77\x84\xff\xff\xff\xff\x30"])
def test_malformed_sod(blob):
    with pytest.raises(ParseError) as ei:
        sod.parse(blob)
    assert ei.value.file == "SOD"


def test_corrupt_security_object_offset_points_inside_file():
    key, cert = ec_signer()
    raw = bytearray(sod.build_sod({1: b"\x00" * 32, 2: b"\x11" * 32}, cert, sign_ecdsa(key)))
    value = sod.parse(bytes(raw))
    pos = bytes(raw).find(value.security_object.raw)
    raw[pos + 2] = 0x05  # version INTEGER tag -> NULL
    with pytest.raises(ParseError) as ei:
        sod.parse(bytes(raw))
    assert ei.value.offset is not None and ei.value.offset >= pos
