"""Shared test PKI and helpers for the field-quirk tests (docs/field-quirks.md)."""

from __future__ import annotations

import datetime as dt

from cccd_chip.emulator import testpki
from cccd_chip.pki.trust_store import TrustStore
from cccd_chip.verify.passive import Policy, verify_passive
from cccd_chip.verify.report import Verdict

AT = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc)
POLICY = Policy(at=AT)
CSCA = testpki.make_csca("VN", key_spec="p256", seed=11)
DSC = testpki.make_dsc(CSCA, key_spec="p256", seed=11)
FILES = testpki.sample_data_groups(11, dg2_size=700)


def store(*cscas) -> TrustStore:
    ts = TrustStore()
    for c in cscas or (CSCA,):
        ts.add_csca(c.cert_der)
    return ts


def passive(files: dict, ts: TrustStore | None = None):
    return verify_passive(files, ts or store(), POLICY)


def verdict_of(result, check: str, subject: str | None = None) -> tuple[Verdict, str]:
    for c in result.checks:
        if c.check == check and (subject is None or c.subject == subject):
            return c.verdict, c.reason.value
    raise AssertionError(f"no {check} check in {[c.check for c in result.checks]}")


def trusted(result) -> bool:
    """PA passed: signer + chain verified and every DG hash successful."""
    return result.signer.trusted and all(
        c.verdict is Verdict.SUCCESSFUL for c in result.checks if c.check == "passive.dg_hash"
    )


def flip(data: bytes, pos: int) -> bytes:
    b = bytearray(data)
    b[pos] ^= 0x01
    return bytes(b)


def negative_rsa_spki(spki_der: bytes) -> bytes:
    """The same RSA SubjectPublicKeyInfo with the modulus DER-encoded as a negative INTEGER
    (its leading 00 dropped): what some issuers wrote into DG15 (issue 11 defect 3)."""
    from cccd_chip.lds._der import children, der, der_seq

    _, _, vs, ve = children(spki_der, 0, len(spki_der))[0]
    alg, bits = children(spki_der, vs, ve)
    key = spki_der[bits[2] + 1 : bits[3]]
    _, _, ks, ke = children(key, 0, len(key))[0]
    n, e = children(key, ks, ke)
    modulus = key[n[2] : n[3]]
    assert modulus[0] == 0 and modulus[1] & 0x80, "modulus must need its leading 00"
    rsa_key = der_seq(der(0x02, modulus[1:]) + key[e[1] : e[3]])
    return der_seq(spki_der[alg[1] : alg[3]] + der(0x03, b"\x00" + rsa_key))


def read_and_verify(tmp_path, profile: str, quirks=(), faults=(), seed: int = 3, options=None):
    """Personalise a virtual card with ``quirks``/``faults``, read it in-process, verify it.

    Returns (report, document, read stats)."""
    from cccd_chip.emulator.applet import Applet
    from cccd_chip.emulator.card import VirtualCard
    from cccd_chip.emulator.determinism import Drbg
    from cccd_chip.emulator.personalize import personalize
    from cccd_chip.pki.trust_store import trust_store_from
    from cccd_chip.reader import Credential, ReadOptions, ReadStats, read_document
    from cccd_chip.transport.local import LocalTransport
    from cccd_chip.verify.document_check import verify_document

    name = "-".join([profile, *quirks, *faults]).replace(":", "_")
    d = personalize(profile, seed, tmp_path / name, faults=faults, quirks=quirks)
    card = VirtualCard.load(d)
    s = card.secrets
    cred = Credential(s.get("can"), s["document_number"], s["date_of_birth"], s["date_of_expiry"])
    stats = ReadStats()
    doc = read_document(LocalTransport(Applet(card)), cred, rng=Drbg("quirk-host"),
                        options=options or ReadOptions(), stats=stats)
    crls = [d / "csca.crl"] if (d / "csca.crl").exists() else []
    store = trust_store_from([d / "csca.pem"], crls=crls)
    return verify_document(doc, store, policy=POLICY), doc, stats


def warnings_of(report) -> set[str]:
    """Reasons other than OK on checks that are successful / not_supported."""
    return {c.reason.value for c in report.checks if c.reason.value != "OK" and c.verdict.value in ("successful", "not_supported")}


def problems_of(report) -> list[str]:
    return [f"{c.check} {c.subject} {c.verdict.value} {c.reason.value}" for c in report.checks
            if c.verdict.value in ("failed", "undetermined", "aborted")]
