"""Class (f): an attacker poisons the trust material (issue 18).

The attacker controls some trust input the operator loads (an LDIF download, a second
master list, a CRL file, a "link" certificate, a folder of certificates) and holds keys
of its own: a CSCA key of a less careful state, a DSC key, a freshly made "CSCA VN evil".
Each case builds the store the way the operator would, then verifies a document the
attacker signed (or a revoked genuine one). Nothing here may end ``successful`` except
the genuine twins; refusals of trust material are ``error`` TRUST_STORE (exit 6) or a
usage error (exit 2).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from adversary import Outcome, outcome_of_error, run_cli, verify_outcome, write_dump
from cccd_chip.document import Document
from cccd_chip.emulator import testpki
from cccd_chip.pki.trust_store import TrustStore
from cccd_chip.verify.passive import Policy

UTC = dt.timezone.utc
AT = dt.datetime(2027, 3, 1, tzinfo=UTC)
AT_TEXT = "2027-03-01T00:00:00Z"
POLICY = Policy(at=AT)
REQUIRE = Policy(at=AT, revocation="require")


# --- the PKI of the cases (generated once per module; P-256 keeps it fast) ---------------------------


class World:
    def __init__(self) -> None:
        self.vn = testpki.make_csca("VN", key_spec="p256", seed=101, cn="CSCA VN")
        self.vn_dsc = testpki.make_dsc(self.vn, key_spec="p256", seed=101, serial=100)
        self.evil = testpki.make_csca("VN", key_spec="p256", seed=102, cn="CSCA VN evil", serial=66)
        self.evil_dsc = testpki.make_dsc(self.evil, key_spec="p256", seed=102, serial=666)
        self.evil_same_name = testpki.make_csca("VN", key_spec="p256", seed=103, cn="CSCA VN")  # genuine's name
        self.evil_same_name_dsc = testpki.make_dsc(self.evil_same_name, key_spec="p256", seed=103, serial=100)
        self.root = testpki.make_csca("DE", key_spec="p256", seed=104, cn="CSCA DE")
        self.root_signer = testpki.make_ml_signer(self.root, key_spec="p256", serial=50)
        self.xx = testpki.make_csca("XX", key_spec="p256", seed=105, cn="CSCA XX")  # a careless state
        self.xx_signer = testpki.make_ml_signer(self.xx, key_spec="p256", serial=51)
        self.ml = testpki.make_master_list(self.root_signer, [self.root.cert_der, self.vn.cert_der, self.xx.cert_der])
        # key rollover of VN: new key under the same name, link certificate old -> new
        self.vn_new = testpki.make_csca("VN", key_spec="p256", seed=106, cn="CSCA VN", serial=2)
        self.vn_link = testpki.make_link(self.vn, self.vn_new, serial=3)

    def doc(self, dsc: testpki.Issued, *, seed: int = 5, embed: bool = True) -> Document:
        files = testpki.sample_data_groups(seed, dg2_size=400)
        files["SOD"] = testpki.make_sod(files, dsc, include_cert=embed)
        return Document(files=files)


@pytest.fixture(scope="module")
def w() -> World:
    return World()


def built(steps) -> "TrustStore | Outcome":
    """Run the operator's store-building steps; a refusal is the outcome of the case."""
    store = TrustStore()
    try:
        for step in steps:
            step(store)
    except Exception as e:  # noqa: BLE001 - a refusal (or a bug: exit 70) is the outcome
        return outcome_of_error(e)
    return store


def outcome(steps, doc: Document, policy: Policy = POLICY) -> Outcome:
    store = built(steps)
    if isinstance(store, Outcome):
        return store
    return verify_outcome(doc, store, policy)


def ldif(*entries: tuple[str, str, bytes]) -> bytes:
    out = ["version: 1", ""]
    for dn, attr, data in entries:
        b64 = base64.b64encode(data).decode()
        out += [f"dn: {dn}", "objectClass: top", f"{attr}:: {b64[:70]}"]
        out += [" " + b64[i: i + 76] for i in range(70, len(b64), 76)]
        out.append("")
    return ("\n".join(out) + "\n").encode()


