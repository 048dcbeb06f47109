"""The real "CSCA Vietnam", honestly (issue 20 item 3; docs/verification.md §8).

The public certificate is known by its fingerprint, loadable with --csca and
--trust-known vn-cccd (which says what it trusts and why that is not
authenticated), never trusted silently; a DSC that names it while it is
missing is undetermined with plain words. Nobody outside Vietnam's PKI holds
its key, so the only DSC "under" it a test can make is a forgery: with the
anchor it must fail.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from importlib import resources
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from cccd_chip.emulator import determinism as det
from cccd_chip.lds import oids, sod
from cccd_chip.pki import known_cscas
from cccd_chip.pki.trust_store import TrustStore
from cccd_chip.verify.report import Reason

KNOWN_FILE = Path(str(resources.files("cccd_chip.pki").joinpath("known", "VN_CSCA_Vietnam_2021.der")))
UTC = dt.timezone.utc


def test_packaged_certificate_is_the_pinned_one_and_loads_with_csca():
    data = KNOWN_FILE.read_bytes()
    assert hashlib.sha256(data).hexdigest().upper() == known_cscas.VN_CSCA_2021.sha256
    store = TrustStore()
    assert store.add_path(KNOWN_FILE) == 1
    (c,) = store.cscas
    assert c.subject_text.endswith("CN=CSCA Vietnam") and c.is_ca and c.self_issued
    assert c.public_key.description == "EC secp384r1"  # P-384, named curve
    start, end = c.private_key_usage_period
    assert end.date() == dt.date(2026, 1, 21) and c.not_after.date() == dt.date(2046, 4, 13)
    assert known_cscas.by_fingerprint(c.fingerprint) is known_cscas.VN_CSCA_2021


def test_a_damaged_packaged_copy_is_refused(monkeypatch):
    from cccd_chip.errors import TrustStoreError

    bad = known_cscas.KnownCsca("VN_CSCA_Vietnam_2021.der", "00" * 32, "t", "p", "n", "o")
    with pytest.raises(TrustStoreError, match="pinned fingerprint"):
        known_cscas.certificate(bad)


def _forged_dsc() -> tuple[bytes, ec.EllipticCurvePrivateKey]:
    """A bp384 DSC that names CSCA Vietnam (issuer name and AKI) but is signed by another key."""
    real = x509.load_der_x509_certificate(KNOWN_FILE.read_bytes())
    rogue = det.key_for("p384", "rogue-csca-vietnam")
    key = det.key_for("bp384", "forged-dsc")
    ski = real.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    t0 = dt.datetime(2021, 6, 1, tzinfo=UTC)
    cert = (x509.CertificateBuilder().subject_name(x509.Name.from_rfc4514_string("CN=DS Vietnam FORGED TEST,C=VN"))
            .issuer_name(real.subject).public_key(key.public_key()).serial_number(0x4242)
            .not_valid_before(t0).not_valid_after(t0.replace(year=2043))
            .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
            .sign(rogue, hashes.SHA384()))
    return cert.public_bytes(serialization.Encoding.DER), key


@pytest.fixture(scope="module")
def forged_dump(tmp_path_factory):
    """A real read of a cccd-2021 card whose SOD is re-signed by the forged DSC (same DG hashes)."""
    from host_cli.main import main

    from cccd_chip.emulator.personalize import personalize

    root = tmp_path_factory.mktemp("known")
    card = Path(personalize("cccd-2021", 21, root / "card"))
    secrets = json.loads((card / "card.json").read_text())["secrets"]
    dump = root / "dump"
    with pytest.raises(SystemExit):
        main(["read", "--virtual", str(card), "--id", secrets["id"], "--out", str(dump), "--json"])
    original = sod.parse((dump / "SOD.bin").read_bytes())
    dsc_der, key = _forged_dsc()
    forged = sod.build_sod(dict(original.security_object.hashes), dsc_der,
                           lambda data: key.sign(data, ec.ECDSA(hashes.SHA256())), hash_alg="sha256",
                           digest_alg="sha256", signature_alg_oid=oids.ECDSA_WITH_SHA256,
                           signing_time=dt.datetime(2021, 6, 2, tzinfo=UTC))
    out = root / "forged"
    shutil.copytree(dump, out)
    (out / "SOD.bin").write_bytes(forged)
    return out


def _chain(run):
    return next(c for c in run.json()["checks"] if c["check"] == "passive.dsc_chain")


def test_missing_known_csca_is_undetermined_in_plain_words(cccd, forged_dump):
    r = cccd("verify", forged_dump, "--json", "--at", "2026-06-01T00:00:00Z")
    assert r.code == 3, r.err
    c = _chain(r)
    assert (c["verdict"], c["reason"]) == ("undetermined", Reason.CSCA_NOT_FOUND.value)
    for words in ("CSCA Vietnam", "not in the trust store", "not trusted by default", "obtain it",
                  "known anchor bundle vn-cccd", known_cscas.VN_CSCA_2021.sha256):
        assert words in c["detail"], words
    human = cccd("verify", forged_dump, "--at", "2026-06-01T00:00:00Z")
    assert human.code == 3 and "CSCA Vietnam" in human.out + human.err


@pytest.mark.parametrize("how", ["trust-known", "csca-file"])
def test_with_the_anchor_the_forgery_fails_and_the_opt_in_is_said(cccd, forged_dump, how):
    args = ["--trust-known", "vn-cccd"] if how == "trust-known" else ["--csca", str(KNOWN_FILE)]
    r = cccd("verify", forged_dump, *args, "--json", "--at", "2026-06-01T00:00:00Z")
    assert r.code == 1, r.err
    c = _chain(r)
    assert (c["verdict"], c["reason"]) == ("failed", Reason.DSC_SIGNATURE_INVALID.value)
    if how == "trust-known":
        assert "--trust-known vn-cccd: trusting, by explicit opt-in" in r.err
        assert "NOT authenticated" in r.err and known_cscas.VN_CSCA_2021.sha256 in r.err
        assert r.json()["schema"]  # stdout stays one JSON document


def test_a_chain_ending_at_a_known_csca_says_it_is_not_authenticated(monkeypatch, tmp_path):
    """The note on success: pretend the vn-cccd test CSCA were the known one (we hold its key)."""
    from cccd_chip.emulator import card_pki, pki_lifecycle
    from cccd_chip.emulator import testpki
    from cccd_chip.pki.certificate import load_certificate
    from cccd_chip.verify import passive

    csca = card_pki.make_vn_csca()
    fp = load_certificate(csca.cert_der).fingerprint.hex().upper()
    fake = known_cscas.KnownCsca("x.der", fp, "CSCA Vietnam TEST", "tests", "tests only", "nowhere")
    monkeypatch.setattr(known_cscas, "ALL", (fake,))
    passive._DSC_CACHE.clear()
    passive._CHAIN_CACHE.clear()
    dsc = card_pki.make_vn_dsc(csca, label="note", issued=dt.datetime(2022, 1, 1, tzinfo=UTC))
    files = testpki.sample_data_groups(3, dg2_size=300)
    files["SOD"] = pki_lifecycle.sign_card(dsc, files, dt.datetime(2022, 1, 2, tzinfo=UTC), label="note")
    store = TrustStore()
    store.add_csca(csca.cert_der)
    res = passive.verify_passive(files, store, passive.Policy(at=dt.datetime(2023, 1, 1, tzinfo=UTC)))
    chain = next(c for c in res.checks if c.check == "passive.dsc_chain")
    assert chain.verdict.value == "successful" and "NOT authenticated" in chain.detail
    passive._DSC_CACHE.clear()
    passive._CHAIN_CACHE.clear()


def test_inspect_shows_the_real_and_the_test_csca_shape(cccd, cards):
    r = cccd("inspect", KNOWN_FILE, "--json")
    assert r.code == 0, r.err
    (d,) = r.json()["files"].values()
    f = d["fields"]
    assert f["public_key"] == "EC secp384r1 (named curve)" and f["signature_algorithm"] == "sha384_ecdsa"
    assert "NOT" not in json.dumps(f) and d["known"]["opt_in"] == "--trust-known vn-cccd"
    card = cards.get("cccd-2021", 7)
    t = cccd("inspect", card / "csca.pem", "--json")
    (td,) = t.json()["files"].values()
    names = {e["name"]: e for e in td["fields"]["extensions"]}
    assert td["fields"]["public_key"] == f["public_key"] and td["fields"]["signature_algorithm"] == f["signature_algorithm"]
    assert list(names) == [e["name"] for e in f["extensions"]]  # the real certificate's extensions, in its order
    assert names["basic_constraints"]["value"] == {"ca": True, "path_len": 0} and names["basic_constraints"]["critical"]
    assert names["private_key_usage_period"]["value"]["not_after"].startswith("2026-01-21")
    assert "TEST" in td["fields"]["subject"] and "known" not in td
    s = cccd("inspect", card / "files" / "SOD.bin", "--json")
    (sd,) = s.json()["files"].values()
    assert sd["fields"]["hash_algorithm"] == "sha256"
    assert sd["fields"]["signer_infos"][0]["signature_algorithm"] == "ecdsa-with-SHA256"
    assert sd["fields"]["certificates"][0]["public_key"] == "ec brainpoolp384r1"


def test_read_of_a_fresh_cccd_2021_card_shows_the_real_algorithms(cccd, cards):
    card = cards.get("cccd-2021", 7)
    sec = cards.secrets(card)
    r = cccd("read", "--virtual", card, "--id", sec["id"], "--csca", card / "csca.pem", "--json",
             "--at", "2026-06-01T00:00:00Z")
    assert r.code == 0, r.err
    checks = {c["check"]: c for c in r.json()["verification"]["checks"]}
    assert checks["passive.signature"]["detail"] == "ecdsa-sha256 by EC brainpoolP384r1"
    assert "sha256" in checks["passive.algorithms"]["detail"]
    assert checks["active_auth"]["detail"].startswith("iso9796-2") and "RSA-2048" in checks["active_auth"]["detail"]
    assert checks["passive.csca_key_period"]["verdict"] == "successful"


def test_a_dsc_with_the_name_but_another_key_asks_for_a_successor_or_link():
    """A DSC under a (future) CSCA Vietnam with the same name and a new key: undetermined, says what is needed."""
    from cccd_chip.pki.certificate import load_certificate
    from cccd_chip.verify import passive

    real = x509.load_der_x509_certificate(KNOWN_FILE.read_bytes())
    new_csca_key = det.key_for("p384", "successor-csca-vietnam")
    key = det.key_for("bp384", "successor-dsc")
    t0 = dt.datetime(2026, 6, 1, tzinfo=UTC)
    cert = (x509.CertificateBuilder().subject_name(x509.Name.from_rfc4514_string("CN=DS Vietnam SUCCESSOR TEST,C=VN"))
            .issuer_name(real.subject).public_key(key.public_key()).serial_number(0x4343)
            .not_valid_before(t0).not_valid_after(t0.replace(year=2048))
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(new_csca_key.public_key()), critical=False)
            .sign(new_csca_key, hashes.SHA384()))
    dsc = load_certificate(cert.public_bytes(serialization.Encoding.DER))
    store = TrustStore()
    store.add_path(KNOWN_FILE)
    checks, csca = passive.check_dsc(dsc, store, passive.Policy(at=t0), t0)
    assert csca is None and checks[0].reason is Reason.CSCA_NOT_FOUND and checks[0].verdict.value == "undetermined"
    assert "another key" in checks[0].detail and "successor CSCA or link certificate" in checks[0].detail


@pytest.mark.parametrize("command", ["serve", "reverify"])
def test_commands_with_stored_trust_refuse_trust_known_instead_of_ignoring_it(cccd, command):
    r = cccd(command, "--trust-known", "vn-cccd", "--db", "sqlite:///:memory:")
    assert r.code == 2 and "--trust-known is not available" in r.err and "--csca" in r.err
