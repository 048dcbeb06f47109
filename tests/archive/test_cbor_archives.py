"""The CBOR dump form in archives (docs/archive.md): ``.cbor`` files in folder trees, ``.cbor`` members of
``.zip`` / ``.tar``, a ``.cbor`` file given alone; stream lines (``.jsonl``) stay JSON only.

Scanning and loading in-process (``source.iter_refs``, ``loader.load``: the digest is the one of the
bytes as stored, the Document the JSON form's), then a run of the archive engine in a real process.
"""

from __future__ import annotations

import hashlib
import os
import tarfile
import zipfile
from pathlib import Path

import pytest

from cccd_chip.archive import loader
from cccd_chip.archive.source import iter_refs
from cccd_chip.document import Document
from cccd_chip.errors import DumpFormatError
from testsupport.cards import read_with_trust

from .conftest import AT, cccd, result_lines


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """One read saved in both single-file forms, a tampered CBOR twin, and the card's trust options."""
    root = tmp_path_factory.mktemp("cbor-archive")
    doc, _ = read_with_trust(root, "passport-pace-cam", 4)
    dg2 = bytearray(doc.files["DG2"])
    dg2[-100] ^= 0x01
    return (doc, doc.save(root / "d.json"), doc.save(root / "d.cbor"),
            doc.with_file("DG2", bytes(dg2)).save(root / "t.cbor"), ("--csca", str(root / "card" / "csca.pem")))


def _load_all(paths) -> list[tuple[str, str, object]]:
    out = []
    for ref in iter_refs(paths):
        digest, doc = loader.load(ref)
        out.append((ref.id, digest, doc))
    return out


def test_folder_tree_zip_and_tar_hold_cbor_dumps(pair, tmp_path):
    doc, j, c, t, _ = pair
    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "a.cbor").write_bytes(c.read_bytes())
    (tree / "sub" / "b.json").write_bytes(j.read_bytes())
    (tree / "sub" / "c.CBOR").write_bytes(c.read_bytes())
    (tree / ".hidden.cbor").write_bytes(b"")
    (tree / "notes.bin").write_bytes(c.read_bytes())  # not a dump name
    os.symlink(tree / "a.cbor", tree / "link.cbor")
    z = tmp_path / "d.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(c, "p/a.cbor")
        zf.write(j, "p/b.json")
    tar = tmp_path / "d.tar"
    with tarfile.open(tar, "w") as tf:
        tf.add(c, "q/a.cbor")
    loaded = _load_all([tree, z, tar, c])
    assert [Path(i).name if "!" not in i else i.split("!")[1] for i, _, _ in loaded] == [
        "a.cbor", "link.cbor", "b.json", "c.CBOR", "p/a.cbor", "p/b.json", "q/a.cbor", "d.cbor"]
    digest_c, digest_j = hashlib.sha256(c.read_bytes()).hexdigest(), hashlib.sha256(j.read_bytes()).hexdigest()
    for ident, digest, got in loaded:
        if ident.endswith("link.cbor"):
            assert digest is None and isinstance(got, DumpFormatError)  # symbolic links are never followed
            continue
        assert got == doc, ident
        assert digest == (digest_j if ident.endswith(".json") else digest_c)


def test_stream_lines_stay_json(pair, tmp_path):
    doc, j, _, _, _ = pair
    small = Document(files={"DG1": b"\x61\x00"}, source="s").to_cbor_bytes()  # a CBOR dump on one line
    assert b"\n" not in small and Document.from_bytes(small).source == "s"
    stream = tmp_path / "s.jsonl"
    stream.write_bytes(j.read_bytes().replace(b"\n", b"") + b"\n" + small + b"\n")
    loaded = _load_all([stream])
    assert len(loaded) == 2 and loaded[0][2] == doc
    assert isinstance(loaded[1][2], DumpFormatError) and "JSON" in str(loaded[1][2])


def test_engine_run_over_cbor_members(pair, tmp_path):
    _, j, c, t, trust = pair
    z = tmp_path / "d.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(c, "a.cbor")
        zf.write(t, "b.cbor")
        zf.writestr("c.cbor", c.read_bytes()[:-1])
    r = cccd("verify", z, *trust, "--at", AT, "--engine", "process", "--workers", 1)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert [(ln["id"].split("!")[1], ln["verdict"]) for ln in result_lines(r.stdout)] == [
        ("a.cbor", "successful"), ("b.cbor", "failed"), ("c.cbor", "error")]
