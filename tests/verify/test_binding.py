"""Binding checks (catalogue families 18, 26, 33): country, EF.COM vs SOD, DG1 vs the access password.

Every fixture is one change in an otherwise genuine, re-signed document.
"""

from __future__ import annotations

import dataclasses
import json

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from cccd_chip.access.passwords import can_password, mrz_password
from cccd_chip.document import AccessInfo, Document, access_password_mac, binding_key_id
from cccd_chip.iso7816 import tlv
from cccd_chip.lds import com, dg1
from cccd_chip.lds._der import der, der_int, der_seq, der_set
from cccd_chip.emulator import testpki
from cccd_chip.pki.trust_store import TrustStore
from cccd_chip.verify.country_codes import ICAO_SPECIAL_CODES, ISO_3166_ALPHA3, alpha2_for
from cccd_chip.verify.document_check import verify_document
from cccd_chip.verify.report import Reason, Verdict

from .conftest import POLICY as _POLICY

KEY = b"installation binding key for tests"
POLICY = dataclasses.replace(_POLICY, binding_key=KEY)  # binding.access proven with the key

ID12 = "079203001234"
DOB, DOE = "920315", "320315"


def _td1(state: str, number: str = "C01X00T47") -> bytes:
    return dg1.make("TD1", document_code="ID", issuing_state=state, document_number=number, date_of_birth=DOB,
                    sex="F", date_of_expiry=DOE, nationality=state, primary_identifier="MUSTERMANN",
                    secondary_identifier="ERIKA").raw


def _cccd() -> bytes:
    return dg1.make_cccd(ID12, date_of_birth=DOB, sex="M", date_of_expiry=DOE, primary_identifier="NGUYEN",
                         secondary_identifier="VAN AN").raw


def _pki(country: str, seed: int):
    csca = testpki.make_csca(country, key_spec="p256", seed=seed)
    dsc = testpki.make_dsc(csca, key_spec="p256", seed=seed)
    store = TrustStore()
    store.add_csca(csca.cert_der)
    return csca, dsc, store


def _doc(dsc, *, dg1_raw: bytes, com_dgs=None, access=None, extra=None, absent=None, drop=()) -> Document:
    files = testpki.sample_data_groups(5, dg2_size=300)
    files["DG1"] = dg1_raw
    files.update(extra or {})
    files["SOD"] = testpki.make_sod(files, dsc)
    if com_dgs is not None:
        files["COM"] = com.make(list(com_dgs)).raw
    for name in drop:
        del files[name]
    return Document(files=files, absent=absent or {}, access=access)


def _check(report, name):
    (c,) = [c for c in report.checks if c.check == name]
    return c


# --- family 33 ---------------------------------------------------------------------------


@pytest.mark.parametrize("state,country", [
    ("VNM", "VN"), ("D", "DE"), ("DEU", "DE"), ("GBD", "GB"), ("GBN", "GB"), ("EUE", "EU"), ("UNO", "UN"),
])
def test_issuing_state_matches_the_signer_country(state, country):
    _, dsc, store = _pki(country, 40)
    rep = verify_document(_doc(dsc, dg1_raw=_td1(state)), store, policy=POLICY)
    c = _check(rep, "binding.country")
    assert (c.verdict, c.reason, rep.overall) == (Verdict.SUCCESSFUL, Reason.OK, Verdict.SUCCESSFUL), c.to_json()


def test_issuing_state_of_another_country_fails(pki):
    """A Vietnamese DSC signing a document that claims Germany (a rogue signer): failed."""
    rep = verify_document(_doc(pki.dscs["ecdsa-p256"], dg1_raw=_td1("D")), pki.store, policy=POLICY)
    c = _check(rep, "binding.country")
    assert (c.verdict, c.reason, rep.overall) == (Verdict.FAILED, Reason.COUNTRY_MISMATCH, Verdict.FAILED)
    assert "DE" in c.detail and "VN" in c.detail
    assert _check(rep, "passive.signature").verdict is Verdict.SUCCESSFUL  # only the binding is wrong


