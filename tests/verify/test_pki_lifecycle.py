"""The CCCD PKI over 25 years (issue 20 item 2): a 2021-2046 card population under CSCA rollovers.

101 quarterly DSCs, six CSCA generations linked both ways, three revoked DSCs,
the private-key-usage rule, and thousands of DSCs under one CSCA with
bounded caches. Every card is a real SOD (ECDSA brainpoolP384r1 over SHA-256,
as the real card) verified by ``verify_passive`` with an injected time.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from cccd_chip.emulator import card_pki, pki_lifecycle as life
from cccd_chip.emulator import testpki
from cccd_chip.pki.certificate import load_certificate
from cccd_chip.pki.trust_store import TrustStore
from cccd_chip.verify import passive
from cccd_chip.verify.passive import Policy, verify_passive
from cccd_chip.verify.report import Reason, Verdict

UTC = dt.timezone.utc
LAST_CHECK = dt.datetime(2050, 12, 31, tzinfo=UTC)


@pytest.fixture(scope="module")
def history() -> life.PkiHistory:
    return life.simulate()


@pytest.fixture(scope="module")
def population(history):
    """Two cards per DS key (10 and 80 days into its 3-month period): (DsKey, files, signing time)."""
    cards = []
    for ds in history.dscs:
        for k, days in enumerate((10, 80)):
            signed = ds.issued + dt.timedelta(days=days)
            files = testpki.sample_data_groups(ds.number * 2 + k, dg2_size=1500)
            files["SOD"] = life.sign_card(ds.dsc, files, signed, label=f"card|{ds.number}|{k}")
            cards.append((ds, files, signed))
    return cards


def _store_old_to_new(history) -> TrustStore:
    """What a verifier that trusted generation 1 in 2021 holds by 2046: links old -> new, CRLs."""
    ts = TrustStore()
    ts.add_csca(history.generations[0].csca.cert_der)
    for g in history.generations[1:]:
        ts.add_link_certificate(g.link_from_previous.cert_der)
    for ders in history.crls.values():
        for der in ders:
            ts.add_crl(der)
    return ts


def _store_new_to_old(history) -> TrustStore:
    """A verifier set up in 2046 with only the newest CSCA and the links new -> old."""
    ts = TrustStore()
    ts.add_csca(history.generations[-1].csca.cert_der)
    for g in reversed(history.generations[1:]):
        ts.add_link_certificate(g.link_to_previous.cert_der)
    for ders in history.crls.values():
        for der in ders:
            ts.add_crl(der)
    return ts


def _outcome(files, store, when, reference="now"):
    res = verify_passive(files, store, Policy(at=when, time_reference=reference))
    bad = [c for c in res.checks if c.verdict not in (Verdict.SUCCESSFUL, Verdict.NOT_SUPPORTED)]
    if not bad:
        return "successful"
    worst = "failed" if any(c.verdict is Verdict.FAILED for c in bad) else "undetermined"
    return f"{worst}:{'+'.join(sorted({c.reason.value for c in bad}))}"


def _expected(ds: life.DsKey) -> str:
    return "failed:DSC_REVOKED" if ds.revoked_on is not None else "successful"


def test_history_has_the_decree_lifetimes(history):
    assert len(history.dscs) >= 100 and len(history.generations) == 6
    for g in history.generations:
        c = x509.load_der_x509_certificate(g.csca.cert_der)
        years = (c.not_valid_after_utc - c.not_valid_before_utc).days / 365.25
        assert years <= 27.01  # CSCA certificate <= 27 years
        assert (g.key_period[1] - g.key_period[0]).days <= 5 * 366  # CSCA key <= 5 years
        bc = c.extensions.get_extension_for_class(x509.BasicConstraints).value
        ku = c.extensions.get_extension_for_class(x509.KeyUsage).value
        assert bc.ca and ku.key_cert_sign and ku.crl_sign
    for prev, g in zip(history.generations, history.generations[1:]):
        assert g.key_period[0] == prev.key_period[1]  # no gap, no overlap
        fwd = load_certificate(g.link_from_previous.cert_der)
        back = load_certificate(g.link_to_previous.cert_der)
        new, old = load_certificate(g.csca.cert_der), load_certificate(prev.csca.cert_der)
        assert (fwd.subject_key, fwd.ski, fwd.issuer_key, fwd.aki) == (new.subject_key, new.ski, old.subject_key, old.ski)
        assert (back.subject_key, back.ski, back.issuer_key, back.aki) == (old.subject_key, old.ski, new.subject_key, new.ski)
        assert fwd.is_ca and back.is_ca and "key_cert_sign" in fwd.key_usage
    for ds in history.dscs:
        g = history.generations[ds.generation - 1]
        assert g.key_period[0] <= ds.issued < g.key_period[1]
        d = load_certificate(ds.dsc.cert_der)
        start, end = d.private_key_usage_period
        assert 89 <= (end - start).days <= 92  # DS key <= 3 months
        assert (d.not_after - d.not_before).days <= 22 * 366  # DS certificate <= 22 years
    # generation 1 is exactly the CSCA of the cccd-2021 / cccd-2024 profiles
    assert history.generations[0].csca.cert_der == card_pki.make_vn_csca().cert_der


def test_population_through_links_old_to_new(history, population):
    store = _store_old_to_new(history)
    tally: Counter = Counter()
    for ds, files, signed in population:
        for when in (signed + dt.timedelta(days=1), min(signed.replace(year=signed.year + 15), LAST_CHECK)):
            got = _outcome(files, store, when)
            assert got == _expected(ds), (ds.number, ds.issued.date(), when.date(), got)
            tally[got] += 1
    assert tally["failed:DSC_REVOKED"] == 3 * 2 * 2 and tally["successful"] == (len(population) - 6) * 2


def test_population_through_links_new_to_old_at_signing_time(history, population):
    """Set up in 2046 with only the newest CSCA: old cards verify through the backward links."""
    store = _store_new_to_old(history)
    for ds, files, signed in population:
        assert _outcome(files, store, LAST_CHECK, "signing_time") == _expected(ds), ds.number


def test_now_after_2043_the_first_dscs_have_expired(history, population):
    """With the default time reference, a 2021 DSC (22 years) is expired in 2046 - the documented trade-off."""
    store = _store_new_to_old(history)
    when = dt.datetime(2046, 3, 1, tzinfo=UTC)
    ds, files, _ = population[0]
    assert ds.issued.year == 2021
    assert _outcome(files, store, when) == "failed:DSC_EXPIRED"


def test_without_links_later_generations_are_undetermined(history, population):
    store = TrustStore()
    store.add_csca(history.generations[0].csca.cert_der)
    for ds, files, signed in population[::9]:
        got = _outcome(files, store, signed + dt.timedelta(days=1), )
        if ds.generation == 1:
            assert got in ("successful", "failed:DSC_REVOKED")
        else:
            assert got == "undetermined:CSCA_NOT_FOUND", (ds.number, got)


def test_old_csca_key_before_the_end_of_its_usage_period_is_genuine(history):
    """The last DSC of generation 1 (2025-11) verified in 2040, long after the key retired."""
    ds = [d for d in history.dscs if d.generation == 1][-1]
    assert ds.issued < card_pki.VN_CSCA_KEY_USAGE[1] and ds.issued.year == 2025
    files = testpki.sample_data_groups(999, dg2_size=500)
    files["SOD"] = life.sign_card(ds.dsc, files, ds.issued + dt.timedelta(days=30), label="genuine-late")
    res = verify_passive(files, _store_old_to_new(history), Policy(at=dt.datetime(2040, 1, 1, tzinfo=UTC)))
    period = [c for c in res.checks if c.check == "passive.csca_key_period"]
    assert [c.verdict for c in period] == [Verdict.SUCCESSFUL] and "2026-01-21" in period[0].detail
    assert res.signer.trusted


@pytest.mark.parametrize("issued,generation", [
    (dt.datetime(2026, 3, 1, tzinfo=UTC), 1),  # the old key kept signing after 2026-01-21
    (dt.datetime(2025, 6, 1, tzinfo=UTC), 2),  # the new key signed before its period began
])
def test_dsc_outside_the_csca_key_period_fails(history, issued, generation):
    dsc = life.late_dsc(history, issued, generation=generation)
    files = testpki.sample_data_groups(7, dg2_size=500)
    files["SOD"] = life.sign_card(dsc, files, issued + dt.timedelta(days=5), label=f"late|{generation}")
    for store in (_store_old_to_new(history), _store_new_to_old(history)):
        res = verify_passive(files, store, Policy(at=issued + dt.timedelta(days=30)))
        period = [c for c in res.checks if c.check == "passive.csca_key_period"]
        assert len(period) == 1 and period[0].verdict is Verdict.FAILED
        assert period[0].reason is Reason.CSCA_KEY_USAGE_PERIOD and issued.date().isoformat() in period[0].detail
        # the rest of the chain is fine: the CSCA key really signed it, the flag is the period alone
        assert [c.verdict for c in res.checks if c.check == "passive.dsc_chain"] == [Verdict.SUCCESSFUL]
        assert not res.signer.trusted


def test_thousands_of_dscs_under_one_csca_keep_the_caches_bounded(history, monkeypatch):
    """2,000 DSCs under generation 1, caches capped at 256: bounded, and every answer still right."""
    monkeypatch.setattr(passive, "_CHAIN_CACHE_MAX", 256)
    passive._CHAIN_CACHE.clear()
    passive._DSC_CACHE.clear()
    gen1 = history.generations[0].csca
    issuer = x509.load_der_x509_certificate(gen1.cert_der)
    ds_key = card_pki.det.key_for("p256", "many-dscs")  # one key, many certificates: each DSC is distinct
    aki = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
        issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value)
    store = _store_old_to_new(history)
    when = dt.datetime(2026, 6, 1, tzinfo=UTC)
    policy = Policy(at=when)
    certs = []
    for i in range(2000):
        start = dt.datetime(2021, 2, 1, tzinfo=UTC) + dt.timedelta(hours=21 * i)  # all inside the key period
        b = (x509.CertificateBuilder().subject_name(card_pki.vn_name(f"DS Vietnam TEST bulk {i}"))
             .issuer_name(issuer.subject).public_key(ds_key.public_key()).serial_number(10_000 + i)
             .not_valid_before(start).not_valid_after(start + dt.timedelta(days=8000))
             .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
             .add_extension(aki, critical=False))
        certs.append(b.sign(gen1.key, card_pki.det.HASHES["sha384"]()).public_bytes(serialization.Encoding.DER))
    assert len(set(certs)) == 2000
    for round_ in range(2):
        for der in certs:
            checks, csca = passive.check_dsc(load_certificate(der), store, policy, when)
            assert csca is not None and all(c.verdict is Verdict.SUCCESSFUL for c in checks if c.check != "passive.revocation")
            assert len(passive._CHAIN_CACHE) <= 256 and len(passive._DSC_CACHE) <= 256
    # a forged twin (same name and serial, another key) is never served from the cache
    rogue = testpki.make_key("p384", label="rogue-csca")
    forged = x509.load_der_x509_certificate(certs[0])
    twin = (x509.CertificateBuilder().subject_name(forged.subject).issuer_name(forged.issuer)
            .public_key(ds_key.public_key()).serial_number(forged.serial_number)
            .not_valid_before(forged.not_valid_before_utc).not_valid_after(forged.not_valid_after_utc)
            .add_extension(aki, critical=False)).sign(rogue, card_pki.det.HASHES["sha384"]())
    checks, csca = passive.check_dsc(load_certificate(twin.public_bytes(serialization.Encoding.DER)), store, policy, when)
    assert csca is None and checks[0].verdict is Verdict.FAILED and checks[0].reason is Reason.DSC_SIGNATURE_INVALID
