"""The trust model (issue 18, defects 1-3): what may become an anchor, and who vouches for it.

Each test builds a small PKI, lets an attacker add what it could add (an LDIF entry,
a second master list, a CRL after a key rollover, a "link" certificate) and checks
the verdict on a document the attacker signed, or on a revoked DSC.
"""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from cccd_chip.document import Document
from cccd_chip.errors import ParseError, TrustStoreError
from cccd_chip.emulator import testpki
from cccd_chip.pki.dn import attribute_values, parse_dn
from cccd_chip.pki.ldif import parse_ldif
from cccd_chip.pki.trust_store import TrustStore
from cccd_chip.verify.document_check import verify_document
from cccd_chip.verify.passive import Policy

UTC = dt.timezone.utc
AT = dt.datetime(2027, 3, 1, tzinfo=UTC)


def _doc(dsc: testpki.Issued, seed: int = 3) -> Document:
    files = testpki.sample_data_groups(seed, dg2_size=500)
    files["SOD"] = testpki.make_sod(files, dsc)
    return Document(files=files)


def _pa(doc: Document, store: TrustStore, **policy) -> dict:
    report = verify_document(doc, store, policy=Policy(at=AT, **policy))
    return {c.check: (c.verdict.value, c.reason.value) for c in report.checks if c.check.startswith("passive.")} | {
        "overall": (report.overall.value, "")}


def _ldif_entry(dn: str, attr: str, data: bytes) -> str:
    b64 = base64.b64encode(data).decode()
    return f"dn: {dn}\nobjectClass: top\n{attr}:: {b64}\n\n"


@pytest.fixture(scope="module")
def pki():
    genuine = testpki.make_csca("VN", key_spec="p256", seed=11, cn="CSCA VN")
    attacker = testpki.make_csca("VN", key_spec="p256", seed=12, cn="CSCA VN evil", serial=66)
    return genuine, attacker


# --- defect 1: LDIF ----------------------------------------------------------------------


def test_rfc4514_dn_parsing():
    rdns = parse_dn(r"cn=evil\,o=csca,o=dsc,c=VN,dc=data")
    assert rdns[0] == (("cn", "evil,o=csca"),)
    assert attribute_values(rdns, "o") == ["dsc"]
    assert parse_dn(r"cn=a+o=b,c=VN") == ((("cn", "a"), ("o", "b")), (("c", "VN"),))
    assert parse_dn(r"cn=x\2Co\3Dcsca,o=dsc")[0] == (("cn", "x,o=csca"),)
    assert parse_dn("cn=#04024869,o=dsc")[0] == (("cn", "#04024869"),)
    assert parse_dn(r"CN=\C3\A9t\C3\A9 ,O=dsc")[0] == (("cn", "été"),)
    for bad in ("cn=a\\", "cn=a\\zz", "=x", "cn", "cn=a,b", "cn=a;o=b", "cn=#0", 'cn="q"', "cn=\\C3"):
        with pytest.raises(ParseError):
            parse_dn(bad)


@pytest.mark.parametrize("dn", [
    r"cn=evil\,o=csca,o=dsc,c=VN,dc=data,dc=download,dc=pkd,dc=icao,dc=int",
    r"cn=evil\2Co=csca,o=dsc,c=VN,dc=data",
    "cn=evil,o=csca,c=VN,dc=data",
    "o=csca",
    "cn=x+o=csca,o=dsc,c=VN",
    "cn=broken\\",
])
def test_ldif_certificate_never_becomes_an_anchor(pki, dn):
    """A document re-signed under an attacker CSCA placed in an LDIF is never successful."""
    _, attacker = pki
    text = ("version: 1\n\n" + _ldif_entry(dn, "userCertificate;binary", attacker.cert_der)).encode()
    store = TrustStore()
    store.add_ldif(text)
    assert len(store) == 0
    dsc = testpki.make_dsc(attacker, key_spec="p256", seed=12, serial=700)
    pa = _pa(_doc(dsc), store)
    assert pa["overall"][0] != "successful"
    assert pa["passive.dsc_chain"] == ("undetermined", "CSCA_NOT_FOUND")


