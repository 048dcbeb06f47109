"""verify_document: the whole offline Report, dumps, CardSecurity, PACE-CAM, CA and AA evidence."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from cccd_chip.crypto import ec as ecmath
from cccd_chip.document import AccessInfo, Document, Evidence
from cccd_chip.evidence import ChipAuthEvidence, PaceCamEvidence
from cccd_chip.lds import card_security, dg14, dg15
from cccd_chip.lds.security_infos import ID_AA, ID_PK_ECDH, ActiveAuthenticationInfo, ChipAuthenticationPublicKeyInfo
from cccd_chip.emulator import testpki
from cccd_chip.pki.trust_store import TrustStore
from cccd_chip.verify.document_check import verify_document
from cccd_chip.verify.report import Reason, Verdict

from .conftest import POLICY

CHALLENGE = bytes.fromhex("0102030405060708")


@pytest.fixture(scope="module")
def chip():
    """Keys of a virtual chip: CA key (brainpoolP256r1), AA key (brainpoolP256r1)."""
    ca_key = testpki.make_key("bp256", label="chip-ca")
    aa_key = testpki.make_key("bp256", label="chip-aa")
    ca_info = ChipAuthenticationPublicKeyInfo(ID_PK_ECDH, testpki.Issued(b"", ca_key, "bp256").spki, 1)
    return ca_key, aa_key, ca_info


def _document(pki, chip, *, evidence=None, access=None, card_security_raw=None) -> Document:
    ca_key, aa_key, ca_info = chip
    extra = {
        "DG14": dg14.make([ca_info, ActiveAuthenticationInfo(ID_AA, 1, "0.4.0.127.0.7.1.1.4.1.3")]).raw,
        "DG15": dg15.make(testpki.Issued(b"", aa_key, "bp256").spki).raw,
    }
    files = pki.files("ecdsa-p256", extra=extra)
    if card_security_raw is not None:
        files["CardSecurity"] = card_security_raw
    if evidence is None:
        r, s = decode_dss_signature(aa_key.sign(CHALLENGE, ec.ECDSA(hashes.SHA256())))
        evidence = Evidence(aa_challenge=CHALLENGE, aa_signature=r.to_bytes(32, "big") + s.to_bytes(32, "big"),
                            ca=ChipAuthEvidence(verified=True, key_id=1))
    return Document(files=files, access=access or AccessInfo("PACE", "CAN"), evidence=evidence, read_at="2027-03-01T10:00:00Z")


def _by(report, check, subject=None):
    return [c for c in report.checks if c.check == check and (subject is None or c.subject == subject)][0]


def test_genuine_document_is_successful_and_json_is_whole(pki, chip):
    rep = verify_document(_document(pki, chip), pki.store, policy=POLICY)
    assert rep.overall is Verdict.SUCCESSFUL, [c.to_json() for c in rep.checks]
    assert _by(rep, "active_auth").verdict is Verdict.SUCCESSFUL
    assert _by(rep, "chip_auth").verdict is Verdict.SUCCESSFUL
    j = json.loads(json.dumps(rep.to_json()))
    assert j["overall"] == "successful" and j["trust_store_version"] == pki.store.version
    assert {c["check"] for c in j["checks"]} >= {"passive.signature", "passive.dsc_chain", "passive.dg_hash", "active_auth", "chip_auth"}


def test_dump_round_trip_gives_same_verdicts_and_a_flipped_byte_fails(pki, chip, tmp_path):
    doc = _document(pki, chip)
    live = verify_document(doc, pki.store, policy=POLICY)
    doc.save(tmp_path / "d")
    offline = verify_document(Document.load(tmp_path / "d"), pki.store, policy=POLICY)
    assert [c.to_json() for c in offline.checks] == [c.to_json() for c in live.checks]
    raw = bytearray((tmp_path / "d" / "DG1.bin").read_bytes())
    raw[7] ^= 0x01
    (tmp_path / "d" / "DG1.bin").write_bytes(bytes(raw))
    rep = verify_document(Document.load(tmp_path / "d"), pki.store, policy=POLICY)
    assert rep.overall is Verdict.FAILED
    c = _by(rep, "passive.dg_hash", "DG1")
    assert (c.verdict, c.reason) == (Verdict.FAILED, Reason.DG_HASH_MISMATCH)


def test_wrong_aa_signature_fails(pki, chip):
    doc = _document(pki, chip)
    bad = bytearray(doc.evidence.aa_signature)
    bad[40] ^= 0x01
    rep = verify_document(_document(pki, chip, evidence=Evidence(CHALLENGE, bytes(bad))), pki.store, policy=POLICY)
    assert (_by(rep, "active_auth").reason, rep.overall) == (Reason.AA_SIGNATURE_INVALID, Verdict.FAILED)


def test_clone_for_ca_fails_and_unverified_dg14_gates(pki, chip):
    ev = Evidence(ca=ChipAuthEvidence(verified=False, key_id=1))
    rep = verify_document(_document(pki, chip, evidence=ev), pki.store, policy=POLICY)
    c = _by(rep, "chip_auth")
    assert (c.verdict, c.reason, rep.overall) == (Verdict.FAILED, Reason.CA_KEY_MISMATCH, Verdict.FAILED)
    rep = verify_document(_document(pki, chip, evidence=Evidence(ca=ChipAuthEvidence(verified=True))), TrustStore(), policy=POLICY)
    assert (_by(rep, "chip_auth").verdict, rep.overall) == (Verdict.UNDETERMINED, Verdict.UNDETERMINED)


def _card_security(pki, chip) -> bytes:
    args = testpki.cms_signing(pki.dscs["ecdsa-bp256"])
    return card_security.build_card_security(
        [chip[2]], pki.dscs["ecdsa-bp256"].cert_der, args["signer"], args["digest_alg"], args["signature_alg_oid"]
    )


def _cam_evidence(chip, *, wrong: bool = False) -> dict:
    ca_key = chip[0]
    curve = ecmath.curve_by_name("brainpoolP256r1")
    pk_ic = ecmath.Point(ca_key.public_key().public_numbers().x, ca_key.public_key().public_numbers().y)
    ca_ic = 0x1234567 + (1 if wrong else 0)
    pk_map = ecmath.mul(curve, 0x1234567, pk_ic)
    return {"oid": "0.4.0.127.0.7.2.2.4.6.2", "parameter_id": 1, "ca_ic": ca_ic.to_bytes(32, "big").hex(), "pk_map_ic": ecmath.encode_point(curve, pk_map).hex()}


def test_pace_cam_with_verified_card_security(pki, chip):
    access = AccessInfo("PACE", "CAN", mapping="CAM")
    cs = _card_security(pki, chip)
    doc = _document(pki, chip, access=access, card_security_raw=cs, evidence=Evidence(pace_cam=PaceCamEvidence.from_dict(_cam_evidence(chip))))
    rep = verify_document(doc, pki.store, policy=POLICY)
    assert _by(rep, "card_security.signature").verdict is Verdict.SUCCESSFUL
    assert _by(rep, "pace.cam").verdict is Verdict.SUCCESSFUL, _by(rep, "pace.cam").to_json()
    doc = _document(pki, chip, access=access, card_security_raw=cs, evidence=Evidence(pace_cam=PaceCamEvidence.from_dict(_cam_evidence(chip, wrong=True))))
    c = _by(verify_document(doc, pki.store, policy=POLICY), "pace.cam")
    assert (c.verdict, c.reason) == (Verdict.FAILED, Reason.CAM_DATA_INVALID)
    # CAM data fine but CardSecurity's signer is not trusted: not successful
    c = _by(verify_document(_document(pki, chip, access=access, card_security_raw=cs, evidence=Evidence(pace_cam=PaceCamEvidence.from_dict(_cam_evidence(chip)))), TrustStore(), policy=POLICY), "pace.cam")
    assert (c.verdict, c.reason) == (Verdict.UNDETERMINED, Reason.CARD_SECURITY_NOT_VERIFIED)
    # CAM used but no CardSecurity at all
    c = _by(verify_document(_document(pki, chip, access=access, evidence=Evidence(pace_cam=PaceCamEvidence.from_dict(_cam_evidence(chip)))), pki.store, policy=POLICY), "pace.cam")
    assert (c.verdict, c.reason) == (Verdict.FAILED, Reason.CARD_SECURITY_NOT_VERIFIED)


def test_tampered_card_security_fails(pki, chip):
    cs = bytearray(_card_security(pki, chip))
    cs[-3] ^= 0x01
    doc = _document(pki, chip, card_security_raw=bytes(cs))
    rep = verify_document(doc, pki.store, policy=POLICY)
    assert _by(rep, "card_security.signature").verdict is Verdict.FAILED and rep.overall is Verdict.FAILED


def test_the_verification_instant_is_set_on_a_copy_keeping_every_other_field():
    """verify_document pins "now" with document_check._at: the same Policy as dataclasses.replace gives,
    each field of a policy set away from its default carried over (a field added later included)."""
    import dataclasses as _dc
    import datetime as _dt

    from cccd_chip.verify import document_check
    from cccd_chip.verify.passive import Policy as _Policy

    policy = _Policy(time_reference="read_time", revocation="require", require_key_usage=True,
                     legacy_content_types=frozenset({"1.3.27.1.1.1"}), country_aliases=frozenset({("RKS", "KS")}),
                     binding_key=b"k" * 32)
    assert [f.name for f in _dc.fields(_Policy) if getattr(policy, f.name) == f.default
            or (f.default_factory is not _dc.MISSING and getattr(policy, f.name) == f.default_factory())] == ["at"]
    now = _dt.datetime(2026, 12, 3, 23, 0, tzinfo=_dt.timezone.utc)
    copy = document_check._at(policy, now)
    assert copy == _dc.replace(policy, at=now) and copy.binding_key == policy.binding_key and copy.at == now
    assert policy.at is None  # the caller's policy is left as it was
