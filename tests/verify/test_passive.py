"""Passive Authentication: every signer profile passes; every fault gives its documented verdict."""

from __future__ import annotations

import datetime as dt

import pytest

from cccd_chip.iso7816 import tlv
from cccd_chip.emulator import testpki
from cccd_chip.pki.trust_store import TrustStore
from cccd_chip.verify.passive import Policy, verify_passive
from cccd_chip.verify.report import Reason, Report, Verdict

from .conftest import INSIDE, POLICY, SIGNER_PROFILES, UTC


def _run(files, store, policy=POLICY, **kw):
    res = verify_passive(files, store, policy, **kw)
    return res, Report.of(res.checks)


def _find(res, check, subject=None):
    found = [c for c in res.checks if c.check == check and (subject is None or c.subject == subject)]
    assert found, f"no {check} {subject} in {[c.to_json() for c in res.checks]}"
    return found[0]


@pytest.mark.parametrize("profile", [p[0] for p in SIGNER_PROFILES])
def test_every_signer_profile_verifies(pki, profile):
    res, rep = _run(pki.files(profile), pki.store)
    assert rep.overall is Verdict.SUCCESSFUL, [c.to_json() for c in res.checks]
    assert res.signer.trusted and res.dg_authenticated(1) and res.dg_authenticated(2)
    # the SignerInfo's algorithm is used: the CSCA (brainpool) signed the DSC with ECDSA,
    # the SOD carries RSA-PSS / PKCS#1 / ECDSA as the profile says
    detail = _find(res, "passive.signature").detail
    assert {"rsa2048-pss": "rsassa-pss", "rsa2048-pkcs1": "rsa-pkcs1v15"}.get(profile, "ecdsa") in detail


def test_explicit_parameter_dsc_and_csca(pki):
    csca = testpki.with_explicit_parameters(testpki.make_csca("VN", key_spec="bp512", seed=5, serial=9))
    dsc = testpki.with_explicit_parameters(testpki.make_dsc(csca, key_spec="bp384", seed=5), csca)
    store = TrustStore()
    store.add_csca(csca.cert_der)
    files = testpki.sample_data_groups(1)
    files["SOD"] = testpki.make_sod(files, dsc)
    res, rep = _run(files, store)
    assert rep.overall is Verdict.SUCCESSFUL
    assert "explicit parameters" in _find(res, "passive.signature").detail


def test_dsc_from_trust_store_when_sod_has_none(pki):
    files = pki.files("ecdsa-p256", include_cert=False, sid="issuer_serial")
    res, _ = _run(files, pki.store)
    assert _find(res, "passive.signature").reason is Reason.SIGNER_NOT_FOUND
    store = TrustStore()
    store.add_csca(pki.csca.cert_der)
    store.add_dsc(pki.dscs["ecdsa-p256"].cert_der)
    res, rep = _run(files, store)
    assert rep.overall is Verdict.SUCCESSFUL


def test_dg_altered_fails_with_hash_mismatch_for_that_dg(pki):
    files = pki.files()
    dg2 = bytearray(files["DG2"])
    dg2[-1] ^= 0x01
    files["DG2"] = bytes(dg2)
    res, rep = _run(files, pki.store)
    assert rep.overall is Verdict.FAILED
    c = _find(res, "passive.dg_hash", "DG2")
    assert (c.verdict, c.reason) == (Verdict.FAILED, Reason.DG_HASH_MISMATCH)
    assert _find(res, "passive.dg_hash", "DG1").verdict is Verdict.SUCCESSFUL


def test_dg_present_but_not_in_sod_fails(pki):
    files = pki.files()
    files["DG11"] = tlv.encode(0x6B, b"\x5F\x0E\x01X")
    res, rep = _run(files, pki.store)
    c = _find(res, "passive.dg_hash", "DG11")
    assert (c.verdict, c.reason, rep.overall) == (Verdict.FAILED, Reason.DG_NOT_IN_SOD, Verdict.FAILED)


def test_dg_in_sod_not_read_is_undetermined(pki):
    files = pki.files(extra={"DG13": tlv.encode(0x6D, b"\x02\x01\x01")})
    del files["DG13"]
    res, rep = _run(files, pki.store, absent={"DG13": "6A82"})
    c = _find(res, "passive.dg_hash", "DG13")
    assert (c.verdict, c.reason, rep.overall) == (Verdict.UNDETERMINED, Reason.DG_NOT_READ, Verdict.UNDETERMINED)
    assert "6A82" in c.detail


def test_eac_protected_dg3_not_read_does_not_fail_the_document(pki):
    files = pki.files(extra={"DG3": tlv.encode(0x63, b"\x02\x01\x01")})
    del files["DG3"]
    res, rep = _run(files, pki.store, absent={"DG3": "6982"})
    c = _find(res, "passive.dg_hash", "DG3")
    assert (c.verdict, c.reason) == (Verdict.NOT_SUPPORTED, Reason.DG_EAC_PROTECTED)
    assert rep.overall is Verdict.SUCCESSFUL


