"""`cccd personalize --quirk` and reading such a card with `cccd read --virtual` (exit codes as documented)."""

from __future__ import annotations

import json

from testsupport.cli import run_cccd


def _run(capsys, *args):
    r = run_cccd(capsys, *args)
    return r.code, r.out, r.err


def test_help_lists_the_quirks(capsys):
    code, out, _ = _run(capsys, "personalize", "--help")
    assert code == 0
    flat = " ".join(out.split())
    for name in ("sod-ber", "ssc-counts-bare-errors", "short-reads:N", "dg15-negative-modulus"):
        assert name.replace("-", "") in flat.replace("-", "").replace(" ", "")


def test_unknown_or_unfit_quirk_is_a_usage_error(capsys, tmp_path):
    code, _, err = _run(capsys, "personalize", "--quirk", "nope", "--out", tmp_path / "a")
    assert code == 2 and "unknown quirk" in err
    code, _, err = _run(capsys, "personalize", "--profile", "passport-bac", "--quirk", "dg3-6982", "--out", tmp_path / "b")
    assert code == 2 and "DG3" in err


def test_quirky_card_reads_successful_and_its_twin_fails(capsys, tmp_path):
    for faults, expected in (((), 0), (("--fault", "sod-signature-broken"), 1)):
        d = tmp_path / f"card{len(faults)}"
        code, _, _ = _run(capsys, "personalize", "--quirk", "sod-ber", "--quirk", "sid-rdn-reordered",
                          "--quirk", "short-reads:60", *faults, "--out", d)
        assert code == 0
        card = json.loads((d / "card.json").read_text())
        assert [q["name"] for q in card["quirks"]] == ["sod-ber", "sid-rdn-reordered", "short-reads"]
        code, out, _ = _run(capsys, "read", "--virtual", d, "--can", card["secrets"]["can"],
                            "--csca", d / "csca.pem", "--at", "2026-06-01T00:00:00Z", "--json")
        assert code == expected, out[-400:]
        report = json.loads(out)
        reasons = json.dumps(report)
        if expected == 0:
            assert "SIGNER_ID_MISMATCH" in reasons
