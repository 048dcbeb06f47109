"""Class (c): the genuine issuer made one mistake and signed it correctly (issue 10).

Every case is signed with the issuer's own keys (the deterministic card-set PKI the
emulator personalised the card with), so Passive Authentication's signature is valid; the
one wrong field must still be caught by the check that owns it. The unchanged re-signed
document is the twin that must stay ``successful``; SHA-1 is a tolerated quirk
(``successful`` ``DEPRECATED_ALGORITHM``) whose tampered twin fails.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from adversary import dump_outcome, trust_store_for
from forge import build_sod, dg_hashes_for, issue_dsc, issuer_pki, mrz_start

from cccd_chip.emulator import profiles
from cccd_chip.lds import oids
from cccd_chip.emulator import testpki

PROFILES = ("cccd-2021", "cccd-2024", "passport-bac", "passport-pace-im", "passport-pace-cam", "passport-aes256",
            "id-small-le", "id-explicit-csca", "passport-dh")
UTC = dt.timezone.utc


def _issuer_args(profile: str, label: str) -> tuple[bytes, dict]:
    pki = issuer_pki(profile)
    return pki.dsc.cert_der, pki.dsc.cms_args(f"adversarial|{label}")


def _signed_dump(g, files, *, cert_der=None, args=None, hash_name=None, hashes=None, label="x", **opts) -> dict:
    """A dump of ``files`` with a SOD the issuer signs over them (its DSC unless another is given)."""
    if cert_der is None:
        cert_der, args = _issuer_args(g.profile, label)
    alg, h = dg_hashes_for(files, g.doc.files["SOD"], hash_name=hash_name)
    if hashes is not None:
        h = hashes
    out = dict(files)
    out["SOD"] = build_sod(h, alg, cert_der, args, **opts)
    m = g.manifest_copy()
    m["files"] = {k: v.hex().upper() for k, v in out.items()}
    return m


def _with_mrz(dg1: bytes, offset: int, new: bytes) -> bytes:
    i = mrz_start(dg1) + offset
    return dg1[:i] + new + dg1[i + len(new):]


# --- the twin: the issuer's re-signature of the unchanged document is successful ------------------


@pytest.mark.parametrize("profile", PROFILES)
def test_resigned_genuine_document_is_successful(genuine, judge, profile):
    g = genuine(profile)
    judge(dump_outcome(_signed_dump(g, dict(g.doc.files), label="twin"), g.store), expect="successful")


# --- one field of DG1 wrong ------------------------------------------------------------------------


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("state", ["USA", "D<<", "FRA"])
def test_issuing_state_of_another_country_fails(genuine, judge, profile, state):
    g = genuine(profile)
    files = dict(g.doc.files)
    files["DG1"] = _with_mrz(files["DG1"], 2, state.encode())
    judge(dump_outcome(_signed_dump(g, files, label=f"state-{state}"), g.store), expect="failed",
          reason="COUNTRY_MISMATCH")


@pytest.mark.parametrize("profile", [p for p in PROFILES if profiles.get(p).country == "UT"])
def test_specimen_state_signed_by_a_real_country_fails(genuine, judge, profile):
    """UTO is ICAO's fictional state: under C=VN certificates it is a mismatch, not a specimen."""
    vn = genuine("cccd-2024")
    files = dict(vn.doc.files)
    files["DG1"] = _with_mrz(files["DG1"], 2, b"UTO")
    judge(dump_outcome(_signed_dump(vn, files, label="uto"), vn.store), expect="failed", reason="COUNTRY_MISMATCH")


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("code", ["V<", "AC", "XX"])
def test_document_code_outside_the_dscs_document_type_list_fails(genuine, judge, profile, code):
    g = genuine(profile)
    files = dict(g.doc.files)
    files["DG1"] = _with_mrz(files["DG1"], 0, code.encode())
    judge(dump_outcome(_signed_dump(g, files, label=f"doc-{code}"), g.store), expect="failed",
          reason="DOCUMENT_TYPE_MISMATCH")


@pytest.mark.parametrize("profile", PROFILES)
def test_dg1_that_does_not_parse_is_never_successful(genuine, judge, profile):
    g = genuine(profile)
    files = dict(g.doc.files)
    files["DG1"] = files["DG1"][:-10]  # MRZ cut short (and the TLV length now wrong)
    judge(dump_outcome(_signed_dump(g, files, label="dg1-cut"), g.store), expect=("failed", "undetermined"),
          reason=("DG_MALFORMED", "COM_MALFORMED", "DOCUMENT_BINDING_MISMATCH"))


# --- the SOD's content wrong ---------------------------------------------------------------------------


