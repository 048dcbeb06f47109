"""`cccd read --terminal-chain DIR --terminal-key KEY` (docs/eac.md), `cccd inspect` of CV certificates
and EF.CVCA, the EAC faults in `cccd personalize --help`; the terminal key never reaches an output."""

from __future__ import annotations

import json
import logging
import shutil

from cryptography.hazmat.primitives import serialization


def _args(card, *extra):
    secrets = json.loads((card / "card.json").read_text())["secrets"]
    return ["read", "--virtual", card, "--id", secrets["id"], "--csca", card / "csca.pem", "--json", *extra]


def _chain(card):
    return ["--terminal-chain", card / "eac" / "chain", "--terminal-key", card / "eac" / "is_key.pem"]


def _dg3(out: dict) -> dict:
    rep = out["verification"] if "verification" in out else out
    return next(c for c in rep["checks"] if c["check"] == "passive.dg_hash" and c.get("subject") == "DG3")


def test_read_with_the_card_sets_chain_reads_dg3(cccd, cards, tmp_path, caplog):
    card = cards.get("cccd-2021", 7)
    with caplog.at_level(logging.DEBUG):
        r = cccd(*_args(card, *_chain(card), "--out", tmp_path / "dump", "-v"))
    assert r.code == 0, r.err
    out = r.json()
    assert (_dg3(out)["verdict"], _dg3(out)["reason"]) == ("successful", "OK")
    assert out["evidence"]["ta"]["outcome"] == "successful"
    assert (tmp_path / "dump" / "DG3.bin").exists()
    # the terminal's private key never reaches an output, a dump or a log
    key = serialization.load_pem_private_key((card / "eac" / "is_key.pem").read_bytes(), None)
    scalar = f"{key.private_numbers().private_value:064X}"
    blob = r.out + r.err + caplog.text + "".join(p.read_text(errors="replace") for p in (tmp_path / "dump").iterdir())
    assert scalar not in blob.upper() and "PRIVATE KEY" not in blob
    # re-verified from the dump: the DG3 hash again, the TA record as it was
    v = cccd("verify", tmp_path / "dump", "--csca", card / "csca.pem", "--json")
    assert v.code == 0 and _dg3(v.json())["verdict"] == "successful"


def test_without_chain_and_with_failing_chains(cccd, cards, tmp_path):
    card = cards.get("cccd-2021", 7)
    r = cccd(*_args(card))
    assert r.code == 0 and (_dg3(r.json())["verdict"], _dg3(r.json())["reason"]) == ("not_supported", "DG_EAC_PROTECTED")
    for fault, reason in (("ta-dv-no-dg3", "TA_RIGHTS_INSUFFICIENT"), ("ta-is-expired", "TA_CHAIN_INVALID"),
                          ("ta-wrong-car", "TA_CHAIN_INVALID")):
        c = cards.get("cccd-2021", 7, fault)
        r = cccd(*_args(c, *_chain(c)))
        assert r.code == 0, (fault, r.err)
        assert (_dg3(r.json())["verdict"], _dg3(r.json())["reason"]) == ("not_supported", reason), fault
    # a forged IS certificate the host cannot check (no CVCA certificate in the folder): the chip says 6300
    forged = tmp_path / "forged"
    shutil.copytree(card / "eac" / "chain", forged)
    (forged / "cvca.cvcert").unlink()
    raw = (forged / "is.cvcert").read_bytes()
    (forged / "is.cvcert").write_bytes(raw[:-1] + bytes([raw[-1] ^ 1]))
    r = cccd(*_args(card, "--terminal-chain", forged, "--terminal-key", card / "eac" / "is_key.pem"))
    assert r.code == 0 and _dg3(r.json())["reason"] == "TA_REFUSED"
    assert r.json()["evidence"]["ta"]["sw"] == "6300"


def test_usage_errors_exit_2(cccd, cards, tmp_path):
    card = cards.get("cccd-2021", 7)
    assert cccd(*_args(card, "--terminal-chain", card / "eac" / "chain")).code == 2
    assert cccd(*_args(card, "--terminal-chain", tmp_path / "none", "--terminal-key", card / "eac" / "is_key.pem")).code == 2
    junk = tmp_path / "junk.pem"
    junk.write_text("not a key")
    r = cccd(*_args(card, "--terminal-chain", card / "eac" / "chain", "--terminal-key", junk))
    assert r.code == 2 and "junk.pem" in r.err


def test_inspect_cvc_and_ef_cvca(cccd, cards, tmp_path):
    card = cards.get("cccd-2021", 7)
    r = cccd("inspect", card / "eac" / "chain" / "dv.cvcert", "--json")
    assert r.code == 0
    (desc,) = r.json()["files"].values()
    assert desc["fields"]["kind"] == "DV" and desc["fields"]["chr"] == "VNTESTDV00001"
    r = cccd("inspect", card / "files" / "CVCA.bin")
    assert r.code == 0 and "VNTESTCVCA00001" in r.out
    bad = tmp_path / "bad.cvcert"
    bad.write_bytes((card / "eac" / "chain" / "dv.cvcert").read_bytes()[:-20])
    assert cccd("inspect", bad).code == 6


def test_personalize_help_lists_eac_faults(cccd):
    r = cccd("personalize", "--help")
    assert r.code == 0
    for name in ("ta-is-expired", "ta-wrong-car", "ta-dv-no-dg3", "ta-skipped"):
        assert name in r.out
