"""Verification policy on the command line: --require-crl, --revocation, --time-reference,
--require-key-usage, --legacy-content-type on `cccd verify`, `cccd read` and `cccd trace replay`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from cccd_chip.document import AccessInfo, Document
from cccd_chip.emulator import testpki
from cccd_chip.verify.passive import Policy
from host_cli.main import make_policy

UTC = dt.timezone.utc
INSIDE = "2027-03-01T00:00:00Z"
LATE = "2037-01-01T00:00:00Z"  # after the DSC's notAfter (2036-01-01)
TRACES = Path(__file__).resolve().parents[2] / "test_vectors" / "traces"


@pytest.fixture(scope="module")
def dump(tmp_path_factory):
    """A genuine document dump signed 2025-05-05, its CSCA, and a CRL that does not list its DSC."""
    root = tmp_path_factory.mktemp("policy")
    csca = testpki.make_csca("VN", key_spec="p256", seed=61)
    dsc = testpki.make_dsc(csca, key_spec="p256", seed=61)
    files = testpki.sample_data_groups(61, dg2_size=300)
    files["SOD"] = testpki.make_sod(files, dsc, signing_time=dt.datetime(2025, 5, 5, tzinfo=UTC))
    Document(files=files, access=AccessInfo("PACE", "CAN"), read_at="2027-03-01T00:00:00Z").save(root / "d")
    (root / "csca.pem").write_bytes(csca.pem)
    (root / "csca.crl").write_bytes(testpki.make_crl(csca, [1]))
    return root


def _checks(run, name):
    return [c for c in run.json()["checks"] if c["check"] == name]


def test_require_crl_makes_a_missing_crl_undetermined(cccd, dump):
    base = ["verify", dump / "d", "--csca", dump / "csca.pem", "--at", INSIDE, "--json"]
    r = cccd(*base)
    assert r.code == 0 and _checks(r, "passive.revocation")[0]["verdict"] == "not_supported"
    for flag in (["--require-crl"], ["--revocation", "require"]):
        r = cccd(*base, *flag)
        (c,) = _checks(r, "passive.revocation")
        assert (r.code, c["verdict"], c["reason"], r.json()["overall"]) == (3, "undetermined", "CRL_MISSING", "undetermined")
    r = cccd(*base, "--require-crl", "--crl", dump / "csca.crl")
    assert r.code == 0 and _checks(r, "passive.revocation")[0]["verdict"] == "successful"


def test_revocation_off_and_contradictions(cccd, dump):
    r = cccd("verify", dump / "d", "--csca", dump / "csca.pem", "--at", INSIDE, "--revocation", "off", "--json")
    assert r.code == 0 and _checks(r, "passive.revocation") == []
    r = cccd("verify", dump / "d", "--csca", dump / "csca.pem", "--require-crl", "--revocation", "off")
    assert r.code == 2 and "--require-crl" in r.err
    r = cccd("verify", dump / "d", "--revocation", "sometimes")
    assert r.code == 2


def test_time_reference(cccd, dump):
    base = ["verify", dump / "d", "--csca", dump / "csca.pem", "--at", LATE, "--json"]
    r = cccd(*base)
    assert (r.code, _checks(r, "passive.validity")[0]["reason"]) == (1, "DSC_EXPIRED")
    for ref in ("signing-time", "read-time"):
        r = cccd(*base, "--time-reference", ref)
        assert (r.code, _checks(r, "passive.validity")[0]["verdict"]) == (0, "successful"), ref


@pytest.mark.parametrize("alias", ["RKS", "RKS=KOS", "=KS", "R1S=KS"])
def test_country_alias_must_be_code_equals_country(cccd, dump, alias):
    r = cccd("verify", dump / "d", "--csca", dump / "csca.pem", "--country-alias", alias)
    assert r.code == 2 and "--country-alias" in r.err


def test_legacy_content_type_must_be_an_oid(cccd, dump):
    r = cccd("verify", dump / "d", "--csca", dump / "csca.pem", "--legacy-content-type", "not-an-oid")
    assert r.code == 2
    r = cccd("verify", dump / "d", "--csca", dump / "csca.pem", "--at", INSIDE, "--legacy-content-type", "1.3.27.1.1.1")
    assert r.code == 0


def test_make_policy_maps_every_option():
    at = dt.datetime(2030, 1, 1, tzinfo=UTC)
    p = make_policy(at, {"require_crl": True, "time_reference": "signing-time", "require_key_usage": True,
                         "legacy_content_types": ("1.3.27.1.1.1",)})
    assert p == Policy(at=at, time_reference="signing_time", revocation="require", require_key_usage=True,
                       legacy_content_types=frozenset({"1.3.27.1.1.1"}))
    assert make_policy(None, {}) == Policy()
    assert make_policy(None, {"country_aliases": ("rks=ks", "GBR=BM")}).country_aliases == frozenset({("RKS", "KS"), ("GBR", "BM")})
    assert make_policy(None, {"revocation": "off"}).revocation == "off"


def _case(name: str) -> dict:
    return json.loads((TRACES / f"{name}.case.json").read_text())


def test_trace_replay_and_read_take_the_policy(cccd):
    spec = _case("cccd-2021-pace-gm")
    args = ["trace", "replay", TRACES / f"{spec['case']}.jsonl", *spec["args"], "--csca", TRACES / spec["csca"],
            "--at", spec["at"], "--json"]
    r = cccd(*args)
    assert r.code == 0
    r = cccd(*args, "--require-crl")
    (c,) = _checks_read(r, "passive.revocation")
    assert (r.code, c["verdict"], c["reason"]) == (3, "undetermined", "CRL_MISSING")
    r = cccd("read", "--replay", TRACES / f"{spec['case']}.jsonl", *spec["args"], "--csca", TRACES / spec["csca"],
             "--at", spec["at"], "--require-crl", "--json")
    assert r.code == 3 and _checks_read(r, "passive.revocation")[0]["reason"] == "CRL_MISSING"


def _checks_read(run, name):
    return [c for c in run.json()["verification"]["checks"] if c["check"] == name]