def _custom_dsc(csca, *, subject_country: str = "VN", doc_types=None, raw_ext: bytes = None, seed: int = 41):
    """A DSC issued by ``csca`` with a chosen subject country and DocumentTypeList extension."""
    key = testpki.make_key("p256", seed=seed, label="dsc-custom")
    b = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, subject_country),
                                 x509.NameAttribute(NameOID.COMMON_NAME, "DS")]))
        .issuer_name(csca.cert.subject).public_key(key.public_key()).serial_number(77 + seed)
        .not_valid_before(testpki.DEFAULT_DSC_VALIDITY[0]).not_valid_after(testpki.DEFAULT_DSC_VALIDITY[1])
        .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(csca.key.public_key()), critical=False)
    )
    if doc_types is not None:
        raw_ext = der_seq(der_int(0), der_set([der(0x13, t.encode()) for t in doc_types]))
    if raw_ext is not None:
        b = b.add_extension(x509.UnrecognizedExtension(x509.ObjectIdentifier("2.23.136.1.1.6.2"), raw_ext), critical=False)
    cert = b.sign(**testpki.sign_args(csca.key))
    return testpki.Issued(cert.public_bytes(serialization.Encoding.DER), key, "p256")


def test_dsc_subject_country_differs_from_its_issuer():
    csca, _, store = _pki("VN", 41)
    dsc = _custom_dsc(csca, subject_country="DE")
    rep = verify_document(_doc(dsc, dg1_raw=_td1("VNM")), store, policy=POLICY)
    assert _check(rep, "passive.dsc_chain").verdict is Verdict.SUCCESSFUL
    c = _check(rep, "binding.country")
    assert (c.verdict, c.reason, rep.overall) == (Verdict.FAILED, Reason.COUNTRY_MISMATCH, Verdict.FAILED)
    assert "subject C=DE" in c.detail


@pytest.mark.parametrize("doc_types,verdict,reason", [
    (None, Verdict.NOT_SUPPORTED, Reason.NOT_PERFORMED),  # no extension: nothing to compare
    (("ID",), Verdict.SUCCESSFUL, Reason.OK),
    (("P", "ID"), Verdict.SUCCESSFUL, Reason.OK),
    (("I",), Verdict.SUCCESSFUL, Reason.OK),  # a listed type covers the codes it begins
    (("P",), Verdict.FAILED, Reason.DOCUMENT_TYPE_MISMATCH),
    ((), Verdict.FAILED, Reason.DOCUMENT_TYPE_MISMATCH),
])
def test_document_type_list(doc_types, verdict, reason):
    csca, _, store = _pki("VN", 45)
    dsc = _custom_dsc(csca, doc_types=doc_types, seed=45 + len(doc_types or ()) * 10 + len("".join(doc_types or ())))
    rep = verify_document(_doc(dsc, dg1_raw=_td1("VNM")), store, policy=POLICY)
    c = _check(rep, "binding.document_type")
    assert (c.verdict, c.reason) == (verdict, reason), c.to_json()
    assert rep.overall is (Verdict.FAILED if verdict is Verdict.FAILED else Verdict.SUCCESSFUL)


@pytest.mark.parametrize("raw_ext", [
    der_seq(der_int(0)),  # no SET
    der_seq(der_int(0), der_set([der(0x0C, b"ID")])),  # UTF8String, not PrintableString
    der_seq(der_int(0), der_set([der(0x13, b"IDX")])),  # 3 characters
    der(0x04, b"ID"),  # not a SEQUENCE
    der_seq(der_set([der(0x13, b"ID")]), der_int(0)),  # fields swapped
])
def test_malformed_document_type_list_is_undetermined(raw_ext):
    # signed by the CSCA: an issuer mistake that cannot be checked, not evidence of forgery (issue 11 rule)
    csca, _, store = _pki("VN", 46)
    dsc = _custom_dsc(csca, raw_ext=raw_ext, seed=46 + len(raw_ext))
    rep = verify_document(_doc(dsc, dg1_raw=_td1("VNM")), store, policy=POLICY)
    c = _check(rep, "binding.document_type")
    assert (c.verdict, c.reason, rep.overall) == (Verdict.UNDETERMINED, Reason.DSC_PROFILE_INVALID, Verdict.UNDETERMINED)