def cert(issuer, *, cn: str, country: str = "VN", ca: bool, cert_sign: bool, seed: int, key_usage: bool = True,
         digital_signature: bool = False, same_name_as=None) -> testpki.Issued:
    key = testpki.make_key("p256", seed=seed, label=cn)
    name = same_name_as.cert.subject if same_name_as is not None else x509.Name(
        [x509.NameAttribute(NameOID.COUNTRY_NAME, country), x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    b = (x509.CertificateBuilder().subject_name(name).issuer_name(issuer.cert.subject if issuer else name)
         .public_key(key.public_key()).serial_number(seed).not_valid_before(testpki.DEFAULT_DSC_VALIDITY[0])
         .not_valid_after(testpki.DEFAULT_DSC_VALIDITY[1]))
    if ca:
        b = b.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    if key_usage:
        b = b.add_extension(x509.KeyUsage(digital_signature, False, False, False, False, cert_sign, cert_sign,
                                          False, False), critical=True)
    der = b.sign(issuer.key if issuer else key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
    return testpki.Issued(der, key, "p256")


# --- genuine twins ------------------------------------------------------------------------------------


def test_genuine_via_master_list_is_successful(w, judge):
    judge(outcome([lambda s: s.add_master_list(w.ml, [w.root.cert_der])], w.doc(w.vn_dsc)), expect="successful")


def test_genuine_via_ldif_master_list_is_successful(w, judge):
    text = ldif(("cn=ml,o=ml,c=DE,dc=data", "pkdMasterListContent", w.ml))
    judge(outcome([lambda s: s.add_masterlist_root(w.root.cert_der), lambda s: s.add_ldif(text)], w.doc(w.vn_dsc)),
          expect="successful")


# --- defect 1: LDIF entries as anchors ---------------------------------------------------------------

EVIL_DNS = [
    r"cn=evil\,o=csca,o=dsc,c=VN,dc=data,dc=download,dc=pkd,dc=icao,dc=int",
    r"cn=evil\2co=csca,o=dsc,c=VN,dc=data",
    r"cn=evil\2Co\3Dcsca,o=dsc,c=VN,dc=data",
    "cn=evil,o=csca,c=VN,dc=data",
    "CN=evil,O=CSCA,C=VN",
    "o=csca",
    "cn=x+o=csca,o=dsc,c=VN",
    "o=csca+cn=x,c=VN",
    "cn=x,o=dsc,o=csca,c=VN",
    "cn=x,o=csca\\",
    "cn=x, o = csca ,c=VN",
    "cn=x,o=#0404637363 61,c=VN",
    "cn=x,2.5.4.10=csca,c=VN",
    "",
]


@pytest.mark.parametrize("dn", EVIL_DNS)
@pytest.mark.parametrize("attr", ["userCertificate;binary", "cACertificate;binary", "userCertificate"])
def test_ldif_certificate_is_never_an_anchor(w, judge, dn, attr):
    text = ldif((dn, attr, w.evil.cert_der))
    judge(outcome([lambda s: s.add_ldif(text)], w.doc(w.evil_dsc)), expect="undetermined", reason="CSCA_NOT_FOUND")


@pytest.mark.parametrize("dn", EVIL_DNS[:4])
def test_ldif_dsc_entry_does_not_vouch_for_itself(w, judge, dn):
    """The attacker's DSC (and its CSCA) in the DSC collection: the SOD then names a known DSC, no anchor."""
    text = ldif((dn, "userCertificate;binary", w.evil.cert_der), ("cn=d,o=dsc,c=VN", "userCertificate;binary",
                                                                   w.evil_dsc.cert_der))
    judge(outcome([lambda s: s.add_ldif(text)], w.doc(w.evil_dsc, embed=False)), expect="undetermined",
          reason="CSCA_NOT_FOUND")


def test_ldif_master_list_without_a_named_root_is_not_trusted(w, judge):
    text = ldif(("cn=ml,o=ml,c=DE,dc=data", "pkdMasterListContent", w.ml))
    judge(outcome([lambda s: s.add_ldif(text)], w.doc(w.vn_dsc)), expect="undetermined", reason="CSCA_NOT_FOUND")


def test_ldif_master_list_with_a_named_root_is_successful_with_the_roots_argument(w, judge):
    text = ldif(("cn=ml,o=ml,c=DE,dc=data", "pkdMasterListContent", w.ml))
    judge(outcome([lambda s: s.add_ldif(text, [w.root.cert_der])], w.doc(w.vn_dsc)), expect="successful")


def test_ldif_master_list_of_the_attacker_does_not_chain_to_the_root(w, judge):
    evil_ml = testpki.make_master_list(testpki.make_ml_signer(w.evil, key_spec="p256", serial=52), [w.evil.cert_der])
    text = ldif(("cn=ml,o=ml,c=VN,dc=data", "pkdMasterListContent", evil_ml))
    judge(outcome([lambda s: s.add_masterlist_root(w.root.cert_der), lambda s: s.add_ldif(text)],
                  w.doc(w.evil_dsc)), expect="undetermined", reason="CSCA_NOT_FOUND")


def test_ldif_master_list_signed_under_a_listed_csca_is_not_trusted(w, judge):
    """List 1 (genuine) brings CSCA XX; XX's key signs list 2 with CSCA VN evil, both in one LDIF."""
    ml2 = testpki.make_master_list(w.xx_signer, [w.evil.cert_der])
    text = ldif(("cn=1,o=ml,c=DE,dc=data", "pkdMasterListContent", w.ml),
                ("cn=2,o=ml,c=XX,dc=data", "pkdMasterListContent", ml2))
    judge(outcome([lambda s: s.add_masterlist_root(w.root.cert_der), lambda s: s.add_ldif(text)],
                  w.doc(w.evil_dsc)), expect="undetermined", reason="CSCA_NOT_FOUND")


def test_ldif_crl_of_the_attacker_for_the_genuine_name_is_rejected(w, judge):
    """A CRL naming the genuine CSCA, signed by the attacker, neither revokes nor vouches."""
    text = ldif(("cn=c,o=crl,c=VN,dc=data", "certificateRevocationList;binary",
                 testpki.make_crl(w.vn, [100], signer=w.evil_same_name)))
    judge(outcome([lambda s: s.add_csca(w.vn.cert_der), lambda s: s.add_ldif(text)], w.doc(w.vn_dsc), REQUIRE),
          expect="undetermined", reason="CRL_MISSING")


@pytest.mark.parametrize("kind", ["look-alike first", "look-alike only"])
def test_known_dsc_look_alike(w, judge, kind):
    """A DSC with the genuine one's issuer, serial and SKI but another key (an edited LDIF)."""
    rc = w.vn_dsc.cert
    key = testpki.make_key("p256", seed=107, label="look-alike")
    look = (x509.CertificateBuilder().subject_name(rc.subject).issuer_name(rc.issuer).public_key(key.public_key())
            .serial_number(rc.serial_number).not_valid_before(rc.not_valid_before_utc)
            .not_valid_after(rc.not_valid_after_utc)
            .add_extension(rc.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value, critical=False)
            .sign(w.evil.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER))
    entries = [("cn=a,o=dsc,c=VN", "userCertificate;binary", look)]
    if kind == "look-alike first":
        entries.append(("cn=b,o=dsc,c=VN", "userCertificate;binary", w.vn_dsc.cert_der))
    text = ldif(*entries)
    o = outcome([lambda s: s.add_csca(w.vn.cert_der), lambda s: s.add_ldif(text)], w.doc(w.vn_dsc, embed=False))
    if kind == "look-alike first":
        judge(o, expect="successful")
    else:
        judge(o, expect="failed", reason="SOD_SIGNATURE_INVALID")


# --- defect 2: CRLs after a CSCA key rollover, CRLs from the future ----------------------------------

ROLLOVER_STORES = {
    "link": lambda w: [lambda s: s.add_csca(w.vn.cert_der), lambda s: s.add_link_certificate(w.vn_link.cert_der)],
    "both self-signed": lambda w: [lambda s: s.add_csca(w.vn.cert_der), lambda s: s.add_csca(w.vn_new.cert_der)],
    "master list": lambda w: [lambda s: s.add_master_list(
        testpki.make_master_list(w.root_signer, [w.vn.cert_der, w.vn_new.cert_der]), [w.root.cert_der])],
}


@pytest.mark.parametrize("how", sorted(ROLLOVER_STORES))
@pytest.mark.parametrize("policy", ["if_available", "require"])
def test_crl_of_the_new_key_revokes_a_dsc_of_the_old_key(w, judge, how, policy):
    crl = testpki.make_crl(w.vn_new, [100], this_update=dt.datetime(2026, 6, 1, tzinfo=UTC))
    steps = ROLLOVER_STORES[how](w) + [lambda s: s.add_crl(crl)]
    judge(outcome(steps, w.doc(w.vn_dsc), Policy(at=AT, revocation=policy)), expect="failed", reason="DSC_REVOKED")


@pytest.mark.parametrize("how", sorted(ROLLOVER_STORES))
def test_crl_of_the_new_key_not_listing_the_dsc(w, judge, how):
    crl = testpki.make_crl(w.vn_new, [999], this_update=dt.datetime(2026, 6, 1, tzinfo=UTC))
    judge(outcome(ROLLOVER_STORES[how](w) + [lambda s: s.add_crl(crl)], w.doc(w.vn_dsc), REQUIRE),
          expect="successful")


def test_old_crl_revoking_plus_newer_crl_not_listing_still_revoked(w, judge):
    old = testpki.make_crl(w.vn, [100], this_update=dt.datetime(2025, 1, 1, tzinfo=UTC), number=1)
    new = testpki.make_crl(w.vn_new, [], this_update=dt.datetime(2026, 6, 1, tzinfo=UTC), number=2)
    steps = ROLLOVER_STORES["link"](w) + [lambda s: s.add_crl(old), lambda s: s.add_crl(new)]
    judge(outcome(steps, w.doc(w.vn_dsc)), expect="failed", reason="DSC_REVOKED")


@pytest.mark.parametrize("policy", ["if_available", "require"])
def test_crl_from_the_future_is_not_current(w, judge, policy):
    crl = testpki.make_crl(w.vn, [], this_update=dt.datetime(2027, 6, 1, tzinfo=UTC))
    judge(outcome([lambda s: s.add_csca(w.vn.cert_der), lambda s: s.add_crl(crl)], w.doc(w.vn_dsc),
                  Policy(at=AT, revocation=policy)), expect="undetermined", reason="CRL_STALE")


def test_crl_from_the_future_does_not_refresh_a_stale_one(w, judge):
    stale = testpki.make_crl(w.vn, [], this_update=dt.datetime(2024, 2, 1, tzinfo=UTC),
                             next_update=dt.datetime(2025, 2, 1, tzinfo=UTC), number=1)
    future = testpki.make_crl(w.vn, [], this_update=dt.datetime(2030, 1, 1, tzinfo=UTC), number=2)
    judge(outcome([lambda s: s.add_csca(w.vn.cert_der), lambda s: s.add_crl(stale), lambda s: s.add_crl(future)],
                  w.doc(w.vn_dsc)), expect="undetermined", reason="CRL_STALE")


def test_crl_signed_by_a_same_named_foreign_csca_is_refused(w, judge):
    crl = testpki.make_crl(w.vn, [], signer=w.evil_same_name)
    judge(outcome([lambda s: s.add_csca(w.vn.cert_der), lambda s: s.add_crl(crl)], w.doc(w.vn_dsc)),
          expect="error", reason="TRUST_STORE", exit_code=6)


def test_crl_signed_by_a_csca_without_crl_sign_is_refused(w, judge):
    no_crl_sign = cert(None, cn="CSCA VN nocrl", ca=True, cert_sign=True, seed=120)
    # keyUsage keyCertSign only (cRLSign off) -- rebuild with explicit bits
    key = no_crl_sign.key
    name = no_crl_sign.cert.subject
    der = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key()).serial_number(9)
           .not_valid_before(testpki.DEFAULT_CSCA_VALIDITY[0]).not_valid_after(testpki.DEFAULT_CSCA_VALIDITY[1])
           .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
           .add_extension(x509.KeyUsage(False, False, False, False, False, True, False, False, False), critical=True)
           .sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER))
    issued = testpki.Issued(der, key, "p256")
    crl_b = (x509.CertificateRevocationListBuilder().issuer_name(name)
             .last_update(dt.datetime(2026, 1, 1, tzinfo=UTC)).next_update(dt.datetime(2030, 1, 1, tzinfo=UTC))
             .sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER))
    judge(outcome([lambda s: s.add_csca(issued.cert_der), lambda s: s.add_crl(crl_b)], w.doc(w.vn_dsc)),
          expect="error", reason="TRUST_STORE", exit_code=6)


