"""Trust store sources: files and folders, master lists, CRLs, LDIF, link certificates; lookups; version."""

from __future__ import annotations

import base64
import datetime as dt

import pytest

from cccd_chip.errors import ParseError, TrustStoreError
from cccd_chip.emulator import testpki
from cccd_chip.pki.certificate import load_certificate
from cccd_chip.pki.ldif import parse_ldif
from cccd_chip.pki.trust_store import TrustStore, trust_store_from


@pytest.fixture(scope="module")
def pki():
    csca = testpki.make_csca("VN", key_spec="bp384", seed=1)
    other = testpki.make_csca("FR", key_spec="p256", seed=1)
    dsc = testpki.make_dsc(csca, key_spec="bp256", seed=1)
    return csca, other, dsc


def test_pem_der_files_and_folders(tmp_path, pki):
    csca, other, _ = pki
    (tmp_path / "vn.cer").write_bytes(csca.cert_der)
    (tmp_path / "fr.pem").write_bytes(other.pem + csca.pem)  # two certificates, one duplicate
    ts = TrustStore()
    assert ts.add_path(tmp_path) == 3
    assert len(ts) == 2
    assert [c.country for c in ts.by_country("vn")] == ["VN"]
    vn = ts.by_country("VN")[0]
    assert ts.by_ski(vn.ski) == [vn]
    assert ts.by_issuer_serial(vn.issuer, vn.serial) == vn
    assert ts.by_issuer_serial(vn.issuer, vn.serial + 1) is None


def test_version_changes_with_content_and_is_stable(pki):
    csca, other, _ = pki
    a, b = TrustStore(), TrustStore()
    a.add_csca(csca.cert_der)
    a.add_csca(other.cert_der)
    b.add_csca(other.cert_der)
    b.add_csca(csca.cert_der)
    assert a.version == b.version and "cscas=2" in a.version
    b.add_crl(testpki.make_crl(csca, [7]))
    assert a.version != b.version and "crls=1" in b.version


def test_crl_signature_is_checked_by_the_issuing_csca(pki):
    csca, other, dsc = pki
    ts = TrustStore()
    ts.add_csca(csca.cert_der)
    good = ts.add_crl(testpki.make_crl(csca, [100]))
    assert good.is_revoked(100)
    vn = ts.by_country("VN")[0]
    assert ts.crls_for(vn) == [good]
    with pytest.raises(TrustStoreError):  # signed by another key under the same issuer name
        ts.add_crl(testpki.make_crl(csca, [5], signer=other, number=2))
    with pytest.raises(TrustStoreError):  # issuer not in the store
        ts.add_crl(testpki.make_crl(other, [5]))
    with pytest.raises(ParseError):
        ts.add_crl(b"\x30\x03\x02\x01\x00")


def test_master_list_with_generated_pki(pki):
    csca, other, _ = pki
    signer = testpki.make_ml_signer(csca)
    ml = testpki.make_master_list(signer, [csca.cert_der, other.cert_der])
    ts = TrustStore()
    ts.add_master_list(ml, [csca.cert_der])
    assert len(ts) == 2 and ts.by_country("FR")
    with pytest.raises(TrustStoreError):
        TrustStore().add_master_list(ml, [other.cert_der])
    # a signer without the master-list EKU is refused
    not_signer = testpki.make_dsc(csca, serial=777)
    bad = testpki.make_master_list(not_signer, [other.cert_der])
    with pytest.raises(TrustStoreError, match="EKU"):
        TrustStore().add_master_list(bad, [csca.cert_der])


def test_link_certificate_needs_a_trusted_old_csca(pki):
    csca, _, _ = pki
    new = testpki.make_csca("VN", key_spec="bp512", seed=2, serial=2)
    link = testpki.make_link(csca, new)
    ts = TrustStore()
    with pytest.raises(TrustStoreError):
        ts.add_link_certificate(link.cert_der)
    ts.add_csca(csca.cert_der)
    added = ts.add_link_certificate(link.cert_der)
    assert added.public_key.curve == "brainpoolP512r1" and added.issuer_key != added.subject_key
    assert ts.by_ski(added.ski) == [added]


def _ldif_entry(dn: str, attr: str, data: bytes) -> str:
    b64 = base64.b64encode(data).decode()
    lines = [f"{attr}:: {b64[:60]}"] + [" " + b64[i : i + 76] for i in range(60, len(b64), 76)]
    return f"dn: {dn}\nobjectClass: top\n" + "\n".join(lines) + "\n\n"


def test_pkd_ldif_masterlist_dsc_crl(pki):
    csca, other, dsc = pki
    signer = testpki.make_ml_signer(csca)
    ml = testpki.make_master_list(signer, [csca.cert_der, other.cert_der])
    text = (
        "version: 1\n\n"
        + _ldif_entry("cn=x,o=ml,c=VN,dc=data,dc=download,dc=pkd,dc=icao,dc=int", "pkdMasterListContent", ml)
        + _ldif_entry("cn=y,o=dsc,c=VN,dc=data", "userCertificate;binary", dsc.cert_der)
        + _ldif_entry("cn=z,o=crl,c=VN,dc=data", "certificateRevocationList;binary", testpki.make_crl(csca, [1]))
        + _ldif_entry("cn=w,o=crl,c=XX,dc=data", "certificateRevocationList;binary", b"\x30\x00")
    ).encode()
    objs = parse_ldif(text)
    assert [o.kind for o in objs] == ["masterlist", "certificate", "crl", "crl"]
    assert objs[1].collection == "dsc" and objs[1].data == dsc.cert_der
    ts = TrustStore()
    counts = ts.add_ldif(text, [csca.cert_der])
    assert counts == {"masterlist": 1, "certificate": 1, "crl": 1, "rejected": 1}
    d = load_certificate(dsc.cert_der)
    assert ts.find_dsc(ski=d.ski) == d
    assert ts.find_dsc(issuer_der=d.issuer, serial=d.serial) == d
    assert len(ts.rejected) == 1 and ts.rejected[0].source.startswith("ldif:")


def test_ldif_rejects_bad_base64():
    with pytest.raises(ParseError):
        parse_ldif(b"dn: cn=a\nuserCertificate;binary:: !!!notbase64\n")


def test_trust_store_from_paths_and_pickling(tmp_path, pki):
    import pickle

    csca, _, dsc = pki
    (tmp_path / "csca.pem").write_bytes(csca.pem)
    (tmp_path / "vn.crl").write_bytes(testpki.make_crl(csca, [3], this_update=dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)))
    ts = trust_store_from(cscas=[tmp_path / "csca.pem"], crls=[tmp_path / "vn.crl"])
    assert "cscas=1" in ts.version and "crl=2025-01-01" in ts.version
    clone = pickle.loads(pickle.dumps(ts))
    assert clone.version == ts.version
    vn = clone.by_country("VN")[0]
    assert clone.crls_for(vn)[0].is_revoked(3)
    assert clone.issuers_of(load_certificate(dsc.cert_der)) == [vn]