@pytest.mark.parametrize("state", ["XXA", "ZZZ", "XOM"])
def test_codes_without_a_country_are_undetermined(pki, state):
    rep = verify_document(_doc(pki.dscs["ecdsa-p256"], dg1_raw=_td1(state)), pki.store, policy=POLICY)
    c = _check(rep, "binding.country")
    assert (c.verdict, c.reason, rep.overall) == (Verdict.UNDETERMINED, Reason.COUNTRY_CODE_UNKNOWN, Verdict.UNDETERMINED)


def test_specimen_state_utopia():
    """UTO maps to no ISO country: not_supported under the specimen PKI's C=UT, failed under a real state's."""
    _, dsc, store = _pki("UT", 42)
    rep = verify_document(_doc(dsc, dg1_raw=_td1("UTO")), store, policy=POLICY)
    c = _check(rep, "binding.country")
    assert (c.verdict, c.reason, rep.overall) == (Verdict.NOT_SUPPORTED, Reason.COUNTRY_CODE_UNKNOWN, Verdict.SUCCESSFUL)
    _, dsc, store = _pki("VN", 43)
    rep = verify_document(_doc(dsc, dg1_raw=_td1("UTO")), store, policy=POLICY)
    assert (_check(rep, "binding.country").reason, rep.overall) == (Reason.COUNTRY_MISMATCH, Verdict.FAILED)


def test_country_agrees_but_dg1_is_not_authenticated(pki):
    doc = _doc(pki.dscs["ecdsa-p256"], dg1_raw=_td1("VNM"))
    rep = verify_document(doc, TrustStore(), policy=POLICY)  # no CSCA: the chain is undetermined
    c = _check(rep, "binding.country")
    assert (c.verdict, c.reason) == (Verdict.UNDETERMINED, Reason.NOT_PERFORMED)
    raw = bytearray(doc.files["DG1"])
    raw[-1] ^= 0x01  # still parses (a name character), but no longer the signed DG1
    rep = verify_document(doc.with_file("DG1", bytes(raw)), pki.store, policy=POLICY)
    c = _check(rep, "binding.country")
    assert (c.verdict, c.reason) == (Verdict.UNDETERMINED, Reason.DATA_NOT_AUTHENTICATED)


def test_country_table_is_complete_and_covers_a_real_master_list():
    assert len(ISO_3166_ALPHA3) == 249 and len(set(ISO_3166_ALPHA3.values())) == 249
    assert all(len(k) == 3 and len(v) == 2 and k.isupper() and v.isupper() for k, v in ISO_3166_ALPHA3.items())
    assert alpha2_for("VNM") == ("VN", True) and alpha2_for("D<<") == ("DE", True) and alpha2_for("DEU") == ("DE", True)
    assert alpha2_for("UTO") == (None, True) and alpha2_for("QQQ") == (None, False)
    assert {ICAO_SPECIAL_CODES[c] for c in ("GBD", "GBN", "GBO", "GBP", "GBS")} == {"GB"}
    store = TrustStore.from_sources(masterlists=["test_vectors/pki/DE_ML_2026-05-28.ml"],
                                    masterlist_roots=["test_vectors/pki/DE_CSCA07.cer"])
    known = set(ISO_3166_ALPHA3.values()) | {v for v in ICAO_SPECIAL_CODES.values() if v}
    unmapped = {c.country for c in store.cscas} - known
    assert unmapped == {"KS"}, unmapped  # Kosovo's CSCA uses C=KS, no ISO 3166-1 code (XK is user-assigned)