def test_ldif_master_list_needs_a_named_root(pki):
    genuine, attacker = pki
    signer = testpki.make_ml_signer(genuine, key_spec="p256", serial=51)
    ml = testpki.make_master_list(signer, [genuine.cert_der])
    text = ("version: 1\n\n" + _ldif_entry("cn=ml,o=ml,c=VN,dc=data", "pkdMasterListContent", ml)).encode()
    store = TrustStore()
    counts = store.add_ldif(text)
    assert counts["masterlist"] == 0 and counts["rejected"] == 1 and len(store) == 0
    assert "root" in store.rejected[0].reason
    store.add_ldif(text, [genuine.cert_der])
    assert len(store) == 1
    # a list signed under the attacker's CSCA does not chain to the named root
    evil = testpki.make_master_list(testpki.make_ml_signer(attacker, key_spec="p256", serial=52), [attacker.cert_der])
    store2 = TrustStore()
    store2.add_masterlist_root(genuine.cert_der)
    counts = store2.add_ldif(("version: 1\n\n" + _ldif_entry("cn=x,o=ml,c=VN", "pkdMasterListContent", evil)).encode())
    assert counts["rejected"] == 1 and store2.by_subject(_subject_key(attacker)) == []


def _subject_key(issued: testpki.Issued) -> str:
    from cccd_chip.pki.certificate import load_certificate

    return load_certificate(issued.cert_der).subject_key


def test_known_dsc_look_alike_does_not_hide_the_genuine_one(pki):
    """A look-alike DSC (same issuer, serial and SKI, another key) loaded first does not shadow the genuine DSC."""
    genuine, attacker = pki
    real = testpki.make_dsc(genuine, key_spec="p256", seed=11, serial=101)
    rc = real.cert
    key = testpki.make_key("p256", seed=99, label="look-alike")
    from cryptography.hazmat.primitives import hashes, serialization

    look = (x509.CertificateBuilder().subject_name(rc.subject).issuer_name(rc.issuer).public_key(key.public_key())
            .serial_number(rc.serial_number).not_valid_before(rc.not_valid_before_utc)
            .not_valid_after(rc.not_valid_after_utc)
            .add_extension(rc.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value, critical=False)
            .sign(attacker.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER))
    files = testpki.sample_data_groups(4, dg2_size=500)
    files["SOD"] = testpki.make_sod(files, real, include_cert=False)
    doc = Document(files=files)
    store = TrustStore()
    store.add_csca(genuine.cert_der)
    text = ("version: 1\n\n" + _ldif_entry("cn=a,o=dsc,c=VN", "userCertificate;binary", look)
            + _ldif_entry("cn=b,o=dsc,c=VN", "userCertificate;binary", real.cert_der)).encode()
    assert store.add_ldif(text)["certificate"] == 2
    pa = _pa(doc, store)
    assert pa["passive.signature"] == ("successful", "OK") and pa["passive.dsc_chain"] == ("successful", "OK")
    # only the look-alike known: the SOD signature does not verify with it
    store2 = TrustStore()
    store2.add_csca(genuine.cert_der)
    store2.add_dsc(look)
    assert _pa(doc, store2)["overall"][0] == "failed"


# --- defect 2: CRLs after a key rollover ----------------------------------------------------------


@pytest.fixture(scope="module")
def rollover():
    old = testpki.make_csca("VN", key_spec="p256", seed=21, cn="CSCA VN R", serial=1)
    new = testpki.make_csca("VN", key_spec="p256", seed=22, cn="CSCA VN R", serial=2)
    link = testpki.make_link(old, new, serial=3)
    dsc = testpki.make_dsc(old, key_spec="p256", seed=21, serial=300)
    return old, new, link, dsc


