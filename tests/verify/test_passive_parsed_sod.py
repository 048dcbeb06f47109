"""Passive Authentication over the single-pass SOD parser: every check still runs on the exact bytes.

The SOD is now read in one bounded DER pass (``lds.cms.parse_at``). These
tests alter one thing at a time in a genuine SOD, re-sign where needed, and
check the verdict: the signature is checked over the signed attributes as
stored (not re-encoded), the digestAlgorithms profile check still runs, a
certificate the parser keeps raw but that is not a certificate is skipped, and
framing the old parser silently accepted is now refused as SOD_MALFORMED.
"""

from __future__ import annotations

import dataclasses

import pytest

from cccd_chip.iso7816 import tlv
from cccd_chip.lds import cms, oids, sod
from cccd_chip.lds._der import der, der_int, der_oid, der_seq
from cccd_chip.emulator import testpki
from cccd_chip.pki.trust_store import TrustStore
from cccd_chip.verify.passive import verify_passive
from cccd_chip.verify.report import Reason, Report, Verdict

from .conftest import POLICY

PROFILE = "ecdsa-p256"


def _run(files, store):
    res = verify_passive(files, store, POLICY)
    return res, Report.of(res.checks)


def _signature_check(res):
    (c,) = [c for c in res.checks if c.check == "passive.signature"]
    return c


def _with_signed_data(files: dict, sd: cms.SignedData) -> dict:
    return {**files, "SOD": tlv.encode(0x77, cms.build(sd))}


def _resigned(pki, sd: cms.SignedData, signed_attrs: bytes) -> cms.SignedData:
    signer = testpki.cms_signing(pki.dscs[PROFILE])["signer"]
    si = dataclasses.replace(sd.signer_infos[0], signed_attrs=signed_attrs, signature=signer(signed_attrs))
    return dataclasses.replace(sd, signer_infos=(si,))


def test_signature_is_checked_over_the_signed_attributes_as_stored(pki):
    """Non-minimal SET length, signed as stored: verifies only if the exact bytes are used."""
    files = pki.files(PROFILE)
    sd = sod.parse(files["SOD"]).signed_data
    attrs = sd.signer_infos[0].signed_attrs
    body = attrs[tlv.read_header(attrs, 0).header_len :]
    stored = b"\x31\x82" + len(body).to_bytes(2, "big") + body  # BER, not DER
    assert stored != sd.signer_infos[0].signed_attrs_der
    files2 = _with_signed_data(files, _resigned(pki, sd, stored))
    assert sod.parse(files2["SOD"]).signed_data.signer_infos[0].signed_attrs == stored
    res, rep = _run(files2, pki.store)
    assert (_signature_check(res).verdict, rep.overall) == (Verdict.SUCCESSFUL, Verdict.SUCCESSFUL)
    # signed as stored (BER) but stored in DER: no encoding is invented, the signature fails
    si_ber = _resigned(pki, sd, stored).signer_infos[0]
    sd_der = dataclasses.replace(sd, signer_infos=(dataclasses.replace(si_ber, signed_attrs=sd.signer_infos[0].signed_attrs),))
    res, _ = _run(_with_signed_data(files, sd_der), pki.store)
    c = _signature_check(res)
    assert (c.verdict, c.reason) == (Verdict.FAILED, Reason.SOD_SIGNATURE_INVALID)
    # signed in DER, stored in BER: the documented canonical retry (RFC 5652 §5.4) accepts it
    sd_ber = dataclasses.replace(sd, signer_infos=(dataclasses.replace(sd.signer_infos[0], signed_attrs=stored),))
    res, _ = _run(_with_signed_data(files, sd_ber), pki.store)
    assert _signature_check(res).verdict is Verdict.SUCCESSFUL


def test_digest_algorithms_must_list_the_signer_digest(pki):
    files = pki.files(PROFILE)
    sd = sod.parse(files["SOD"]).signed_data
    sha512 = cms.AlgorithmIdentifier(oids.DIGESTS["sha512"])
    res, rep = _run(_with_signed_data(files, dataclasses.replace(sd, digest_algorithms=(sha512,))), pki.store)
    c = _signature_check(res)
    assert (c.verdict, c.reason, rep.overall) == (Verdict.FAILED, Reason.SOD_MALFORMED, Verdict.FAILED)
    md5 = cms.AlgorithmIdentifier("1.2.840.113549.2.5")
    res, _ = _run(_with_signed_data(files, dataclasses.replace(sd, digest_algorithms=sd.digest_algorithms + (md5,))), pki.store)
    assert _signature_check(res).verdict is Verdict.FAILED


def test_econtent_type_must_be_the_lds_security_object(pki):
    files = pki.files(PROFILE, content_type_attribute=oids.ID_DATA)
    sd = sod.parse(files["SOD"]).signed_data
    res, _ = _run(_with_signed_data(files, dataclasses.replace(sd, econtent_type=oids.ID_DATA)), pki.store)
    c = _signature_check(res)
    assert (c.verdict, c.reason) == (Verdict.FAILED, Reason.SOD_CONTENT_TYPE_MISMATCH)


def test_a_non_certificate_in_certificates_is_skipped(pki):
    files = pki.files(PROFILE)
    sd = sod.parse(files["SOD"]).signed_data
    junk = der_seq(der_int(1), der_seq(b"\x99" * 8))
    files2 = _with_signed_data(files, dataclasses.replace(sd, certificates=(junk,) + sd.certificates))
    res, rep = _run(files2, pki.store)
    assert rep.overall is Verdict.SUCCESSFUL
    files3 = _with_signed_data(files, dataclasses.replace(sd, certificates=(junk,)))
    res, _ = _run(files3, pki.store)
    assert _signature_check(res).reason is Reason.SIGNER_NOT_FOUND
    store = TrustStore()
    store.add_csca(pki.csca.cert_der)
    store.add_dsc(pki.dscs[PROFILE].cert_der)
    res, rep = _run(files3, store)
    assert rep.overall is Verdict.SUCCESSFUL


@pytest.mark.parametrize("where", ["signed_data", "encap_content_info"])
def test_extra_fields_are_malformed(pki, where):
    files = pki.files(PROFILE)
    raw = files["SOD"]
    sd = sod.parse(raw).signed_data
    ci = tlv.decode_one(tlv.decode_one(raw).value)
    oid, content = tlv.decode(ci.value)
    body = tlv.decode_one(content.value).value
    if where == "signed_data":
        body += der_int(0)
    else:
        eci = der_seq(der_oid(sd.econtent_type), der(0xA0, der(0x04, sd.econtent)))
        assert body.count(eci) == 1
        body = body.replace(eci, der_seq(der_oid(sd.econtent_type), der(0xA0, der(0x04, sd.econtent)), der_int(0)))
    files["SOD"] = tlv.encode(0x77, der_seq(tlv.encode(oid.tag, oid.value), der(0xA0, der_seq(body))))
    res, rep = _run(files, pki.store)
    (c,) = res.checks
    assert (c.check, c.verdict, c.reason, rep.overall) == ("passive.sod", Verdict.FAILED, Reason.SOD_MALFORMED, Verdict.FAILED)