# --- family 26 ---------------------------------------------------------------------------


@pytest.mark.parametrize("com_dgs,verdict,reason,detail", [
    ((1, 2), Verdict.SUCCESSFUL, Reason.OK, "DG1,DG2"),
    ((1,), Verdict.FAILED, Reason.COM_SOD_MISMATCH, "SOD only: DG2"),  # SOD lists more (LDS_H_90)
    ((1, 2, 15), Verdict.FAILED, Reason.COM_SOD_MISMATCH, "EF.COM only: DG15"),  # SOD lists fewer
    ((1, 11), Verdict.FAILED, Reason.COM_SOD_MISMATCH, "SOD only: DG2; EF.COM only: DG11"),  # different
])
def test_com_versus_sod(pki, com_dgs, verdict, reason, detail):
    rep = verify_document(_doc(pki.dscs["ecdsa-p256"], dg1_raw=_td1("VNM"), com_dgs=com_dgs), pki.store, policy=POLICY)
    c = _check(rep, "binding.com_sod")
    assert (c.verdict, c.reason) == (verdict, reason)
    assert detail in c.detail
    assert rep.overall is (Verdict.SUCCESSFUL if verdict is Verdict.SUCCESSFUL else Verdict.FAILED)


def test_com_absent_is_not_supported_and_malformed_fails(pki):
    dsc = pki.dscs["ecdsa-p256"]
    rep = verify_document(_doc(dsc, dg1_raw=_td1("VNM")), pki.store, policy=POLICY)
    c = _check(rep, "binding.com_sod")
    assert (c.verdict, c.reason, rep.overall) == (Verdict.NOT_SUPPORTED, Reason.COM_MISSING, Verdict.SUCCESSFUL)
    doc = _doc(dsc, dg1_raw=_td1("VNM")).with_file("COM", b"\x60\x05\x5C\x02")
    rep = verify_document(doc, pki.store, policy=POLICY)
    assert (_check(rep, "binding.com_sod").reason, rep.overall) == (Reason.COM_MALFORMED, Verdict.FAILED)


def test_eac_dg3_listed_in_both_but_not_readable_is_fine(pki):
    doc = _doc(pki.dscs["ecdsa-p256"], dg1_raw=_td1("VNM"), com_dgs=(1, 2, 3),
               extra={"DG3": tlv.encode(0x63, b"\x02\x01\x01")}, absent={"DG3": "6982"}, drop=("DG3",))
    rep = verify_document(doc, pki.store, policy=POLICY)
    assert _check(rep, "binding.com_sod").verdict is Verdict.SUCCESSFUL
    assert rep.overall is Verdict.SUCCESSFUL


# --- family 18 ---------------------------------------------------------------------------


def _mrz_access(doc_no: str, dob: str, doe: str, protocol: str = "BAC") -> AccessInfo:
    pw = mrz_password(doc_no, dob, doe)
    return AccessInfo(protocol, "MRZ", password_mac=access_password_mac(KEY, "MRZ", pw.value),
                      password_mac_key=binding_key_id(KEY))


def _can_access(can: str) -> AccessInfo:
    return AccessInfo("PACE", "CAN", mapping="GM", password_mac=access_password_mac(KEY, "CAN", can_password(can).value),
                      password_mac_key=binding_key_id(KEY))


