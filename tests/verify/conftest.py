"""Generated PKI and documents for the verification tests (no emulator needed)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from cccd_chip.emulator import testpki
from cccd_chip.pki.trust_store import TrustStore
from cccd_chip.verify.passive import Policy

UTC = dt.timezone.utc
# a moment inside every generated validity period (DSC 2024..2036, CSCA 2024..2045)
INSIDE = dt.datetime(2027, 3, 1, tzinfo=UTC)
POLICY = Policy(at=INSIDE)

# (name, DSC key spec, SOD scheme)
SIGNER_PROFILES = [
    ("rsa2048-pss", "rsa2048", "pss"),
    ("rsa2048-pkcs1", "rsa2048", "pkcs1"),
    ("ecdsa-p256", "p256", "ecdsa"),
    ("ecdsa-bp256", "bp256", "ecdsa"),
    ("ecdsa-bp384", "bp384", "ecdsa"),
]


@dataclass
class PKI:
    csca: testpki.Issued
    dscs: dict[str, testpki.Issued]
    store: TrustStore

    def files(self, profile: str = "ecdsa-bp256", *, seed: int = 0, dg2_size: int = 2000, extra=None, **sod_options) -> dict[str, bytes]:
        _, _, scheme = next(p for p in SIGNER_PROFILES if p[0] == profile)
        files = testpki.sample_data_groups(seed, dg2_size=dg2_size)
        files.update(extra or {})
        files["SOD"] = testpki.make_sod(files, self.dscs[profile], scheme=scheme, **sod_options)
        return files


@pytest.fixture(scope="session")
def pki() -> PKI:
    csca = testpki.make_csca("VN", key_spec="bp384", seed=11)
    dscs = {name: testpki.make_dsc(csca, key_spec=spec, seed=11, serial=200 + i) for i, (name, spec, _) in enumerate(SIGNER_PROFILES)}
    store = TrustStore()
    store.add_csca(csca.cert_der)
    return PKI(csca, dscs, store)
