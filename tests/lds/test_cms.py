"""CMS SignedData (RFC 5652 §5) parse/build: SOD-style signing and the German master list."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding

from cccd_chip.errors import ParseError
from cccd_chip.lds import cms, oids

from lds_helpers import ec_signer, rsa_signer, sign_ecdsa, sign_pkcs1, sign_pss

REPO = Path(__file__).resolve().parents[2]
MASTER_LIST = REPO / "test_vectors" / "pki" / "DE_ML_2026-05-28.ml"  # copy of ../shared/data/masterlists/


def test_german_master_list_parses_and_rebuilds_byte_for_byte():
    raw = MASTER_LIST.read_bytes()
    sd = cms.parse(raw, file="ML")
    assert sd.econtent_type == oids.ID_ICAO_CSCA_MASTER_LIST
    assert sd.version == 3
    assert [a.oid for a in sd.digest_algorithms] == [oids.DIGESTS["sha256"]]
    (si,) = sd.signer_infos
    assert si.version == 3 and si.sid_ski is not None and si.sid_issuer is None
    assert si.signature_algorithm.oid == oids.ECDSA_WITH_SHA256
    assert si.content_type == oids.ID_ICAO_CSCA_MASTER_LIST
    assert si.message_digest == hashlib.sha256(sd.econtent).digest()
    assert si.signed_attrs[0] == 0x31 and si.signed_attrs[1:] in raw
    assert si.signing_time is not None
    assert cms.find_signer_certificate(sd, si) in sd.certificates
    assert cms.build(sd) == raw


def test_econtent_is_exact_octets_of_the_master_list():
    raw = MASTER_LIST.read_bytes()
    sd = cms.parse(raw)
    assert raw.find(sd.econtent) > 0
    assert sd.econtent[:1] == b"\x30"


@pytest.mark.parametrize("kind", ["ecdsa", "pkcs1", "pss"])
@pytest.mark.parametrize("sid", ["ski", "issuer_serial"])
def test_build_signed_data_verifies_with_cryptography(kind, sid):
    if kind == "ecdsa":
        key, cert = ec_signer()
        signer, alg, params = sign_ecdsa(key), oids.ECDSA_WITH_SHA256, None
    elif kind == "pkcs1":
        key, cert = rsa_signer()
        signer, alg, params = sign_pkcs1(key), oids.SHA256_WITH_RSA, None
    else:
        key, cert = rsa_signer()
        signer, alg, params = sign_pss(key), oids.RSASSA_PSS, cms.rsassa_pss_params("sha256", 32)
    econtent = b"\x30\x03\x02\x01\x00"
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    raw = cms.build_signed_data(
        oids.ID_ICAO_LDS_SECURITY_OBJECT, econtent, cert, signer, "sha256", alg, params, sid=sid,
        signing_time=when,
    )
    sd = cms.parse(raw, file="SOD")
    assert cms.build(sd) == raw
    assert cms.parse(cms.build(sd)) == sd
    (si,) = sd.signer_infos
    assert si.version == (3 if sid == "ski" else 1)
    assert (si.sid_ski is not None) == (sid == "ski")
    assert si.signing_time == when
    assert si.message_digest == hashlib.sha256(econtent).digest()
    assert si.content_type == oids.ID_ICAO_LDS_SECURITY_OBJECT
    assert si.signed_attrs == si.signed_attrs_der
    assert cms.find_signer_certificate(sd, si) == cert
    pub = x509.load_der_x509_certificate(cert).public_key()
    if kind == "ecdsa":
        pub.verify(si.signature, si.signed_attrs, ec.ECDSA(hashes.SHA256()))
    elif kind == "pkcs1":
        pub.verify(si.signature, si.signed_attrs, padding.PKCS1v15(), hashes.SHA256())
    else:
        p = cms.parse_pss_params(si.signature_algorithm.parameters)
        assert (p.hash_oid, p.mgf_hash_oid, p.salt_length) == (oids.DIGESTS["sha256"],) * 2 + (32,)
        pub.verify(
            si.signature, si.signed_attrs,
            padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=p.salt_length), hashes.SHA256(),
        )


def test_overrides_and_no_certificate():
    key, cert = ec_signer()
    raw = cms.build_signed_data(
        oids.ID_ICAO_LDS_SECURITY_OBJECT, b"abc", cert, sign_ecdsa(key), "sha384", oids.ECDSA_WITH_SHA384,
        include_cert=False, message_digest=b"\x00" * 48, content_type_attribute=oids.ID_DATA,
        digest_params_null=True,
    )
    sd = cms.parse(raw)
    assert sd.certificates == ()
    (si,) = sd.signer_infos
    assert si.message_digest == b"\x00" * 48
    assert si.content_type == oids.ID_DATA
    assert si.digest_algorithm.parameters == b"\x05\x00"
    assert cms.find_signer_certificate(sd, si) is None


def test_pss_defaults():
    p = cms.parse_pss_params(None)
    assert (p.hash_oid, p.salt_length, p.trailer_field) == (oids.DIGESTS["sha1"], 20, 1)


@pytest.mark.parametrize(
    "blob",
    [
        b"",
        b"\x30\x84\xff\xff\xff\xff",
        b"\x30\x03\x06\x01\x00",
        b"\x30\x80\x00\x00",
        bytes.fromhex("300b06092a864886f70d010701"),  # id-data, not SignedData
        b"\x30" * 2 + b"\x30\x00" * 3,
    ],
)
def test_malformed_cms_raises_parse_error_only(blob):
    with pytest.raises(ParseError):
        cms.parse(blob, file="SOD")


def test_deep_nesting_is_refused_with_offset():
    blob = b""
    for _ in range(200):
        blob = b"\x30" + bytes([0x82]) + len(blob).to_bytes(2, "big") + blob
    with pytest.raises(ParseError) as ei:
        cms.parse(blob, file="SOD")
    assert ei.value.file == "SOD" and ei.value.offset is not None


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=40, deadline=None)
@given(
    econtent=st.binary(max_size=300),
    digest=st.sampled_from(sorted(oids.DIGESTS)),
    sig=st.binary(min_size=1, max_size=140),
    sid=st.sampled_from(["ski", "issuer_serial"]),
    include=st.booleans(),
    null=st.booleans(),
    extra_certs=st.integers(0, 2),
)
def test_signed_data_round_trip(econtent, digest, sig, sid, include, null, extra_certs):
    _, cert = ec_signer()
    raw = cms.build_signed_data(
        oids.ID_ICAO_LDS_SECURITY_OBJECT, econtent, cert, lambda data: sig, digest, oids.ECDSA_WITH_SHA256,
        sid=sid, include_cert=include, digest_params_null=null, extra_certificates=[cert] * extra_certs,
    )
    sd = cms.parse(raw)
    assert sd.econtent == econtent and sd.signer_infos[0].signature == sig
    assert sd.signer_infos[0].message_digest == cms.digest(digest, econtent)
    assert len(sd.certificates) == int(include) + extra_certs
    assert cms.parse(cms.build(sd)) == sd and cms.build(sd) == raw