@pytest.mark.parametrize("access,verdict,reason", [
    (_mrz_access("C01X00T47", DOB, DOE), Verdict.SUCCESSFUL, Reason.OK),
    (_mrz_access("C01X00T47", DOB, DOE, "PACE"), Verdict.SUCCESSFUL, Reason.OK),
    (_mrz_access("C01X00T48", DOB, DOE), Verdict.FAILED, Reason.DOCUMENT_BINDING_MISMATCH),
    (_mrz_access("C01X00T47", "920316", DOE), Verdict.FAILED, Reason.DOCUMENT_BINDING_MISMATCH),
    (_mrz_access("C01X00T47", DOB, "320316"), Verdict.FAILED, Reason.DOCUMENT_BINDING_MISMATCH),
    (AccessInfo("BAC", "MRZ"), Verdict.NOT_SUPPORTED, Reason.NOT_PERFORMED),  # older dumps: nothing recorded
    (None, Verdict.NOT_SUPPORTED, Reason.NOT_PERFORMED),
    (_can_access("123456"), Verdict.NOT_SUPPORTED, Reason.NOT_PERFORMED),  # a passport: no printed CAN relation
])
def test_mrz_access_binding(access, verdict, reason):
    _, dsc, store = _pki("DE", 44)
    rep = verify_document(_doc(dsc, dg1_raw=_td1("D"), access=access), store, policy=POLICY)
    c = _check(rep, "binding.access")
    assert (c.verdict, c.reason) == (verdict, reason), c.to_json()
    expected = {Verdict.FAILED: Verdict.FAILED}.get(verdict, Verdict.SUCCESSFUL)
    assert rep.overall is expected


@pytest.mark.parametrize("access,verdict", [
    (_can_access(ID12[6:]), Verdict.SUCCESSFUL),
    (_can_access("001235"), Verdict.FAILED),
    (_mrz_access(ID12[3:], DOB, DOE, "PACE"), Verdict.SUCCESSFUL),  # CCCD BAC/PACE-MRZ: doc no = last 9 digits
])
def test_cccd_can_binding(pki, access, verdict):
    rep = verify_document(_doc(pki.dscs["ecdsa-p256"], dg1_raw=_cccd(), access=access), pki.store, policy=POLICY)
    c = _check(rep, "binding.access")
    assert c.verdict is verdict, c.to_json()
    if verdict is Verdict.FAILED:
        assert (c.reason, rep.overall) == (Reason.DOCUMENT_BINDING_MISMATCH, Verdict.FAILED)


def test_binding_over_an_unauthenticated_dg1_is_undetermined(pki):
    doc = _doc(pki.dscs["ecdsa-p256"], dg1_raw=_cccd(), access=_can_access(ID12[6:]))
    rep = verify_document(doc, TrustStore(), policy=POLICY)
    c = _check(rep, "binding.access")
    assert (c.verdict, c.reason) == (Verdict.UNDETERMINED, Reason.DATA_NOT_AUTHENTICATED)


def test_password_mac_round_trips_and_the_dump_holds_no_password(pki, tmp_path):
    access = _can_access(ID12[6:])
    assert access.password_mac and len(access.password_mac) == 64 and access.password_mac_key == binding_key_id(KEY)
    assert AccessInfo.from_json(access.to_json()) == access
    assert set(AccessInfo("PACE", "CAN").to_json()) == {  # unchanged JSON when nothing is recorded
        "protocol", "password", "oid", "mapping", "cipher", "parameter_id", "fallback", "fallback_reason"}
    doc = _doc(pki.dscs["ecdsa-p256"], dg1_raw=_cccd(), access=access)
    doc.save(tmp_path / "d.json")
    manifest = json.loads((tmp_path / "d.json").read_text())
    assert manifest["access"]["password_mac"] == access.password_mac
    access_text = json.dumps(manifest["access"]) + json.dumps(manifest["evidence"])
    assert ID12[6:] not in access_text and KEY.hex() not in access_text
    back = Document.load(tmp_path / "d.json")
    assert back.access == access
    rep = verify_document(back, pki.store, policy=POLICY)
    c = _check(rep, "binding.access")
    assert c.verdict is Verdict.SUCCESSFUL and "binding key" in c.detail
    # without the key (or with another one) the keyed binding proves nothing: undetermined
    for policy in (_POLICY, dataclasses.replace(_POLICY, binding_key=b"another installation's key!")):
        c = _check(verify_document(back, pki.store, policy=policy), "binding.access")
        assert (c.verdict, c.reason) == (Verdict.UNDETERMINED, Reason.NOT_PERFORMED), c.to_json()


