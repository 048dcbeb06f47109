"""`cccd verify` over many dumps: folders, several paths, a stream on stdin, all cores."""

import json

import pytest

from cccd_chip.emulator.applet import Applet
from cccd_chip.emulator.card import VirtualCard
from cccd_chip.emulator.personalize import personalize
from cccd_chip.reader import Credential, read_document
from cccd_chip.transport.local import LocalTransport
from testsupport.cli import run_cccd_process


def cccd(*args, stdin=None):
    return run_cccd_process(*args, input=stdin)


@pytest.fixture(scope="module")
def dumps(tmp_path_factory):
    root = tmp_path_factory.mktemp("batch")
    card_dir = personalize("cccd-2021", 11, root / "card")
    card = VirtualCard.load(card_dir)
    folder = root / "dumps"
    for i in range(4):
        doc = read_document(LocalTransport(Applet(card)), Credential.from_cccd_id(card.secrets["id"]))
        doc.save(folder / (f"d{i}.json" if i % 2 else f"d{i}"))
    bad = json.loads((folder / "d1.json").read_text())
    dg1 = bytearray.fromhex(bad["files"]["DG1"])
    dg1[10] ^= 1
    bad["files"]["DG1"] = dg1.hex()
    (folder / "d3.json").write_text(json.dumps(bad))  # tampered
    return card_dir, folder


def test_folder_of_dumps_one_line_each_worst_exit(dumps):
    card_dir, folder = dumps
    r = cccd("verify", folder, "--csca", card_dir / "csca.pem", "--workers", 2)
    assert r.returncode == 1, r.stderr
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 4
    assert sum(": successful" in ln for ln in lines) == 3
    assert any(ln.startswith(str(folder / "d3.json")) and "DG_HASH_MISMATCH" in ln for ln in lines)
    assert "4 dumps: 3 successful, 1 failed" in r.stderr


def test_all_genuine_is_exit_0_and_json_summary(dumps):
    card_dir, folder = dumps
    r = cccd("verify", folder / "d0", folder / "d1.json", folder / "d2", "--csca", card_dir / "csca.pem", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["schema"] == "cccd-verify-batch/1" and out["count"] == 3
    assert out["summary"]["successful"] == 3 and len(out["results"]) == 3


def test_stream_on_stdin_with_a_malformed_line(dumps):
    card_dir, folder = dumps
    lines = [json.dumps(json.loads((folder / f).read_text())) for f in ("d1.json", "d3.json")] + ["not json"]
    r = cccd("verify", "--stream", "--jsonl", "--csca", card_dir / "csca.pem", "--workers", 1,
             stdin="\n".join(lines) + "\n")
    assert r.returncode == 1  # failed outranks malformed
    recs = [json.loads(ln) for ln in r.stdout.splitlines()]
    assert [x["source"] for x in recs] == ["stdin:1", "stdin:2", "stdin:3"]
    assert recs[0]["report"]["overall"] == "successful"
    assert recs[1]["report"]["overall"] == "failed"
    assert recs[2]["error"]["reason"] == "DUMP_FORMAT"
    r = cccd("verify", "--stream", "--csca", card_dir / "csca.pem", stdin="not json\n")
    assert r.returncode == 6 and "Traceback" not in r.stderr


def test_no_dump_is_a_usage_error():
    r = cccd("verify")
    assert r.returncode == 2