def test_crl_signed_by_the_new_key_revokes_a_dsc_of_the_old_key(rollover):
    old, new, link, dsc = rollover
    store = TrustStore()
    store.add_csca(old.cert_der)
    store.add_link_certificate(link.cert_der)
    store.add_crl(testpki.make_crl(new, [300], this_update=dt.datetime(2026, 6, 1, tzinfo=UTC)))
    pa = _pa(_doc(dsc), store)
    assert pa["passive.revocation"] == ("failed", "DSC_REVOKED")
    assert pa["overall"] == ("failed", "")
    # the same with the new CSCA self-signed (both anchors from a master list / files)
    store2 = TrustStore()
    store2.add_csca(old.cert_der)
    store2.add_csca(new.cert_der)
    store2.add_crl(testpki.make_crl(new, [300], this_update=dt.datetime(2026, 6, 1, tzinfo=UTC)))
    assert _pa(_doc(dsc), store2, revocation="require")["passive.revocation"] == ("failed", "DSC_REVOKED")


def test_crl_not_listing_the_dsc_after_rollover_is_used(rollover):
    old, new, _, dsc = rollover
    store = TrustStore()
    store.add_csca(old.cert_der)
    store.add_csca(new.cert_der)
    store.add_crl(testpki.make_crl(new, [999], this_update=dt.datetime(2026, 6, 1, tzinfo=UTC)))
    assert _pa(_doc(dsc), store, revocation="require")["passive.revocation"] == ("successful", "OK")


def test_crl_from_the_future_is_not_current(rollover):
    old, _, _, dsc = rollover
    store = TrustStore()
    store.add_csca(old.cert_der)
    store.add_crl(testpki.make_crl(old, [], this_update=dt.datetime(2028, 1, 1, tzinfo=UTC)))
    pa = _pa(_doc(dsc), store)
    assert pa["passive.revocation"] == ("undetermined", "CRL_STALE")
    # an older, current CRL decides; the future one does not make a stale list fresh
    store.add_crl(testpki.make_crl(old, [], this_update=dt.datetime(2024, 2, 1, tzinfo=UTC),
                                   next_update=dt.datetime(2025, 1, 1, tzinfo=UTC), number=2))
    assert _pa(_doc(dsc), store)["passive.revocation"] == ("undetermined", "CRL_STALE")


def test_crl_of_a_same_named_issuer_signed_by_a_foreign_key_is_rejected(rollover, pki):
    old, _, _, _ = rollover
    _, attacker = pki
    store = TrustStore()
    store.add_csca(old.cert_der)
    with pytest.raises(TrustStoreError):
        store.add_crl(testpki.make_crl(old, [], signer=attacker))


# --- defect 3: master lists, CA profile, link certificates ----------------------------------------


def test_master_list_signed_under_a_csca_of_another_list_is_refused(pki):
    """CSCA X came from list 1; X's key signs list 2 adding "CSCA VN evil": list 2 is not trusted."""
    genuine, attacker = pki
    root = testpki.make_csca("DE", key_spec="p256", seed=31, cn="CSCA DE root")
    x = testpki.make_csca("XX", key_spec="p256", seed=33)
    ml1 = testpki.make_master_list(testpki.make_ml_signer(root, key_spec="p256", serial=53),
                                   [root.cert_der, x.cert_der])
    ml2 = testpki.make_master_list(testpki.make_ml_signer(x, key_spec="p256", serial=54), [attacker.cert_der])
    store = TrustStore()
    store.add_masterlist_root(root.cert_der)
    store.add_master_list(ml1)
    assert store.by_country("XX")
    with pytest.raises(TrustStoreError, match="root"):
        store.add_master_list(ml2)
    bare = TrustStore()
    bare.add_csca(x.cert_der)
    with pytest.raises(TrustStoreError, match="root"):  # no root named at all: not against the CSCAs
        bare.add_master_list(ml2)
    dsc = testpki.make_dsc(attacker, key_spec="p256", seed=12, serial=701)
    assert _pa(_doc(dsc), store)["overall"][0] == "undetermined"


