"""`cccd inspect`: every file of a virtual card and of a dump, JSON schema, exit 6 for junk."""

import json
from pathlib import Path

import pytest

from cccd_chip.emulator.card import VirtualCard
from cccd_chip.emulator.personalize import personalize
from testsupport.cli import run_cccd_process


def cccd(*args):
    return run_cccd_process(*args, timeout=120)


@pytest.fixture(scope="module")
def card(tmp_path_factory):
    return personalize("cccd-2021", 4, tmp_path_factory.mktemp("insp") / "card")


def test_every_card_file_decodes(card):
    for f in sorted((card / "files").glob("*.bin")):
        r = cccd("inspect", f, "--json")
        assert r.returncode == 0, (f.name, r.stderr)
        out = json.loads(r.stdout)
        assert out["schema"] == "cccd-inspect/1"
        (desc,) = out["files"].values()
        assert "error" not in desc and desc["size"] == f.stat().st_size


def test_dg13_shows_vietnamese_fields(card):
    holder = VirtualCard.load(card).secrets
    r = cccd("inspect", card / "files" / "DG13.bin")
    assert r.returncode == 0
    assert holder["id"] in r.stdout and "Việt Nam" in r.stdout


def test_dump_and_junk(card, tmp_path):
    secrets = VirtualCard.load(card).secrets
    r = cccd("read", "--virtual", card, "--id", secrets["id"], "--out", tmp_path / "dump", "--json")
    assert r.returncode in (0, 3), r.stderr
    r = cccd("inspect", tmp_path / "dump", "--json")
    assert r.returncode == 0 and {"DG1", "DG2", "SOD"} <= set(json.loads(r.stdout)["files"])
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x61\x84\xff\xff\xff\xff" + b"\x00" * 10)
    r = cccd("inspect", junk)
    assert r.returncode == 6 and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines()[-1].startswith("cccd: malformed")