def test_mandatory_dg_missing_from_sod(pki):
    files = testpki.sample_data_groups(3)
    del files["DG2"]
    files["SOD"] = testpki.make_sod(files, pki.dscs["ecdsa-p256"])
    res, rep = _run(files, pki.store)
    c = _find(res, "passive.dg_hash", "DG2")
    assert (c.verdict, c.reason) == (Verdict.FAILED, Reason.DG_MANDATORY_MISSING)


def test_broken_sod_signature(pki):
    files = pki.files("rsa2048-pss")
    from cccd_chip.lds import sod

    sig = sod.parse(files["SOD"]).signed_data.signer_infos[0].signature
    raw = bytearray(files["SOD"])
    pos = bytes(raw).rfind(sig)
    raw[pos + 10] ^= 0x40
    files["SOD"] = bytes(raw)
    res, rep = _run(files, pki.store)
    c = _find(res, "passive.signature")
    assert (c.verdict, c.reason, rep.overall) == (Verdict.FAILED, Reason.SOD_SIGNATURE_INVALID, Verdict.FAILED)
    # DG hashes that match an unverified SOD are not reported as successful
    assert _find(res, "passive.dg_hash", "DG1").verdict is Verdict.UNDETERMINED


def test_message_digest_and_content_type_attributes(pki):
    res, _ = _run(pki.files(message_digest=b"\x00" * 32), pki.store)
    assert _find(res, "passive.signature").reason is Reason.SOD_MESSAGE_DIGEST_MISMATCH
    res, _ = _run(pki.files(content_type_attribute="1.2.840.113549.1.7.1"), pki.store)
    assert _find(res, "passive.signature").reason is Reason.SOD_CONTENT_TYPE_MISMATCH


def test_unknown_csca_is_undetermined(pki):
    res, rep = _run(pki.files(), TrustStore())
    c = _find(res, "passive.dsc_chain")
    assert (c.verdict, c.reason, rep.overall) == (Verdict.UNDETERMINED, Reason.CSCA_NOT_FOUND, Verdict.UNDETERMINED)


def test_dsc_signed_by_an_impostor_csca_fails(pki):
    """Right issuer name and AKI, wrong key: DSC_SIGNATURE_INVALID (failed, not undetermined)."""
    impostor_key = testpki.make_key("bp384", seed=99, label="impostor")
    forged_issuer = testpki.Issued(pki.csca.cert_der, impostor_key, "bp384")
    dsc = testpki.make_dsc(forged_issuer, seed=99, serial=999)
    files = testpki.sample_data_groups(4)
    files["SOD"] = testpki.make_sod(files, dsc)
    res, rep = _run(files, pki.store)
    c = _find(res, "passive.dsc_chain")
    assert (c.verdict, c.reason, rep.overall) == (Verdict.FAILED, Reason.DSC_SIGNATURE_INVALID, Verdict.FAILED)


def test_dsc_naming_an_unknown_csca_key_is_undetermined(pki):
    other = testpki.make_csca("VN", key_spec="bp384", seed=98)  # same name, other key (rollover)
    dsc = testpki.make_dsc(other, seed=98)
    files = testpki.sample_data_groups(4)
    files["SOD"] = testpki.make_sod(files, dsc)
    res, rep = _run(files, pki.store)
    c = _find(res, "passive.dsc_chain")
    assert (c.verdict, c.reason) == (Verdict.UNDETERMINED, Reason.CSCA_NOT_FOUND)


def test_dsc_expired_and_not_yet_valid(pki):
    files = pki.files()
    res, rep = _run(files, pki.store, Policy(at=dt.datetime(2037, 1, 1, tzinfo=UTC)))
    c = _find(res, "passive.validity")
    assert (c.verdict, c.reason, rep.overall) == (Verdict.FAILED, Reason.DSC_EXPIRED, Verdict.FAILED)
    res, _ = _run(files, pki.store, Policy(at=dt.datetime(2023, 6, 1, tzinfo=UTC)))
    assert _find(res, "passive.validity").reason is Reason.DSC_NOT_YET_VALID


def test_signing_time_reference_policy(pki):
    files = pki.files(signing_time=dt.datetime(2025, 5, 5, tzinfo=UTC))
    late = dt.datetime(2037, 1, 1, tzinfo=UTC)
    res, _ = _run(files, pki.store, Policy(at=late, time_reference="signing_time"))
    assert _find(res, "passive.validity").verdict is Verdict.SUCCESSFUL
    res, _ = _run(files, pki.store, Policy(at=late))
    assert _find(res, "passive.validity").reason is Reason.DSC_EXPIRED


