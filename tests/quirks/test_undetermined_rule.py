"""The undetermined-vs-failed rule (docs/verification.md §0; issue 11): what cannot be checked is
undetermined, failed needs evidence of tampering, forgery or a broken protocol."""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from cccd_chip.document import Document
from cccd_chip.lds import dg1
from cccd_chip.emulator import testpki
from cccd_chip.pki.trust_store import TrustStore
from cccd_chip.verify.document_check import verify_document
from cccd_chip.verify.report import Verdict

from quirk_helpers import POLICY, flip

UTC = dt.timezone.utc


def _pki_without_country():
    """A pre-2008 style test PKI: CSCA and DSC names without a country attribute."""
    csca_key = testpki.make_key("p256", seed=31, label="csca-no-c")
    dsc_key = testpki.make_key("p256", seed=31, label="dsc-no-c")
    csca_name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Old Test Government"),
                           x509.NameAttribute(NameOID.COMMON_NAME, "CSCA without C")])
    ski = x509.SubjectKeyIdentifier.from_public_key(csca_key.public_key())
    csca = (x509.CertificateBuilder().subject_name(csca_name).issuer_name(csca_name)
            .public_key(csca_key.public_key()).serial_number(5)
            .not_valid_before(dt.datetime(2005, 1, 1, tzinfo=UTC)).not_valid_after(dt.datetime(2040, 1, 1, tzinfo=UTC))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .add_extension(ski, critical=False)
            .sign(csca_key, hashes.SHA256()))
    dsc = (x509.CertificateBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "DS without C")]))
           .issuer_name(csca_name).public_key(dsc_key.public_key()).serial_number(6)
           .not_valid_before(dt.datetime(2006, 1, 1, tzinfo=UTC)).not_valid_after(dt.datetime(2036, 1, 1, tzinfo=UTC))
           .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
           .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
           .sign(csca_key, hashes.SHA256()))
    from cryptography.hazmat.primitives.serialization import Encoding

    return (testpki.Issued(csca.public_bytes(Encoding.DER), csca_key, "p256"),
            testpki.Issued(dsc.public_bytes(Encoding.DER), dsc_key, "p256"))


def _doc(dsc, files=None):
    files = files or testpki.sample_data_groups(31, dg2_size=300)
    files["DG1"] = dg1.make("TD1", document_code="ID", issuing_state="VNM", document_number="C01X00T47",
                            date_of_birth="900101", sex="F", date_of_expiry="350101", nationality="VNM",
                            primary_identifier="TEST", secondary_identifier="OLD").raw
    files["SOD"] = testpki.make_sod(files, dsc)
    return Document(files=files, absent={}, access=None)


def _check(report, name):
    (c,) = [c for c in report.checks if c.check == name]
    return c


def test_dsc_without_country_is_undetermined_not_failed():
    csca, dsc = _pki_without_country()
    assert isinstance(dsc.key, ec.EllipticCurvePrivateKey)
    store = TrustStore()
    store.add_csca(csca.cert_der)
    rep = verify_document(_doc(dsc), store, policy=POLICY)
    c = _check(rep, "binding.country")
    assert (c.verdict.value, c.reason.value) == ("undetermined", "ATTRIBUTE_MISSING")
    assert rep.overall is Verdict.UNDETERMINED  # every other check passed
    assert all(x.verdict is not Verdict.FAILED for x in rep.checks)


def test_dsc_without_country_tampered_twin_fails():
    csca, dsc = _pki_without_country()
    store = TrustStore()
    store.add_csca(csca.cert_der)
    doc = _doc(dsc)
    files = dict(doc.files)
    files["DG1"] = flip(files["DG1"], 20)
    rep = verify_document(Document(files=files, absent={}, access=None), store, policy=POLICY)
    assert rep.overall is Verdict.FAILED
