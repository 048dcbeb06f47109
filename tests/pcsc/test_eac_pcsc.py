"""Terminal Authentication over the real PC/SC stack (our pcscd + vpcd, serialised on the pcsc lock):
the same read as in-process, DG3 read after TA v1 and its hash verified, from the library and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cccd_chip.access.ta import Terminal
from cccd_chip.emulator.applet import Applet
from cccd_chip.emulator.card import VirtualCard
from cccd_chip.emulator.determinism import Drbg
from cccd_chip.emulator.personalize import personalize
from cccd_chip.emulator.vpcd import READER_NAME
from cccd_chip.reader import Credential, ReadOptions, read_document
from cccd_chip.transport.local import LocalTransport
from cccd_chip.transport.pcsc import PcscTransport

CCCD = Path(sys.executable).with_name("cccd")


@pytest.fixture(scope="module")
def card_dir(tmp_path_factory):
    return personalize("cccd-2021", 5, tmp_path_factory.mktemp("pcsc-eac") / "card")


def test_ta_and_dg3_over_pcscd_equal_in_process(card_dir, emulate):
    card = VirtualCard.load(card_dir)
    term = Terminal.load(card_dir / "eac" / "chain", card_dir / "eac" / "is_key.pem")
    opts = ReadOptions(terminal=term)
    cred = Credential.from_cccd_id(card.secrets["id"])
    emulate(card_dir)
    with PcscTransport(READER_NAME) as t:
        doc = read_document(t, cred, rng=Drbg("pcsc-eac"), options=opts)
    local = read_document(LocalTransport(Applet(card)), cred, rng=Drbg("pcsc-eac"), options=opts)
    assert doc.files["DG3"] == (card_dir / "files" / "DG3.bin").read_bytes()
    assert doc.files == local.files and doc.absent == local.absent
    assert doc.evidence.ta == local.evidence.ta and doc.evidence.ta["outcome"] == "successful"


def test_cli_over_pcscd_reads_dg3(card_dir, emulate):
    card = VirtualCard.load(card_dir)
    emulate(card_dir)
    r = subprocess.run([str(CCCD), "read", "--reader", "0", "--id", card.secrets["id"], "--json",
                        "--csca", str(card_dir / "csca.pem"), "--terminal-chain", str(card_dir / "eac" / "chain"),
                        "--terminal-key", str(card_dir / "eac" / "is_key.pem")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    dg3 = next(c for c in out["verification"]["checks"] if c["check"] == "passive.dg_hash" and c.get("subject") == "DG3")
    assert (dg3["verdict"], dg3["reason"]) == ("successful", "OK")
    assert out["evidence"]["ta"]["sent"] == ["VNTESTCVCA00002", "VNTESTDV00001", "VNTESTIS00001"]