def test_revoked_dsc_fails_and_crl_policies(pki):
    dsc = pki.dscs["ecdsa-bp256"]
    serial = dsc.cert.serial_number
    files = pki.files()
    store = TrustStore()
    store.add_csca(pki.csca.cert_der)
    res, rep = _run(files, store, Policy(at=INSIDE, revocation="require"))
    assert _find(res, "passive.revocation").reason is Reason.CRL_MISSING and rep.overall is Verdict.UNDETERMINED
    store.add_crl(testpki.make_crl(pki.csca, [serial + 1], next_update=dt.datetime(2026, 1, 1, tzinfo=UTC)))
    res, rep = _run(files, store)
    c = _find(res, "passive.revocation")
    assert (c.verdict, c.reason) == (Verdict.UNDETERMINED, Reason.CRL_STALE)
    store.add_crl(testpki.make_crl(pki.csca, [serial], this_update=dt.datetime(2026, 6, 1, tzinfo=UTC), number=2))
    res, rep = _run(files, store)
    c = _find(res, "passive.revocation")
    assert (c.verdict, c.reason, rep.overall) == (Verdict.FAILED, Reason.DSC_REVOKED, Verdict.FAILED)


def test_crl_not_listing_the_dsc(pki):
    store = TrustStore()
    store.add_csca(pki.csca.cert_der)
    store.add_crl(testpki.make_crl(pki.csca, [1, 2, 3]))
    res, rep = _run(pki.files(), store, Policy(at=INSIDE, revocation="require"))
    assert _find(res, "passive.revocation").verdict is Verdict.SUCCESSFUL and rep.overall is Verdict.SUCCESSFUL


def test_dsc_without_digital_signature_key_usage(pki):
    dsc = testpki.make_dsc(pki.csca, seed=7, serial=321, digital_signature=False)
    files = testpki.sample_data_groups(5)
    files["SOD"] = testpki.make_sod(files, dsc)
    res, rep = _run(files, pki.store)
    c = _find(res, "passive.dsc_profile")
    assert (c.verdict, c.reason, rep.overall) == (Verdict.FAILED, Reason.DSC_KEY_USAGE, Verdict.FAILED)


@pytest.mark.parametrize("sod", [None, b"", b"\x77\x03\x30\x01\x00", b"\x77\x82\xff\xff\x30", b"\x30\x00"])
def test_missing_or_malformed_sod(pki, sod):
    files = pki.files()
    if sod is None:
        del files["SOD"]
    else:
        files["SOD"] = sod
    res, rep = _run(files, pki.store)
    assert rep.overall is Verdict.FAILED
    assert res.checks[0].reason in (Reason.SOD_MISSING, Reason.SOD_MALFORMED)
    assert not res.dg_authenticated(1)


def test_bare_rsa_encryption_oid_in_signer_info(pki):
    """Some issuers put rsaEncryption as signatureAlgorithm: the hash comes from digestAlgorithm."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    dsc = pki.dscs["rsa2048-pkcs1"]
    files = testpki.sample_data_groups(8)
    from cccd_chip.lds import sod

    files["SOD"] = sod.build_sod(
        sod.hash_data_groups({1: files["DG1"], 2: files["DG2"]}, "sha256"),
        dsc.cert_der,
        lambda data: dsc.key.sign(data, padding.PKCS1v15(), hashes.SHA256()),
        hash_alg="sha256",
        signature_alg_oid="1.2.840.113549.1.1.1",
        signature_params_der=b"\x05\x00",
    )
    res, rep = _run(files, pki.store)
    assert rep.overall is Verdict.SUCCESSFUL
    assert "rsa-pkcs1v15-sha256" in _find(res, "passive.signature").detail


def test_read_time_reference_policy(pki):
    files = pki.files()
    late = Policy(at=dt.datetime(2037, 1, 1, tzinfo=UTC), time_reference="read_time")
    res, _ = _run(files, pki.store, late, read_at="2027-01-01T08:00:00Z")
    assert _find(res, "passive.validity").verdict is Verdict.SUCCESSFUL
    res, _ = _run(files, pki.store, late, read_at=None)
    assert _find(res, "passive.validity").reason is Reason.DSC_EXPIRED


def test_signed_data_profile_mismatch_is_malformed(pki):
    """SignerInfo v3 must use a subjectKeyIdentifier: an issuer+serial v3 SignerInfo fails."""
    from cccd_chip.lds import cms, sod

    files = pki.files("ecdsa-p256", sid="issuer_serial")
    parsed = sod.parse(files["SOD"])
    si = parsed.signed_data.signer_infos[0]
    import dataclasses

    bad_si = dataclasses.replace(si, version=3)
    sd = dataclasses.replace(parsed.signed_data, signer_infos=(bad_si,))
    files["SOD"] = tlv.encode(0x77, cms.build(sd))
    res, rep = _run(files, pki.store)
    c = _find(res, "passive.signature")
    assert (c.verdict, c.reason) == (Verdict.FAILED, Reason.SOD_MALFORMED)