# --- defect 3: master lists vouching for each other, the CA profile, link certificates --------------


def test_second_master_list_signed_under_a_csca_of_the_first(w, judge):
    ml2 = testpki.make_master_list(w.xx_signer, [w.evil.cert_der])
    judge(outcome([lambda s: s.add_master_list(w.ml, [w.root.cert_der]), lambda s: s.add_master_list(ml2)],
                  w.doc(w.evil_dsc)), expect="error", reason="TRUST_STORE", exit_code=6)


def test_master_list_against_a_csca_file_is_not_trusted(w, judge):
    """Without a named root, a CSCA given with --csca does not vouch for a list either."""
    ml2 = testpki.make_master_list(w.xx_signer, [w.evil.cert_der])
    judge(outcome([lambda s: s.add_csca(w.xx.cert_der), lambda s: s.add_master_list(ml2)], w.doc(w.evil_dsc)),
          expect="error", reason="TRUST_STORE", exit_code=6)


def test_master_list_signed_directly_by_the_root_without_eku(w, judge):
    fake_signer = testpki.make_dsc(w.root, key_spec="p256", seed=104, serial=77)  # no master-list EKU
    ml = testpki.make_master_list(fake_signer, [w.evil.cert_der])
    judge(outcome([lambda s: s.add_master_list(ml, [w.root.cert_der])], w.doc(w.evil_dsc)),
          expect="error", reason="TRUST_STORE", exit_code=6)