@pytest.mark.parametrize("profile", PROFILES)
def test_data_group_listed_twice_fails(genuine, judge, profile):
    g = genuine(profile)
    alg, h = dg_hashes_for(dict(g.doc.files), g.doc.files["SOD"])
    items = sorted(h.items()) + [(1, h[1])]
    judge(dump_outcome(_signed_dump(g, dict(g.doc.files), hashes=items, label="twice"), g.store), expect="failed",
          reason="SOD_MALFORMED")


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("dg", [1, 2])
def test_mandatory_dg_left_out_of_the_sod_fails(genuine, judge, profile, dg):
    g = genuine(profile)
    _, h = dg_hashes_for(dict(g.doc.files), g.doc.files["SOD"])
    del h[dg]
    judge(dump_outcome(_signed_dump(g, dict(g.doc.files), hashes=h, label=f"nodg{dg}"), g.store), expect="failed",
          reason=("DG_NOT_IN_SOD", "DG_MANDATORY_MISSING"))


@pytest.mark.parametrize("profile", PROFILES)
def test_hash_of_other_bytes_fails(genuine, judge, profile):
    g = genuine(profile)
    alg, h = dg_hashes_for(dict(g.doc.files), g.doc.files["SOD"])
    h[2] = hashlib.new(alg, g.doc.files["DG2"] + b"\x00").digest()
    judge(dump_outcome(_signed_dump(g, dict(g.doc.files), hashes=h, label="otherbytes"), g.store), expect="failed",
          reason="DG_HASH_MISMATCH")


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("alg,oid,expect,reason", [
    ("md5", "1.2.840.113549.2.5", "failed", "ALGORITHM_FORBIDDEN"),
    ("sha3_256", "2.16.840.1.101.3.4.2.8", "undetermined", "ALGORITHM_UNSUPPORTED"),
])
def test_data_group_hash_algorithm_outside_the_policy(genuine, judge, profile, alg, oid, expect, reason):
    from forge import build_sod_with_hash_oid

    g = genuine(profile)
    files = dict(g.doc.files)
    _, listed = dg_hashes_for(files, g.doc.files["SOD"])
    h = {n: hashlib.new(alg, files[f"DG{n}"]).digest() if f"DG{n}" in files else hashlib.new(alg, b"").digest()
         for n in listed}
    cert_der, args = _issuer_args(profile, f"alg-{alg}")
    files["SOD"] = build_sod_with_hash_oid(h, oid, cert_der, args)
    m = g.manifest_copy()
    m["files"] = {k: v.hex().upper() for k, v in files.items()}
    judge(dump_outcome(m, g.store), expect=expect, reason=reason)


@pytest.mark.parametrize("profile", PROFILES)
def test_sha1_data_group_hashes_are_tolerated_and_flagged(genuine, judge, profile):
    g = genuine(profile)
    judge(dump_outcome(_signed_dump(g, dict(g.doc.files), hash_name="sha1", label="sha1"), g.store),
          expect="successful", reason="DEPRECATED_ALGORITHM")


@pytest.mark.parametrize("profile", PROFILES)
def test_sha1_twin_with_one_byte_changed_fails(genuine, judge, profile):
    g = genuine(profile)
    m = _signed_dump(g, dict(g.doc.files), hash_name="sha1", label="sha1")
    b = bytearray.fromhex(m["files"]["DG1"])
    b[-1] ^= 1
    m["files"]["DG1"] = b.hex()
    judge(dump_outcome(m, g.store), expect="failed", reason="DG_HASH_MISMATCH")


@pytest.mark.parametrize("profile", PROFILES)
def test_signed_message_digest_of_other_content_fails(genuine, judge, profile):
    g = genuine(profile)
    m = _signed_dump(g, dict(g.doc.files), label="md", message_digest=b"\x11" * 32)
    judge(dump_outcome(m, g.store), expect="failed", reason="SOD_MESSAGE_DIGEST_MISMATCH")


@pytest.mark.parametrize("profile", PROFILES)
def test_signed_content_type_attribute_of_another_type_fails(genuine, judge, profile):
    g = genuine(profile)
    m = _signed_dump(g, dict(g.doc.files), label="ct", content_type_attribute=oids.ID_SECURITY_OBJECT)
    judge(dump_outcome(m, g.store), expect="failed", reason="SOD_CONTENT_TYPE_MISMATCH")


# --- the DSC the issuer signed with is wrong ---------------------------------------------------------------


def _sod_by(g, dsc, label, **opts) -> dict:
    args = testpki.cms_signing(dsc, scheme="ecdsa")
    return _signed_dump(g, dict(g.doc.files), cert_der=dsc.cert_der, args=args, label=label, **opts)


