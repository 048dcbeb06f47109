"""CMS SignedData single-pass parser (RFC 5652 §5): asn1crypto as an independent oracle, exact raw bytes, strictness.

``cms.parse`` reads the DER in one bounded pass without asn1crypto. These
tests check it against asn1crypto's reading of the same bytes (on valid
input the fields must agree), that every byte verification needs is kept as
received (non-minimal lengths, unsorted attributes, BER-segmented eContent),
and that malformed framing raises ParseError pointing at the offending
element.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import pytest
from asn1crypto import cms as a_cms
from asn1crypto import core as a_core
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from cccd_chip.errors import ParseError
from cccd_chip.lds import cms, oids
from cccd_chip.lds._der import der, der_oid, der_seq

from lds_helpers import _cert, ec_signer, rsa_signer, sign_ecdsa, sign_pss

REPO = Path(__file__).resolve().parents[2]
MASTER_LIST = REPO / "test_vectors" / "pki" / "DE_ML_2026-05-28.ml"


def oracle(raw: bytes) -> dict:
    """The fields verification needs, as asn1crypto reads them (lenient but independent)."""
    sd = a_cms.ContentInfo.load(raw)["content"]
    eci = sd["encap_content_info"]
    content = eci["content"]
    out = {
        "version": int.from_bytes(sd["version"].contents, "big"),
        "digest_algorithms": [(a["algorithm"].dotted, _params(a)) for a in sd["digest_algorithms"]],
        "econtent_type": eci["content_type"].dotted,
        "econtent": None if isinstance(content, a_core.Void) else bytes(content.contents),
        "certificates": [] if isinstance(sd["certificates"], a_core.Void) else [c.dump() for c in sd["certificates"]],
        "signer_infos": [],
    }
    for si in sd["signer_infos"]:
        sid = si["sid"]
        sa = si["signed_attrs"]
        out["signer_infos"].append({
            "version": int.from_bytes(si["version"].contents, "big"),
            "sid_ski": bytes(sid.chosen.contents) if sid.name == "subject_key_identifier" else None,
            "sid_issuer": sid.chosen["issuer"].dump() if sid.name == "issuer_and_serial_number" else None,
            "sid_serial": sid.chosen["serial_number"].native if sid.name == "issuer_and_serial_number" else None,
            "digest_algorithm": (si["digest_algorithm"]["algorithm"].dotted, _params(si["digest_algorithm"])),
            "signed_attrs": None if isinstance(sa, a_core.Void) else b"\x31" + sa.dump()[1:],
            "signature_algorithm": (si["signature_algorithm"]["algorithm"].dotted, _params(si["signature_algorithm"])),
            "signature": bytes(si["signature"].contents),
            "raw": si.dump(),
        })
    return out


def _params(alg) -> bytes | None:
    p = alg["parameters"]
    return None if isinstance(p, a_core.Void) else p.dump()


def ours(sd: cms.SignedData) -> dict:
    return {
        "version": sd.version,
        "digest_algorithms": [(a.oid, a.parameters) for a in sd.digest_algorithms],
        "econtent_type": sd.econtent_type,
        "econtent": sd.econtent,
        "certificates": list(sd.certificates),
        "signer_infos": [
            {
                "version": si.version,
                "sid_ski": si.sid_ski,
                "sid_issuer": si.sid_issuer,
                "sid_serial": si.sid_serial,
                "digest_algorithm": (si.digest_algorithm.oid, si.digest_algorithm.parameters),
                "signed_attrs": si.signed_attrs,
                "signature_algorithm": (si.signature_algorithm.oid, si.signature_algorithm.parameters),
                "signature": si.signature,
                "raw": si.raw,
            }
            for si in sd.signer_infos
        ],
    }


def test_german_master_list_agrees_with_asn1crypto():
    raw = MASTER_LIST.read_bytes()
    assert ours(cms.parse(raw, file="ML")) == oracle(raw)


@settings(max_examples=40, deadline=None)
@given(
    econtent=st.binary(max_size=200),
    digest=st.sampled_from(sorted(oids.DIGESTS)),
    sid=st.sampled_from(["ski", "issuer_serial"]),
    pss=st.booleans(),
    include=st.booleans(),
    null=st.booleans(),
    extra_certs=st.integers(0, 2),
)
def test_generated_signed_data_agrees_with_asn1crypto(econtent, digest, sid, pss, include, null, extra_certs):
    _, cert = rsa_signer() if pss else ec_signer()
    alg, params = (oids.RSASSA_PSS, cms.rsassa_pss_params(digest, 20)) if pss else (oids.ECDSA_WITH_SHA256, None)
    raw = cms.build_signed_data(
        oids.ID_ICAO_LDS_SECURITY_OBJECT, econtent, cert, lambda data: b"\x01" * 70, digest, alg, params,
        sid=sid, include_cert=include, digest_params_null=null, extra_certificates=[cert] * extra_certs,
    )
    assert ours(cms.parse(raw)) == oracle(raw)


# --- raw bytes kept exactly ---------------------------------------------------------------


def _attr(oid: str, value: bytes) -> bytes:
    return der_seq(der_oid(oid), der(0x31, value))


def _signer_info_with_attrs(body: bytes, *, long_form: bool) -> tuple[bytes, cms.SignedData]:
    """A SignedData whose [0] signed attributes are ``body``, stored with a non-minimal length if asked."""
    key, cert = ec_signer()
    econtent = b"\x30\x03\x02\x01\x00"
    good = cms.parse(cms.build_signed_data(oids.ID_ICAO_LDS_SECURITY_OBJECT, econtent, cert, sign_ecdsa(key)))
    header = b"\x31\x81" + bytes([len(body)]) if long_form else b"\x31" + bytes([len(body)])
    assert len(body) < 0x80
    signed = header + body
    si = dataclasses.replace(good.signer_infos[0], signed_attrs=signed, signature=sign_ecdsa(key)(signed))
    raw = cms.build(dataclasses.replace(good, signer_infos=(si,)))
    return raw, cms.parse(raw)


def test_signed_attributes_kept_as_received_non_minimal_length_and_unsorted():
    econtent = b"\x30\x03\x02\x01\x00"
    md = _attr(oids.ID_MESSAGE_DIGEST, der(0x04, hashlib.sha256(econtent).digest()))
    ct = _attr(oids.ID_CONTENT_TYPE, der_oid(oids.ID_ICAO_LDS_SECURITY_OBJECT))
    body = md + ct  # messageDigest (31 ..) sorts after contentType (30 ..) in DER order: stored unsorted
    raw, sd = _signer_info_with_attrs(body, long_form=True)
    (si,) = sd.signer_infos
    assert si.signed_attrs == b"\x31\x81" + bytes([len(body)]) + body
    assert raw.find(b"\xa0\x81" + bytes([len(body)]) + body) > 0  # as stored, re-tagged only
    assert si.signed_attrs_der == b"\x31" + bytes([len(body)]) + ct + md  # canonical form differs
    assert [a.oid for a in si.signed_attributes] == [oids.ID_MESSAGE_DIGEST, oids.ID_CONTENT_TYPE]
    assert si.message_digest == hashlib.sha256(econtent).digest()
    assert si.content_type == oids.ID_ICAO_LDS_SECURITY_OBJECT
    assert ours(sd) == oracle(raw)


def test_econtent_exact_octets_non_minimal_length_and_ber_segments():
    key, cert = ec_signer()
    good = cms.parse(cms.build_signed_data(oids.ID_ICAO_LDS_SECURITY_OBJECT, b"\x05\x00", cert, sign_ecdsa(key)))
    raw = cms.build(good)
    # non-minimal OCTET STRING length: the octets are the same, the element differs
    eci_old = der_seq(der_oid(good.econtent_type), der(0xA0, der(0x04, b"\x05\x00")))
    eci_new = der_seq(der_oid(good.econtent_type), der(0xA0, b"\x04\x82\x00\x02\x05\x00"))
    raw2 = _swap(raw, eci_old, eci_new)
    assert cms.parse(raw2).econtent == b"\x05\x00"
    # BER constructed OCTET STRING: the octets are the concatenated segments (X.690 §8.7.3)
    eci_ber = der_seq(der_oid(good.econtent_type), der(0xA0, der(0x24, der(0x04, b"\x05") + der(0x04, b"\x00"))))
    assert cms.parse(_swap(raw, eci_old, eci_ber)).econtent == b"\x05\x00"
    # BER nests segments (X.690 §8.7.3.2; issue 11): still the concatenated octets
    nested = der_seq(der_oid(good.econtent_type), der(0xA0, der(0x24, der(0x24, der(0x04, b"\x05\x00")))))
    assert cms.parse(_swap(raw, eci_old, nested)).econtent == b"\x05\x00"
    other = der_seq(der_oid(good.econtent_type), der(0xA0, der(0x24, der(0x24, der(0x02, b"\x05")))))
    with pytest.raises(ParseError):
        cms.parse(_swap(raw, eci_old, other))


def _swap(raw: bytes, old: bytes, new: bytes) -> bytes:
    """Replace one inner element and fix the enclosing definite lengths (ContentInfo > [0] > SignedData)."""
    from cccd_chip.iso7816 import tlv

    ci = tlv.decode_one(raw)
    oid, content = tlv.decode(ci.value)
    sd = tlv.decode_one(content.value)
    assert sd.value.count(old) == 1
    body = sd.value.replace(old, new)
    return der_seq(tlv.encode(oid.tag, oid.value), der(0xA0, der_seq(body)))


# --- strictness: malformed framing raises ParseError at the element ------------------------


# Elements the malformed-field cases plant; the offset check needs each to occur once.
_PLANTED = (b"\x04\x00", b"\x04\x01\x00", b"\x02\x01\x09", b"\x30\x03\x04\x05\x00")


def _valid() -> tuple[bytes, cms.SignedData]:
    """A valid RSA-PSS SignedData whose random salt holds none of the planted elements.

    The PSS salt is random, so about one signature in 250 contains ``04 00`` by chance;
    such a signature is drawn again (a property of the fixture, not of the parser). The
    session's signer certificate is random too (its modulus and signature: about one session
    in 60 holds a planted element in it); then this test draws a signer of its own.
    """
    key, cert = rsa_signer()
    while any(p in cert for p in _PLANTED):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        cert = _cert(key, ski=False)
    for _ in range(64):
        raw = cms.build_signed_data(
            oids.ID_ICAO_LDS_SECURITY_OBJECT, b"\x30\x00", cert, sign_pss(key), "sha256", oids.RSASSA_PSS,
            cms.rsassa_pss_params("sha256", 32), sid="issuer_serial",
        )
        if not any(p in raw for p in _PLANTED):
            return raw, cms.parse(raw)
    raise AssertionError("64 signatures in a row held a planted element")


def _rebuild(sd: cms.SignedData, **changes) -> bytes:
    return cms.build(dataclasses.replace(sd, **changes))


def _si(sd: cms.SignedData, **changes) -> tuple[cms.SignerInfo, ...]:
    return (dataclasses.replace(sd.signer_infos[0], **changes),)


def test_extra_field_after_signer_infos_is_refused_at_its_offset():
    raw, _ = _valid()
    extra = b"\x02\x01\x07"
    from cccd_chip.iso7816 import tlv

    oid, content = tlv.decode(tlv.decode_one(raw).value)
    sd_body = tlv.decode_one(content.value).value + extra
    bad = der_seq(tlv.encode(oid.tag, oid.value), der(0xA0, der_seq(sd_body)))
    with pytest.raises(ParseError) as ei:
        cms.parse(bad, file="SOD")
    assert ei.value.file == "SOD" and bad[ei.value.offset:] == extra


def _body(set_der: bytes) -> bytes:
    from cccd_chip.iso7816 import tlv

    return set_der[tlv.read_header(set_der, 0).header_len :]


def _with_signer_info(raw: bytes, si_der: bytes) -> bytes:
    """``raw`` with its signerInfos SET replaced by one SignerInfo element, lengths fixed."""
    from cccd_chip.iso7816 import tlv

    oid, content = tlv.decode(tlv.decode_one(raw).value)
    parts = tlv.decode(tlv.decode_one(content.value).value)
    body = b"".join(tlv.encode(p.tag, p.value) for p in parts[:-1]) + der(0x31, si_der)
    return der_seq(tlv.encode(oid.tag, oid.value), der(0xA0, der_seq(body)))


@pytest.mark.parametrize(
    "what",
    ["unsigned_extra", "bad_oid", "cert_choice", "attr_not_seq", "pss_params_framing", "attr_value_framing", "no_signature"],
)
def test_malformed_fields_raise_parse_error_with_offset(what):
    raw, sd = _valid()
    si = sd.signer_infos[0]
    marker = None  # the offending element, when it is unique in ``bad``
    if what == "unsigned_extra":  # a field after unsignedAttrs
        bad = _rebuild(sd, signer_infos=_si(sd, unsigned_attrs=b"\xa1\x00\x04\x00"))
        marker = b"\x04\x00"
    elif what == "bad_oid":  # last subidentifier octet with bit 8 set (X.690 §8.19.2)
        good_oid = der_oid(oids.ID_ICAO_LDS_SECURITY_OBJECT)
        marker = good_oid[:-1] + bytes([good_oid[-1] | 0x80])
        assert raw.count(good_oid) == 2  # eContentType and the contentType attribute value
        bad = raw.replace(good_oid, marker, 1)
    elif what == "cert_choice":  # CertificateChoices has no OCTET STRING alternative
        bad = _rebuild(sd, certificates=sd.certificates + (b"\x04\x01\x00",))
        marker = b"\x04\x01\x00"
    elif what == "attr_not_seq":
        bad = _rebuild(sd, signer_infos=_si(sd, signed_attrs=der(0x31, _body(si.signed_attrs) + b"\x02\x01\x09")))
        marker = b"\x02\x01\x09"
    elif what == "pss_params_framing":  # inner length of the PSS parameters runs past its parent
        params = bytearray(si.signature_algorithm.parameters)
        params[3] += 1
        bad = _rebuild(sd, signer_infos=_si(sd, signature_algorithm=cms.AlgorithmIdentifier(oids.RSASSA_PSS, bytes(params))))
        marker = bytes(params)
    elif what == "attr_value_framing":  # a constructed attribute value whose inner length runs past it
        value = b"\x30\x03\x04\x05\x00"
        bad = _rebuild(sd, signer_infos=_si(sd, signed_attrs=der(0x31, _body(si.signed_attrs) + _attr("1.2.3.4", value))))
        marker = value
    else:  # the signature OCTET STRING is missing
        si_der = der_seq(
            b"\x02\x01\x01", der_seq(si.sid_issuer, b"\x02\x01\x05"), si.digest_algorithm.encode(),
            b"\xa0" + si.signed_attrs[1:], si.signature_algorithm.encode(),
        )
        bad = _with_signer_info(raw, si_der)
    with pytest.raises(ParseError) as ei:
        cms.parse(bad, file="SOD")
    assert ei.value.file == "SOD"
    assert ei.value.offset is not None and 0 <= ei.value.offset <= len(bad)
    if marker is not None:
        assert bad.count(marker) == 1  # the offset points into the offending element
        assert bad.find(marker) <= ei.value.offset < bad.find(marker) + len(marker), (ei.value.message, ei.value.offset)


def test_certificate_contents_are_not_interpreted_by_the_cms_parser():
    """Certificates are kept as raw elements; ``load_certificate`` judges them when used."""
    from cccd_chip.pki.signed_data import find_signer

    raw, sd = _valid()
    junk = der_seq(b"\x02\x01\x01" + der_seq(b"\x99" * 10))  # a SEQUENCE, not a certificate
    parsed = cms.parse(_rebuild(sd, certificates=(junk,) + sd.certificates))
    assert parsed.certificates[0] == junk
    assert find_signer(parsed.signer_infos[0], parsed.certificates).raw == sd.certificates[0]
    assert find_signer(parsed.signer_infos[0], (junk,)) is None


def test_deeply_nested_certificate_is_bounded():
    """A certificate nested 5000 deep parses as raw bytes; the certificate parser refuses it with ParseError."""
    from cccd_chip.pki.certificate import load_certificate

    raw, sd = _valid()
    nest = b"\x05\x00"
    for _ in range(5000):
        nest = der(0x30, nest)
    parsed = cms.parse(_rebuild(sd, certificates=(nest,)))
    assert parsed.certificates == (nest,)
    with pytest.raises(ParseError):
        load_certificate(nest)


def test_a_set_of_too_many_elements_is_refused_not_amplified():
    from cccd_chip.lds._der import MAX_CHILDREN

    raw, sd = _valid()
    many = (b"\x30\x00",) * (MAX_CHILDREN + 1)
    bad = _rebuild(sd, certificates=many)
    with pytest.raises(ParseError) as ei:
        cms.parse(bad, file="SOD")
    assert "elements" in ei.value.message and 0 < ei.value.offset < len(bad)
    assert len(cms.parse(_rebuild(sd, certificates=many[:1000])).certificates) == 1000