def test_master_list_signed_outside_the_signer_validity(w, judge):
    ml = testpki.make_master_list(w.root_signer, [w.evil.cert_der], signing_time=dt.datetime(2040, 1, 1, tzinfo=UTC))
    judge(outcome([lambda s: s.add_master_list(ml, [w.root.cert_der])], w.doc(w.evil_dsc)),
          expect="error", reason="TRUST_STORE", exit_code=6)


NOT_CA = [
    dict(ca=False, cert_sign=True),
    dict(ca=True, cert_sign=False),
    dict(ca=True, cert_sign=True, key_usage=False),
    dict(ca=False, cert_sign=False, digital_signature=True),
]


@pytest.mark.parametrize("i", range(len(NOT_CA)))
def test_anchor_without_ca_profile_from_a_master_list(w, judge, i):
    weird = cert(None, cn=f"CSCA VN weird {i}", seed=130 + i, **NOT_CA[i])
    dsc = cert(weird, cn=f"DS weird {i}", ca=False, cert_sign=False, digital_signature=True, seed=140 + i)
    ml = testpki.make_master_list(w.root_signer, [weird.cert_der])
    judge(outcome([lambda s: s.add_master_list(ml, [w.root.cert_der])], w.doc(dsc)), expect="undetermined",
          reason="CSCA_NOT_FOUND")


