"""Algorithm policy (catalogue families 23, 24): MD5 forbidden, unknown undetermined, SHA-1 flagged.

Each fixture changes one thing in an otherwise genuine, correctly signed SOD
or certificate (the B51 method), so the verdict can only come from that thing.
"""

from __future__ import annotations

import dataclasses
import hashlib

import pytest
from asn1crypto import algos as a_algos
from asn1crypto import x509 as a_x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from cccd_chip.iso7816 import tlv
from cccd_chip.lds import cms, oids, sod
from cccd_chip.lds._der import der, der_oid, der_seq, der_set
from cccd_chip.emulator import testpki
from cccd_chip.pki.trust_store import TrustStore
from cccd_chip.verify import algorithms as alg
from cccd_chip.verify.passive import verify_passive
from cccd_chip.verify.report import Reason, Report, Verdict

from .conftest import POLICY

MD5 = "1.2.840.113549.2.5"
MD5_RSA = "1.2.840.113549.1.1.4"
SHA3_256 = "2.16.840.1.101.3.4.2.8"  # a real hash this toolkit does not implement


def _run(files, store):
    res = verify_passive(files, store, POLICY)
    return res, Report.of(res.checks)


def _find(res, check, subject=None):
    found = [c for c in res.checks if c.check == check and (subject is None or c.subject == subject)]
    assert found, f"no {check} in {[c.to_json() for c in res.checks]}"
    return found[0]


def _signed_attrs(econtent_type: str, digest: bytes) -> bytes:
    return der_set([
        der_seq(der_oid(oids.ID_CONTENT_TYPE), der(0x31, der_oid(econtent_type))),
        der_seq(der_oid(oids.ID_MESSAGE_DIGEST), der(0x31, der(0x04, digest))),
    ])


def test_genuine_sod_lists_its_algorithms_ok(pki):
    res, rep = _run(pki.files("ecdsa-p256"), pki.store)
    c = _find(res, "passive.algorithms")
    assert (c.verdict, c.reason, rep.overall) == (Verdict.SUCCESSFUL, Reason.OK, Verdict.SUCCESSFUL)
    assert "sha256" in c.detail


def test_md5_in_digest_algorithms_is_forbidden(pki):
    files = pki.files("ecdsa-p256")
    sd = sod.parse(files["SOD"]).signed_data
    sd2 = dataclasses.replace(sd, digest_algorithms=sd.digest_algorithms + (cms.AlgorithmIdentifier(MD5),))
    files["SOD"] = tlv.encode(0x77, cms.build(sd2))
    res, rep = _run(files, pki.store)
    s = _find(res, "passive.signature")
    a = _find(res, "passive.algorithms")
    assert (s.verdict, s.reason) == (Verdict.FAILED, Reason.ALGORITHM_FORBIDDEN)
    assert (a.verdict, a.reason, rep.overall) == (Verdict.FAILED, Reason.ALGORITHM_FORBIDDEN, Verdict.FAILED)
    assert "md5 in SignedData.digestAlgorithms" in a.detail


def test_md5_with_rsa_signer_info_is_forbidden(pki):
    """A SignerInfo correctly signed with md5WithRSAEncryption (digest MD5): failed, not unsupported."""
    dsc = pki.dscs["rsa2048-pkcs1"]
    files = pki.files("rsa2048-pkcs1")
    sd = sod.parse(files["SOD"]).signed_data
    attrs = _signed_attrs(sd.econtent_type, hashlib.md5(sd.econtent).digest())
    si = dataclasses.replace(
        sd.signer_infos[0],
        digest_algorithm=cms.AlgorithmIdentifier(MD5),
        signed_attrs=attrs,
        signature_algorithm=cms.AlgorithmIdentifier(MD5_RSA, b"\x05\x00"),
        signature=dsc.key.sign(attrs, padding.PKCS1v15(), hashes.MD5()),
    )
    sd2 = dataclasses.replace(sd, digest_algorithms=(cms.AlgorithmIdentifier(MD5),), signer_infos=(si,))
    files["SOD"] = tlv.encode(0x77, cms.build(sd2))
    res, rep = _run(files, pki.store)
    s = _find(res, "passive.signature")
    assert (s.verdict, s.reason, rep.overall) == (Verdict.FAILED, Reason.ALGORITHM_FORBIDDEN, Verdict.FAILED)
    assert _find(res, "passive.algorithms").reason is Reason.ALGORITHM_FORBIDDEN
    assert not res.dg_authenticated(1)