@pytest.mark.parametrize("statement,verdict", [("matched", Verdict.SUCCESSFUL), ("mismatched", Verdict.FAILED)])
def test_the_readers_statement_without_a_key(pki, statement, verdict):
    access = AccessInfo("PACE", "CAN", mapping="GM", password_binding=statement)
    c = _check(verify_document(_doc(pki.dscs["ecdsa-p256"], dg1_raw=_cccd(), access=access), pki.store,
                               policy=_POLICY), "binding.access")
    assert c.verdict is verdict and "reader's comparison" in c.detail


def test_a_keyed_mismatch_wins_over_a_matched_statement(pki):
    """A dump edit flipping the statement to 'matched' does not survive a verification with the key."""
    access = dataclasses.replace(_can_access("001235"), password_binding="matched")
    c = _check(verify_document(_doc(pki.dscs["ecdsa-p256"], dg1_raw=_cccd(), access=access), pki.store,
                               policy=POLICY), "binding.access")
    assert (c.verdict, c.reason) == (Verdict.FAILED, Reason.DOCUMENT_BINDING_MISMATCH)


def test_legacy_unkeyed_digest_is_checked_for_form_and_dropped():
    legacy = {"protocol": "PACE", "password": "CAN", "password_digest": "ab" * 32}
    assert AccessInfo.from_json(legacy) == AccessInfo("PACE", "CAN")
    assert "password_digest" not in AccessInfo.from_json(legacy).to_json()


@pytest.mark.parametrize("raw", [
    tlv.encode(0x61, tlv.encode(0x5F1F, b"IDVNM" + b"<" * 20)),  # an MRZ of no known length
    tlv.encode(0x6B, tlv.encode(0x5F1F, b"I" * 90)),  # not DG1's tag
    b"\x61\x05\x5F\x1F\x10AB",  # truncated
])
def test_malformed_dg1_leaves_the_country_undetermined(pki, raw):
    rep = verify_document(_doc(pki.dscs["ecdsa-p256"], dg1_raw=raw), pki.store, policy=POLICY)
    c = _check(rep, "binding.country")
    assert (c.verdict, c.reason) == (Verdict.UNDETERMINED, Reason.DG_MALFORMED)
    assert _check(rep, "passive.signature").verdict is Verdict.SUCCESSFUL


def test_country_aliases_from_the_policy():
    """Kosovo's CSCA uses C=KS (MRZ code RKS): undetermined by the table, accepted by an explicit alias."""
    import dataclasses

    _, dsc, store = _pki("KS", 47)
    doc = _doc(dsc, dg1_raw=_td1("RKS"))
    rep = verify_document(doc, store, policy=POLICY)
    assert _check(rep, "binding.country").reason is Reason.COUNTRY_CODE_UNKNOWN
    aliased = dataclasses.replace(POLICY, country_aliases=frozenset({("RKS", "KS")}))
    rep = verify_document(doc, store, policy=aliased)
    c = _check(rep, "binding.country")
    assert (c.verdict, rep.overall) == (Verdict.SUCCESSFUL, Verdict.SUCCESSFUL) and "alias" in c.detail
    # an alias widens only its own code: a Vietnamese document under C=KS still fails
    rep = verify_document(_doc(dsc, dg1_raw=_td1("VNM")), store, policy=aliased)
    assert _check(rep, "binding.country").reason is Reason.COUNTRY_MISMATCH
    # an aliased code signed under another country fails instead of staying undetermined
    _, de_dsc, de_store = _pki("DE", 48)
    rep = verify_document(_doc(de_dsc, dg1_raw=_td1("RKS")), de_store, policy=aliased)
    assert (_check(rep, "binding.country").reason, rep.overall) == (Reason.COUNTRY_MISMATCH, Verdict.FAILED)