@pytest.mark.parametrize("i", range(len(NOT_CA)))
def test_anchor_without_ca_profile_from_a_file(w, judge, i):
    weird = cert(None, cn=f"CSCA VN weird {i}", seed=130 + i, **NOT_CA[i])
    judge(outcome([lambda s: s.add_csca(weird.cert_der)], w.doc(w.vn_dsc)), expect="error", reason="TRUST_STORE",
          exit_code=6)


def test_dsc_in_a_master_list_is_not_an_anchor(w, judge):
    """A genuine DSC listed as a 'CSCA': a certificate made with the DSC key does not chain."""
    forged = cert(w.vn_dsc, cn="DS forged", ca=False, cert_sign=False, digital_signature=True, seed=150)
    ml = testpki.make_master_list(w.root_signer, [w.vn_dsc.cert_der])
    judge(outcome([lambda s: s.add_master_list(ml, [w.root.cert_der])], w.doc(forged)), expect="undetermined",
          reason="CSCA_NOT_FOUND")


def test_master_list_root_without_ca_profile(w, judge):
    weird = cert(None, cn="CSCA DE weird", ca=False, cert_sign=True, seed=160)
    judge(outcome([lambda s: s.add_masterlist_root(weird.cert_der)], w.doc(w.vn_dsc)), expect="error",
          reason="TRUST_STORE", exit_code=6)