def _sod_with_lds_hash(pki, hash_oid: str, hash_fn) -> dict:
    files = testpki.sample_data_groups(21, dg2_size=500)
    lso = sod.LDSSecurityObject(
        version=0,
        hash_algorithm=cms.AlgorithmIdentifier(hash_oid),
        data_group_hashes=tuple(sod.DataGroupHash(n, hash_fn(files[f"DG{n}"])) for n in (1, 2)),
    )
    args = testpki.cms_signing(pki.dscs["ecdsa-p256"])
    files["SOD"] = tlv.encode(0x77, cms.build_signed_data(
        oids.ID_ICAO_LDS_SECURITY_OBJECT, sod.build_security_object(lso), pki.dscs["ecdsa-p256"].cert_der,
        args["signer"], args["digest_alg"], args["signature_alg_oid"], args["signature_params_der"],
    ))
    return files


def test_md5_data_group_hashes_are_forbidden(pki):
    res, rep = _run(_sod_with_lds_hash(pki, MD5, lambda b: hashlib.md5(b).digest()), pki.store)
    assert _find(res, "passive.signature").verdict is Verdict.SUCCESSFUL  # only the LDS hash is wrong
    d = _find(res, "passive.dg_hash", "SOD")
    assert (d.verdict, d.reason, rep.overall) == (Verdict.FAILED, Reason.ALGORITHM_FORBIDDEN, Verdict.FAILED)
    assert "LDSSecurityObject.hashAlgorithm" in _find(res, "passive.algorithms").detail


def test_unknown_data_group_hash_is_undetermined_not_a_crash(pki):
    res, rep = _run(_sod_with_lds_hash(pki, SHA3_256, lambda b: hashlib.sha3_256(b).digest()), pki.store)
    d = _find(res, "passive.dg_hash", "SOD")
    assert (d.verdict, d.reason) == (Verdict.UNDETERMINED, Reason.ALGORITHM_UNSUPPORTED)
    a = _find(res, "passive.algorithms")
    assert (a.verdict, a.reason, rep.overall) == (Verdict.UNDETERMINED, Reason.ALGORITHM_UNSUPPORTED, Verdict.UNDETERMINED)
    assert SHA3_256 in a.detail


@pytest.mark.parametrize("oid", ["1.2.3.4.5.6", "1.3.101.112"])  # invented; Ed25519 (not an eMRTD algorithm)
def test_unknown_signature_algorithm_is_undetermined(pki, oid):
    files = pki.files("ecdsa-p256")
    sd = sod.parse(files["SOD"]).signed_data
    si = dataclasses.replace(sd.signer_infos[0], signature_algorithm=cms.AlgorithmIdentifier(oid))
    files["SOD"] = tlv.encode(0x77, cms.build(dataclasses.replace(sd, signer_infos=(si,))))
    res, rep = _run(files, pki.store)
    s = _find(res, "passive.signature")
    assert (s.verdict, s.reason, rep.overall) == (Verdict.UNDETERMINED, Reason.ALGORITHM_UNSUPPORTED, Verdict.UNDETERMINED)
    assert _find(res, "passive.dg_hash", "DG1").verdict is Verdict.UNDETERMINED  # never verified data


def test_sha1_sod_is_accepted_and_flagged(pki):
    res, rep = _run(pki.files("ecdsa-p256", hash_alg="sha1"), pki.store)
    a = _find(res, "passive.algorithms")
    assert (a.verdict, a.reason, rep.overall) == (Verdict.SUCCESSFUL, Reason.DEPRECATED_ALGORITHM, Verdict.SUCCESSFUL)
    assert "sha1" in a.detail and "SignerInfo" in a.detail
    assert res.dg_authenticated(1)


def _md5_signed(cert_der: bytes, issuer: testpki.Issued) -> bytes:
    """``cert_der`` re-signed by ``issuer`` (RSA) with md5WithRSAEncryption (inner and outer algorithm)."""
    cert = a_x509.Certificate.load(cert_der)
    tbs = cert["tbs_certificate"]
    md5_alg = a_algos.SignedDigestAlgorithm({"algorithm": "md5_rsa", "parameters": None})
    tbs["signature"] = md5_alg
    tbs_der = tbs.dump(force=True)
    sig = issuer.key.sign(tbs_der, padding.PKCS1v15(), hashes.MD5())
    return a_x509.Certificate({
        "tbs_certificate": a_x509.TbsCertificate.load(tbs_der),
        "signature_algorithm": md5_alg,
        "signature_value": sig,
    }).dump()


