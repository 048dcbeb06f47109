"""Shared test PKI and helpers for the field-quirk tests (docs/field-quirks.md)."""

from __future__ import annotations

import datetime as dt

from cccd_chip.pki import testpki
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
