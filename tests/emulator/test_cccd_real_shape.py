"""The cccd-2021 / cccd-2024 profiles have the real card's algorithms and PKI shape (issue 20; facts §7a)."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID, SignatureAlgorithmOID

from cccd_chip.lds import dg2, dg15, oids, sod
from cccd_chip.pki.certificate import load_certificate

UTC = dt.timezone.utc


def _certs(d):
    return (x509.load_pem_x509_certificate((d / "csca.pem").read_bytes()),
            x509.load_pem_x509_certificate((d / "dsc.pem").read_bytes()))


@pytest.mark.parametrize("profile", ["cccd-2021", "cccd-2024"])
def test_csca_is_shaped_like_csca_vietnam(card_factory, profile):
    csca, _ = _certs(card_factory(profile))
    cn = csca.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    assert cn == "CSCA Vietnam TEST" and "TEST" in csca.subject.rfc4514_string()
    assert csca.subject == csca.issuer
    assert csca.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value == "VN"
    assert csca.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == "001"
    key = csca.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP384R1)
    assert csca.signature_algorithm_oid == SignatureAlgorithmOID.ECDSA_WITH_SHA384
    bc = csca.extensions.get_extension_for_class(x509.BasicConstraints)
    assert bc.critical and bc.value.ca and bc.value.path_length == 0
    ku = csca.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku.critical and ku.value.key_cert_sign and ku.value.crl_sign and not ku.value.digital_signature
    pkup = csca.extensions.get_extension_for_class(x509.PrivateKeyUsagePeriod).value
    assert pkup.not_after == dt.datetime(2026, 1, 21, 18, 11, 36)  # pyca gives naive UTC here
    assert (csca.not_valid_before_utc.date(), csca.not_valid_after_utc.date()) == (dt.date(2021, 1, 19), dt.date(2046, 4, 13))
    dp = csca.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    url = dp[0].full_name[0].value
    assert url.startswith("http://") and ".invalid/" in url  # never a real address
    assert 19 <= len(csca.serial_number.to_bytes(20, "big").lstrip(b"\0")) <= 20
    csca.verify_directly_issued_by(csca)
    # the project's own parser sees the usage period too (used by the lifecycle check)
    c = load_certificate(csca.public_bytes(__import__("cryptography.hazmat.primitives.serialization",
                                                      fromlist=["Encoding"]).Encoding.DER))
    assert c.private_key_usage_period is not None and c.is_ca


def test_both_generations_share_the_csca_and_have_their_own_dsc(card_factory):
    c21, d21 = _certs(card_factory("cccd-2021"))
    c24, d24 = _certs(card_factory("cccd-2024"))
    assert c21 == c24 and d21 != d24
    for d in (d21, d24):
        key = d.public_key()
        assert isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "brainpoolP384r1"
        assert d.signature_algorithm_oid == SignatureAlgorithmOID.ECDSA_WITH_SHA384
        d.verify_directly_issued_by(c21)
        pkup = d.extensions.get_extension_for_class(x509.PrivateKeyUsagePeriod).value
        assert (pkup.not_after - pkup.not_before).days in range(89, 93)  # a DS key lives 3 months
        csca_pkup = c21.extensions.get_extension_for_class(x509.PrivateKeyUsagePeriod).value
        assert csca_pkup.not_before <= d.not_valid_before_utc.replace(tzinfo=None) <= csca_pkup.not_after


@pytest.mark.parametrize("profile,lso_header", [("cccd-2021", b"\x30\x81"), ("cccd-2024", b"\x30\x82")])
def test_sod_algorithms_and_econtent_length_form(card_factory, profile, lso_header):
    d = card_factory(profile)
    s = sod.parse((d / "files/SOD.bin").read_bytes())
    si = s.signed_data.signer_infos[0]
    assert s.security_object.hash_algorithm.oid == "2.16.840.1.101.3.4.2.1"  # id-sha256
    assert si.signature_algorithm.oid == oids.ECDSA_WITH_SHA256
    assert s.signed_data.econtent[:2] == lso_header  # 2024: long-form eContent (facts §7a)
    assert (s.security_object.lds_version is not None) == (profile == "cccd-2024")
    assert sorted(s.security_object.hashes) == [1, 2, 3, 13, 14, 15]
    assert all(len(v) == 32 for v in s.security_object.hashes.values())


@pytest.mark.parametrize("profile", ["cccd-2021", "cccd-2024"])
def test_aa_key_is_rsa_2048_and_dg2_has_the_cccd_header(card_factory, profile):
    from cryptography.hazmat.primitives import serialization

    d = card_factory(profile)
    raw15 = (d / "files/DG15.bin").read_bytes()
    key = serialization.load_der_public_key(dg15.parse(raw15).subject_public_key_info)
    assert isinstance(key, rsa.RSAPublicKey) and key.key_size == 2048
    assert len(raw15) == 298  # "DG15 about 298 bytes" (facts §7a): 6F 82 01 26 + a 294-byte SPKI
    raw2 = (d / "files/DG2.bin").read_bytes()
    assert raw2.find(b"\xff\xd8\xff") == 84 and raw2[1] == 0x82  # JPEG at byte 84; 2-byte long form
    face = dg2.parse(raw2).faces[0]
    assert face.image_format == "JPEG" and raw2[84:].startswith(face.image[:16])


def test_passport_pss_keeps_the_rsa_pss_signer(card_factory):
    d = card_factory("passport-pss")
    s = sod.parse((d / "files/SOD.bin").read_bytes())
    assert s.signed_data.signer_infos[0].signature_algorithm.oid == oids.RSASSA_PSS