LINKS = {
    "dsc": lambda w: w.vn_dsc,
    "ml signer": lambda w: testpki.make_ml_signer(w.vn, key_spec="p256", serial=57),
    "ca with digitalSignature": lambda w: cert(w.vn, cn="CSCA VN sub", ca=True, cert_sign=True,
                                               digital_signature=True, seed=170),
    "other country": lambda w: testpki.make_link(w.vn, testpki.make_csca("FR", key_spec="p256", seed=171)),
    "no ca": lambda w: cert(w.vn, cn="CSCA VN nolink", ca=False, cert_sign=True, seed=172),
    "signed by nobody trusted": lambda w: testpki.make_link(w.evil, testpki.make_csca("VN", key_spec="p256",
                                                                                     seed=173, cn="CSCA VN x")),
}


@pytest.mark.parametrize("kind", sorted(LINKS))
def test_link_certificate_that_is_no_csca_link(w, judge, kind):
    link = LINKS[kind](w)
    judge(outcome([lambda s: s.add_csca(w.vn.cert_der), lambda s: s.add_link_certificate(link.cert_der)],
                  w.doc(w.vn_dsc)), expect="error", reason="TRUST_STORE", exit_code=6)


def test_dsc_key_cannot_issue_after_a_refused_link(w, judge):
    forged = cert(w.vn_dsc, cn="DS forged 2", ca=False, cert_sign=False, digital_signature=True, seed=151)

    def try_link(s):
        try:
            s.add_link_certificate(w.vn_dsc.cert_der)
        except Exception:  # noqa: BLE001 - refused, as expected; the store goes on
            pass

    judge(outcome([lambda s: s.add_csca(w.vn.cert_der), try_link], w.doc(forged)), expect="undetermined",
          reason="CSCA_NOT_FOUND")


def test_genuine_link_certificate_is_accepted(w, judge):
    dsc_new = testpki.make_dsc(w.vn_new, key_spec="p256", seed=106, serial=200)
    judge(outcome(ROLLOVER_STORES["link"](w), w.doc(dsc_new)), expect="successful")