def test_dsc_signed_with_md5_is_forbidden():
    csca = testpki.make_csca("VN", key_spec="rsa2048", seed=31, scheme="pkcs1")
    dsc = testpki.make_dsc(csca, key_spec="p256", seed=31, scheme="pkcs1")
    md5_dsc = testpki.Issued(_md5_signed(dsc.cert_der, csca), dsc.key, dsc.key_spec)
    store = TrustStore()
    store.add_csca(csca.cert_der)
    files = testpki.sample_data_groups(31, dg2_size=500)
    files["SOD"] = testpki.make_sod(files, dsc)
    res, rep = _run(files, store)
    assert rep.overall is Verdict.SUCCESSFUL  # control: the same DSC signed with SHA-256
    files["SOD"] = testpki.make_sod(files, md5_dsc)
    res, rep = _run(files, store)
    c = _find(res, "passive.dsc_chain")
    assert (c.verdict, c.reason, rep.overall) == (Verdict.FAILED, Reason.ALGORITHM_FORBIDDEN, Verdict.FAILED)
    a = _find(res, "passive.algorithms")
    assert a.reason is Reason.ALGORITHM_FORBIDDEN and "DSC signature" in a.detail


def test_classification_table():
    assert alg.classify_digest(MD5, "x").status == "forbidden"
    assert alg.classify_digest(oids.DIGESTS["sha1"], "x").status == "deprecated"
    assert alg.classify_digest(oids.DIGESTS["sha224"], "x").status == "ok"
    assert alg.classify_digest(SHA3_256, "x").status == "unknown"
    assert [u.status for u in alg.classify_signature(MD5_RSA, None, None, "x")] == ["forbidden"]
    assert [u.status for u in alg.classify_signature(oids.RSA_ENCRYPTION, b"\x05\x00", MD5, "x")] == ["forbidden"]
    assert [u.status for u in alg.classify_signature(oids.EC_PUBLIC_KEY, None, None, "x")] == ["unknown"]
    assert [u.status for u in alg.classify_signature(oids.ECDSA_PLAIN_SHA1, None, None, "x")] == ["deprecated"]
    md5_pss = a_algos.RSASSAPSSParams({
        "hash_algorithm": {"algorithm": "md5"},
        "mask_gen_algorithm": {"algorithm": "mgf1", "parameters": {"algorithm": "sha256"}},
        "salt_length": 32,
    }).dump()
    assert [u.status for u in alg.classify_signature(oids.RSASSA_PSS, md5_pss, None, "x")] == ["forbidden", "ok"]
    # absent PSS parameters mean SHA-1 / MGF1-SHA-1 (RFC 8017 defaults)
    assert [u.status for u in alg.classify_signature(oids.RSASSA_PSS, None, None, "x")] == ["deprecated", "deprecated"]
    assert [u.status for u in alg.classify_signature(oids.RSASSA_PSS, b"\x30\x03\x02\x01", None, "x")] == ["unknown"]


def test_dsc_with_an_unknown_signature_algorithm_is_undetermined(pki):
    """The DSC's signatureAlgorithm (outer and inner) replaced by an unknown OID: no verdict on the chain."""
    dsc = pki.dscs["ecdsa-p256"]
    cert = a_x509.Certificate.load(dsc.cert_der)
    tbs = cert["tbs_certificate"]
    unknown = a_algos.SignedDigestAlgorithm({"algorithm": "1.2.3.4.5.6.7"})
    tbs["signature"] = unknown
    odd = a_x509.Certificate({
        "tbs_certificate": a_x509.TbsCertificate.load(tbs.dump(force=True)),
        "signature_algorithm": unknown,
        "signature_value": bytes(cert["signature_value"]),
    }).dump()
    files = testpki.sample_data_groups(32, dg2_size=500)
    files["SOD"] = testpki.make_sod(files, testpki.Issued(odd, dsc.key, dsc.key_spec))
    res, rep = _run(files, pki.store)
    assert _find(res, "passive.signature").verdict is Verdict.SUCCESSFUL
    c = _find(res, "passive.dsc_chain")
    assert (c.verdict, c.reason, rep.overall) == (Verdict.UNDETERMINED, Reason.ALGORITHM_UNSUPPORTED, Verdict.UNDETERMINED)
    assert "1.2.3.4.5.6.7" in _find(res, "passive.algorithms").detail


def test_unknown_signer_digest_is_undetermined(pki):
    files = pki.files("ecdsa-p256")
    sd = sod.parse(files["SOD"]).signed_data
    sha3 = cms.AlgorithmIdentifier(SHA3_256)
    si = dataclasses.replace(sd.signer_infos[0], digest_algorithm=sha3)
    files["SOD"] = tlv.encode(0x77, cms.build(dataclasses.replace(sd, digest_algorithms=(sha3,), signer_infos=(si,))))
    res, rep = _run(files, pki.store)
    s = _find(res, "passive.signature")
    assert (s.verdict, s.reason, rep.overall) == (Verdict.UNDETERMINED, Reason.ALGORITHM_UNSUPPORTED, Verdict.UNDETERMINED)
