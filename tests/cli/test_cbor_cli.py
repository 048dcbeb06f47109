"""The CBOR dump form on the command line: ``read --out x.cbor``, ``verify``, ``inspect``, batches, archives.

Each command gives for a ``.cbor`` dump what it gives for the ``.json`` dump of the same read:
the same exit code (0 with the card's CSCA, 3 without one), the same report, the same inspect
listing; a folder of ``.cbor`` dumps is a batch like a folder of ``.json`` dumps, through click
and through the plain fast path (a real process); a ``.zip`` / ``.tar`` of ``.cbor`` members is an
archive. A refused ``.cbor`` dump is exit 6 with one line, never a traceback.
"""

from __future__ import annotations

import json
import tarfile
import zipfile
from pathlib import Path

import pytest

from cccd_chip.cbor_input import MAGIC
from cccd_chip.document import Document
from testsupport.cli import run_cccd_process

AT = "2026-06-01T00:00:00Z"


@pytest.fixture(scope="module")
def dumps(tmp_path_factory, cards):
    """``cccd read --virtual ... --out X.cbor`` of a CCCD and a passport (a real process), and the JSON
    form of the same read (``Document.save``): ``profile -> (card, X.json, X.cbor)``."""
    root = tmp_path_factory.mktemp("cbor-cli")
    out = {}
    for profile, cred in (("cccd-2021", "id"), ("passport-bac", "mrz")):
        card = cards.get(profile, 7)
        s = cards.secrets(card)
        args = ("--id", s["id"]) if cred == "id" else ("--doc", s["document_number"], "--dob", s["date_of_birth"],
                                                        "--doe", s["date_of_expiry"])
        cbor = root / f"{profile}.cbor"
        r = run_cccd_process("read", "--virtual", card, *args, "--out", cbor, "--csca", card / "csca.pem",
                             "--at", AT)
        assert r.returncode == 0, r.stderr
        out[profile] = (card, Document.load(cbor).save(root / f"{profile}.json"), cbor)
    return out


def test_read_out_cbor_writes_the_cbor_form(dumps):
    for card, j, c in dumps.values():
        raw = c.read_bytes()
        assert raw.startswith(MAGIC) and (c.stat().st_mode & 0o777) == 0o600
        assert Document.load(c) == Document.load(j)
        assert len(raw) < 0.6 * len(j.read_bytes())


def test_read_help_names_cbor(cccd):
    r = cccd("read", "--help")
    assert r.code == 0 and ".cbor" in r.out


@pytest.mark.parametrize("profile", ["cccd-2021", "passport-bac"])
def test_verify_cbor_as_json(cccd, dumps, profile):
    card, j, c = dumps[profile]
    for trust, code in ((("--csca", card / "csca.pem", "--crl", card / "csca.crl"), 0), ((), 3)):
        rj = cccd("verify", j, *trust, "--at", AT, "--json")
        rc = cccd("verify", c, *trust, "--at", AT, "--json")
        assert rj.code == rc.code == code, (rj.err, rc.err)
        a, b = rj.json(), rc.json()
        a.pop("dump", None), b.pop("dump", None)
        assert a == b


def test_inspect_cbor_as_json(cccd, dumps):
    _, j, c = dumps["cccd-2021"]
    rj, rc = cccd("inspect", j, "--json"), cccd("inspect", c, "--json")
    assert rj.code == rc.code == 0
    assert rj.json() == rc.json() and "DG2" in rc.json()["files"]


def _tampered(dump: Path, dest: Path) -> Path:
    doc = Document.load(dump)
    dg2 = bytearray(doc.files["DG2"])
    dg2[-100] ^= 0x01
    doc.with_file("DG2", bytes(dg2)).save(dest)
    return dest


def test_a_folder_of_cbor_dumps_is_a_batch(cccd, dumps, tmp_path):
    card, _, c = dumps["cccd-2021"]
    folder = tmp_path / "many"
    folder.mkdir()
    (folder / "a.cbor").write_bytes(c.read_bytes())
    _tampered(c, folder / "b.cbor")
    (folder / "c.json").write_bytes(dumps["cccd-2021"][1].read_bytes())
    (folder / "d.cbor").write_bytes(MAGIC + b"\xa1\x61a")  # truncated
    (folder / "notes.txt").write_text("not a dump")
    trust = ("--csca", card / "csca.pem", "--crl", card / "csca.crl", "--at", AT)
    r = cccd("verify", folder, *trust, "--workers", 1)
    lines = r.out.strip().splitlines()
    assert [ln.split(": ")[0].rsplit("/", 1)[-1] for ln in lines] == ["a.cbor", "b.cbor", "c.json", "d.cbor"]
    assert [ln.split(": ")[1].split()[0] for ln in lines] == ["successful", "failed", "successful", "error"]
    assert r.code == 1
    # the same through the plain fast path, in a real process
    p = run_cccd_process("verify", folder, *trust, "--workers", "1")
    assert p.returncode == 1 and p.stdout == r.out and "Traceback" not in p.stderr


def test_fast_path_one_cbor_dump(dumps):
    card, j, c = dumps["passport-bac"]
    trust = ("--csca", card / "csca.pem", "--crl", card / "csca.crl", "--at", AT)
    pj, pc = run_cccd_process("verify", j, *trust), run_cccd_process("verify", c, *trust)
    assert pj.returncode == pc.returncode == 0 and pj.stdout == pc.stdout


def test_refused_cbor_is_exit_6_one_line(cccd, dumps, tmp_path):
    _, _, c = dumps["cccd-2021"]
    bad = tmp_path / "bad.cbor"
    bad.write_bytes(c.read_bytes() + b"\x00")
    r = cccd("verify", bad)
    assert r.code == 6 and "CBOR" in r.err and "Traceback" not in r.err
    p = run_cccd_process("verify", bad)
    assert p.returncode == 6 and "Traceback" not in p.stderr and len(p.stderr.strip().splitlines()) == 1


def _result_ids_verdicts(out: str) -> list[tuple[str, str]]:
    return [(ln["id"], ln["verdict"]) for ln in map(json.loads, out.strip().splitlines())]


def test_zip_and_tar_of_cbor_members(dumps, tmp_path):
    card, j, c = dumps["cccd-2021"]
    tampered = _tampered(c, tmp_path / "t.cbor")
    z = tmp_path / "dumps.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(c, "x/a.cbor")
        zf.write(tampered, "x/b.cbor")
        zf.write(j, "x/c.json")
        zf.writestr("x/d.cbor", b"{}")  # JSON in a .cbor member: the content decides, and it is no dump
    t = tmp_path / "dumps.tar"
    with tarfile.open(t, "w") as tf:
        tf.add(c, "y/a.cbor")
        tf.add(tampered, "y/b.cbor")
    trust = ("--csca", card / "csca.pem", "--crl", card / "csca.crl", "--at", AT)
    r = run_cccd_process("verify", z, t, *trust, "--engine", "process", "--workers", "1")
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert _result_ids_verdicts(r.stdout) == [
        (f"{z}!x/a.cbor", "successful"), (f"{z}!x/b.cbor", "failed"), (f"{z}!x/c.json", "successful"),
        (f"{z}!x/d.cbor", "error"), (f"{t}!y/a.cbor", "successful"), (f"{t}!y/b.cbor", "failed")]