def test_same_name_attacker_csca_in_a_csca_folder_shadow(w, judge, tmp_path):
    """An attacker CSCA with the genuine name placed beside it does not make the genuine DSC fail, and its
    own documents chain only because the operator named it (the folder is the operator's word)."""
    (tmp_path / "a.cer").write_bytes(w.evil_same_name.cert_der)
    (tmp_path / "b.cer").write_bytes(w.vn.cert_der)
    judge(outcome([lambda s: s.add_path(tmp_path)], w.doc(w.vn_dsc)), expect="successful")


# --- the command line ------------------------------------------------------------------------------


def test_cli_masterlist_without_root_is_a_usage_error(w, judge, tmp_path):
    (tmp_path / "ml.ml").write_bytes(w.ml)
    dump = write_dump(w.doc(w.vn_dsc).manifest(inline=True), tmp_path / "d.json")
    r = run_cli("verify", dump, "--masterlist", tmp_path / "ml.ml", "--at", AT_TEXT)
    judge(r.outcome, expect="error", exit_code=2)
    assert "--masterlist-root" in r.err


def test_cli_ldif_with_an_escaped_csca_dn(w, judge, tmp_path):
    (tmp_path / "evil.ldif").write_bytes(ldif((EVIL_DNS[0], "userCertificate;binary", w.evil.cert_der)))
    dump = write_dump(w.doc(w.evil_dsc).manifest(inline=True), tmp_path / "d.json")
    judge(run_cli("verify", dump, "--ldif", tmp_path / "evil.ldif", "--at", AT_TEXT).outcome,
          expect="undetermined", exit_code=3)


def test_cli_csca_folder_with_a_master_list_and_no_root(w, judge, tmp_path):
    (tmp_path / "cscas").mkdir()
    (tmp_path / "cscas" / "x.ml").write_bytes(testpki.make_master_list(w.xx_signer, [w.evil.cert_der]))
    dump = write_dump(w.doc(w.evil_dsc).manifest(inline=True), tmp_path / "d.json")
    judge(run_cli("verify", dump, "--csca", tmp_path / "cscas", "--at", AT_TEXT).outcome, expect="error",
          exit_code=6)


def test_cli_masterlist_root_that_is_a_fifo_or_missing(w, judge, tmp_path):
    import os

    os.mkfifo(tmp_path / "root.cer")
    (tmp_path / "ml.ml").write_bytes(w.ml)
    dump = write_dump(w.doc(w.vn_dsc).manifest(inline=True), tmp_path / "d.json")
    judge(run_cli("verify", dump, "--masterlist", tmp_path / "ml.ml", "--masterlist-root", tmp_path / "root.cer",
                  "--at", AT_TEXT, timeout=60).outcome, expect="error", exit_code=6)
    judge(run_cli("verify", dump, "--masterlist", tmp_path / "ml.ml", "--masterlist-root", tmp_path / "none.cer",
                  "--at", AT_TEXT).outcome, expect="error", exit_code=2)  # a missing input path: usage error


def test_german_master_list_real_world_trust(judge):
    """The real German list: 579 anchors (9 entries without the CA profile rejected); VN's passport CSCA
    is among them; nothing is trusted without DE_CSCA07 named as the root."""
    from pathlib import Path

    vec = Path(__file__).resolve().parents[2] / "test_vectors" / "pki"
    ml = (vec / "DE_ML_2026-05-28.ml").read_bytes()
    store = TrustStore()
    store.add_masterlist_root((vec / "DE_CSCA07.cer").read_bytes())
    store.add_master_list(ml)
    assert len(store) == 579 and sum("not a CA" in r.reason for r in store.rejected) == 9
    assert [c.subject_text for c in store.by_country("VN")] == [
        "C=VN, O=Vietnam Government Information Security Commission, CN=CSCA ePassport Vietnam"]
    judge(outcome([lambda s: s.add_master_list(ml)], Document(files={})), expect="error", reason="TRUST_STORE")
    vn = store.by_country("VN")[0]
    assert hashlib.sha256(vn.raw).hexdigest().upper().startswith("6B5FA6FE")