@pytest.mark.parametrize("profile", PROFILES)
def test_fresh_dsc_of_the_issuer_is_successful(genuine, judge, profile):
    """The twin of the DSC mistakes below: a correct new DSC of the same CSCA."""
    g = genuine(profile)
    judge(dump_outcome(_sod_by(g, issue_dsc(profile, "good", serial=0x7001), "good"), g.store), expect="successful")


DSC_VALIDITY_MISTAKES = {  # label: (serial, validity, reason)
    "expired": (0x7002, (dt.datetime(2015, 1, 1, tzinfo=UTC), dt.datetime(2020, 1, 1, tzinfo=UTC)), "DSC_EXPIRED"),
    "future": (0x7003, (dt.datetime(2040, 1, 1, tzinfo=UTC), dt.datetime(2045, 1, 1, tzinfo=UTC)), "DSC_NOT_YET_VALID"),
}


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("label", sorted(DSC_VALIDITY_MISTAKES))
def test_dsc_outside_its_validity_fails(genuine, judge, profile, label):
    serial, validity, reason = DSC_VALIDITY_MISTAKES[label]
    g = genuine(profile)
    dsc = issue_dsc(profile, label, serial=serial, validity=validity)
    judge(dump_outcome(_sod_by(g, dsc, label), g.store), expect="failed", reason=reason)


@pytest.mark.parametrize("profile", PROFILES)
def test_dsc_without_digital_signature_fails(genuine, judge, profile):
    g = genuine(profile)
    judge(dump_outcome(_sod_by(g, issue_dsc(profile, "ku", serial=0x7004, digital_signature=False), "ku"), g.store),
          expect="failed", reason="DSC_KEY_USAGE")


@pytest.mark.parametrize("profile", PROFILES)
def test_dsc_with_an_unknown_critical_extension_cannot_be_relied_on(genuine, judge, profile):
    """RFC 5280 §4.2: not relied on; signed by the CSCA, so no evidence of forgery: undetermined
    (docs/verification.md §0)."""
    g = genuine(profile)
    judge(dump_outcome(_sod_by(g, issue_dsc(profile, "crit", serial=0x7005, unknown_critical=True), "crit"),
                       g.store), expect="undetermined", reason="DSC_PROFILE_INVALID")


@pytest.mark.parametrize("profile", PROFILES)
def test_dsc_of_another_country_than_its_csca_fails(genuine, judge, profile):
    g = genuine(profile)
    other = "FR"
    judge(dump_outcome(_sod_by(g, issue_dsc(profile, "c", serial=0x7006, country=other), "c"), g.store),
          expect="failed", reason="COUNTRY_MISMATCH")


@pytest.mark.parametrize("profile", PROFILES)
def test_revoked_dsc_fails(genuine, judge, profile):
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    from forge import _sign_kwargs

    g = genuine(profile)
    pki = issuer_pki(profile)
    dsc = issue_dsc(profile, "revoked", serial=0x7007)
    csca = x509.load_der_x509_certificate(pki.csca.cert_der)
    ski = csca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    crl = (x509.CertificateRevocationListBuilder().issuer_name(csca.subject)
           .last_update(dt.datetime(2025, 1, 1, tzinfo=UTC)).next_update(dt.datetime(2045, 1, 1, tzinfo=UTC))
           .add_revoked_certificate(x509.RevokedCertificateBuilder().serial_number(0x7007)
                                    .revocation_date(dt.datetime(2025, 1, 1, tzinfo=UTC)).build())
           .add_extension(x509.CRLNumber(99), critical=False)
           .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
           .sign(**_sign_kwargs(pki.csca.key, pki.csca.spec)).public_bytes(serialization.Encoding.DER))
    store = trust_store_for(g.card_dir, crl=False)
    store.add_crl(crl)
    judge(dump_outcome(_sod_by(g, dsc, "revoked"), store), expect="failed", reason="DSC_REVOKED")


# --- chip keys the issuer got wrong -------------------------------------------------------------------------


@pytest.mark.parametrize("profile", [p for p in PROFILES if profiles.get(p).aa is not None])
def test_dg15_with_a_key_the_chip_does_not_hold_fails(genuine, judge, profile):
    """The issuer wrote another AA key into DG15 and signed it: the chip's signature does not verify."""
    from cccd_chip.lds import dg15

    g = genuine(profile)
    files = dict(g.doc.files)
    spec = "rsa2048" if profiles.get(profile).aa.key_spec.startswith("rsa") else profiles.get(profile).aa.key_spec
    key = testpki.make_key(spec, seed=77, label="wrong-aa")
    files["DG15"] = dg15.build(dg15.make(testpki.Issued(b"", key, spec).spki))
    judge(dump_outcome(_signed_dump(g, files, label="wrong-aa"), g.store), expect="failed",
          reason=("AA_SIGNATURE_INVALID", "AA_CHALLENGE_MISMATCH"))