def _end_entity(issuer: testpki.Issued, *, cn: str, ca: bool, cert_sign: bool, seed: int,
                key_usage: bool = True) -> testpki.Issued:
    key = testpki.make_key("p256", seed=seed, label=cn)
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"), x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    issuer_name = issuer.cert.subject if issuer is not None else name
    b = (x509.CertificateBuilder().subject_name(name).issuer_name(issuer_name).public_key(key.public_key())
         .serial_number(seed).not_valid_before(testpki.DEFAULT_DSC_VALIDITY[0])
         .not_valid_after(testpki.DEFAULT_DSC_VALIDITY[1]))
    if ca:
        b = b.add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
    if key_usage:
        b = b.add_extension(testpki.key_usage(cert_sign=cert_sign, digital_signature=not cert_sign), critical=True)
    signer = issuer.key if issuer is not None else key
    from cryptography.hazmat.primitives import hashes

    cert = b.sign(signer, hashes.SHA256())
    from cryptography.hazmat.primitives import serialization

    return testpki.Issued(cert.public_bytes(serialization.Encoding.DER), key, "p256")


@pytest.mark.parametrize("ca,cert_sign,key_usage", [(False, True, True), (True, False, True), (True, True, False),
                                                    (False, False, True)])
def test_anchor_needs_the_ca_profile_from_every_source(pki, ca, cert_sign, key_usage):
    genuine, _ = pki
    weird = _end_entity(None, cn=f"self {ca} {cert_sign} {key_usage}", ca=ca, cert_sign=cert_sign,
                        seed=40 + 4 * ca + 2 * cert_sign + key_usage, key_usage=key_usage)
    with pytest.raises(TrustStoreError, match="CA"):
        TrustStore().add_csca(weird.cert_der)
    signer = testpki.make_ml_signer(genuine, key_spec="p256", serial=55)
    store = TrustStore()
    store.add_master_list(testpki.make_master_list(signer, [weird.cert_der]), [genuine.cert_der])
    assert store.csca_by_fingerprint(__import__("hashlib").sha256(weird.cert_der).digest()) is None
    assert any("CA" in r.reason for r in store.rejected)


def test_link_certificate_must_be_a_csca_link(pki):
    """A DSC (or master-list signer) issued by a trusted CSCA is no link certificate."""
    genuine, _ = pki
    dsc = testpki.make_dsc(genuine, key_spec="p256", seed=11, serial=102)
    mls = testpki.make_ml_signer(genuine, key_spec="p256", serial=56)
    store = TrustStore()
    store.add_csca(genuine.cert_der)
    for cert in (dsc, mls):
        with pytest.raises(TrustStoreError, match="link"):
            store.add_link_certificate(cert.cert_der)
    assert len(store) == 1
    # had the DSC become an anchor, a certificate issued with its key would chain
    forged = _end_entity(dsc, cn="DS forged", ca=False, cert_sign=False, seed=60)
    pa = _pa(_doc(forged), store)
    assert pa["overall"][0] != "successful"
    # a CA-profile certificate of another country signed by the CSCA is no link either
    foreign = testpki.make_csca("FR", key_spec="p256", seed=13)
    cross = testpki.make_link(genuine, foreign, serial=1001)
    with pytest.raises(TrustStoreError, match="country"):
        store.add_link_certificate(cross.cert_der)


def test_cli_masterlist_without_root_is_a_usage_error(tmp_path):
    import subprocess
    import sys

    ml = tmp_path / "x.ml"
    ml.write_bytes(b"\x30\x00")
    p = subprocess.run([sys.executable, "-m", "host_cli.main", "verify", str(tmp_path / "d.json"), "--masterlist",
                        str(ml)], capture_output=True, timeout=60)
    assert p.returncode == 2 and b"--masterlist-root" in p.stderr
