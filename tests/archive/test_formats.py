"""Archive formats and hostile archives: folder tree, .jsonl, .zip, .tar (read as data, bounded)."""

from __future__ import annotations

import io
import json
import os
import tarfile
import zipfile
from pathlib import Path

import pytest

from cccd_chip.archive import loader, source
from cccd_chip.archive.source import iter_refs
from cccd_chip.document import Document

from .conftest import AT, cccd, result_lines, summary_of, tamper, without_time


@pytest.fixture(scope="module")
def pieces(archive_set, tmp_path_factory):
    """Genuine dumps of two profiles, a tampered one, a malformed one, as bytes and as a dump folder."""
    root = tmp_path_factory.mktemp("formats")
    good = [archive_set.genuine["cccd-2021"][0], archive_set.genuine["passport-bac"][1]]
    folder = root / "folder-dump"
    Document.from_json_bytes(good[0]).save(folder)
    return root, good, tamper(good[1]), b"{not json", folder


def _add_folder_to_zip(zf: zipfile.ZipFile, folder: Path, prefix: str) -> None:
    for f in sorted(folder.iterdir()):
        zf.write(f, prefix + f.name)


def _set_encrypted_flag(path: Path, name: bytes) -> None:
    """Set bit 0 (encrypted) of a member's flags in its local and central headers (APPNOTE 4.4.4)."""
    data = bytearray(path.read_bytes())
    for sig, flags_at, name_at in ((b"PK\x03\x04", 6, 30), (b"PK\x01\x02", 8, 46)):
        i = data.find(sig)
        while i >= 0:
            if data[i + name_at:i + name_at + len(name)] == name:
                data[i + flags_at] |= 0x01
            i = data.find(sig, i + 4)
    path.write_bytes(bytes(data))


def _verdicts(r) -> dict[str, str]:
    return {ln["id"]: ln["verdict"] for ln in result_lines(r.stdout)}


def test_folder_tree_in_name_order_links_not_followed(archive_set, pieces, tmp_path):
    root, good, bad, junk, folder = pieces
    tree = tmp_path / "tree"
    (tree / "b" / "deep").mkdir(parents=True)
    (tree / "a.json").write_bytes(good[0])
    (tree / "b" / "deep" / "c.json").write_bytes(bad)
    (tree / "b" / "junk.json").write_bytes(junk)
    (tree / ".half-written.json").write_bytes(b"{")
    (tree / "notes.txt").write_text("not a dump")
    os.symlink(tree / "a.json", tree / "link.json")
    Document.from_json_bytes(good[1]).save(tree / "d")
    r = cccd("verify", tree, *archive_set.trust, "--at", AT, "--engine", "process", "--workers", 1)
    assert r.returncode == 1, r.stderr
    lines = result_lines(r.stdout)
    assert [Path(ln["id"]).relative_to(tree).as_posix() for ln in lines] == [
        "a.json", "b/deep/c.json", "b/junk.json", "d", "link.json"]
    assert [ln["verdict"] for ln in lines] == ["successful", "failed", "error", "successful", "error"]
    assert lines[4]["message"] == "symbolic link not followed" and lines[4]["digest"] is None
    assert summary_of(r.stderr)["engine"] == "process"


def test_zip_with_json_members_folder_dumps_and_hostile_members(archive_set, pieces, tmp_path):
    root, good, bad, junk, folder = pieces
    z = tmp_path / "dumps.zip"
    with zipfile.ZipFile(z, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("x/good.json", good[0])
        zf.writestr("x/bad.json", bad)
        zf.writestr("junk.json", junk)
        zf.writestr("../escape.json", good[0])
        zf.writestr("/abs.json", good[0])
        zf.writestr("locked.json", good[0])
        _add_folder_to_zip(zf, folder, "f/")
        zf.writestr("readme.txt", "ignored")
    _set_encrypted_flag(z, b"locked.json")
    r = cccd("verify", z, *archive_set.trust, "--at", AT, "--engine", "process", "--workers", 1)
    assert r.returncode == 1, r.stderr
    v = _verdicts(r)
    assert v == {f"{z}!x/good.json": "successful", f"{z}!x/bad.json": "failed", f"{z}!junk.json": "error",
                 f"{z}!../escape.json": "error", f"{z}!/abs.json": "error", f"{z}!locked.json": "error",
                 f"{z}!f/": "successful"}
    msgs = {ln["id"]: ln.get("message") for ln in result_lines(r.stdout)}
    assert "path traversal" in msgs[f"{z}!../escape.json"] and "absolute" in msgs[f"{z}!/abs.json"]
    assert msgs[f"{z}!locked.json"] == "encrypted zip member"


def test_tar_members_by_offset_links_refused(archive_set, pieces, tmp_path):
    root, good, bad, junk, folder = pieces
    t = tmp_path / "dumps.tar"
    with tarfile.open(t, "w") as tf:
        for name, data in (("good.json", good[1]), ("sub/bad.json", bad), ("junk.json", junk)):
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            tf.addfile(ti, io.BytesIO(data))
        tf.add(folder, arcname="fd")
        link = tarfile.TarInfo("link.json")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        tf.addfile(link)
    r = cccd("verify", t, *archive_set.trust, "--at", AT, "--engine", "process", "--workers", 2)
    assert r.returncode == 1, r.stderr
    assert _verdicts(r) == {f"{t}!good.json": "successful", f"{t}!sub/bad.json": "failed",
                            f"{t}!junk.json": "error", f"{t}!fd/": "successful", f"{t}!link.json": "error"}


def test_same_dump_same_digest_in_every_container(archive_set, pieces, tmp_path):
    root, good, bad, junk, folder = pieces
    (tmp_path / "one.json").write_bytes(good[0])
    (tmp_path / "s.jsonl").write_bytes(good[0] + b"\r\n\n" + junk + b"\n")
    with zipfile.ZipFile(tmp_path / "z.zip", "w") as zf:
        zf.writestr("one.json", good[0])
    r = cccd("verify", tmp_path / "one.json", tmp_path / "s.jsonl", tmp_path / "z.zip", *archive_set.trust,
             "--at", AT, "--engine", "process", "--workers", 1)
    lines = result_lines(r.stdout)
    assert [ln["id"].rsplit(os.sep, 1)[-1] for ln in lines] == ["one.json", "s.jsonl:1", "s.jsonl:3", "z.zip!one.json"]
    assert len({lines[i]["digest"] for i in (0, 1, 3)}) == 1  # the blank line 2 is no dump
    assert lines[2]["verdict"] == "error"


def test_process_and_dask_engines_agree(archive_set, pieces, tmp_path):
    root, good, bad, junk, folder = pieces
    s = tmp_path / "s.jsonl"
    s.write_bytes(b"\n".join([good[0], bad, junk, good[1]] * 10) + b"\n")
    args = ("verify", s, *archive_set.trust, "--at", AT, "--batch-size", 3)
    a = cccd(*args, "--engine", "process")
    b = cccd(*args, "--engine", "dask", "--workers", 1)
    assert a.returncode == b.returncode == 1, b.stderr
    assert without_time(result_lines(a.stdout)) == without_time(result_lines(b.stdout))
    assert "Dask local cluster: 1 workers, dashboard http://127.0.0.1:" in b.stderr


def test_oversized_line_and_member_are_error_results(archive_set, tmp_path, monkeypatch):
    monkeypatch.setattr(source, "MAX_DUMP_BYTES", 1000)
    s = tmp_path / "s.jsonl"
    s.write_bytes(b"x" * 5000 + b"\n" + b"{}\n")
    refs = list(iter_refs([s]))
    assert [(r.id.rsplit(":", 1)[-1], r.problem) for r in refs] == [("1", "dump is too large"), ("2", "")]
    assert refs[1].offset == 5001 and refs[1].size == 3
    z = tmp_path / "z.zip"
    with zipfile.ZipFile(z, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("bomb.json", b"0" * 100_000)
    assert [r.problem for r in iter_refs([z])] == ["dump is too large"]


def test_loader_bounds_reads_when_a_header_lies(tmp_path, monkeypatch):
    z = tmp_path / "z.zip"
    with zipfile.ZipFile(z, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.json", b"1" * 50_000)
    (ref,) = iter_refs([z])
    monkeypatch.setattr(loader, "MAX_DUMP_BYTES", 1000)
    digest, err = loader.load(ref)
    assert digest is None and "too large" in str(err)


def test_unsafe_names():
    ok = ["a.json", "x/y/dump.json", "..a.json", "a..json"]
    bad = ["../a.json", "x/../../a.json", "/etc/a.json", "C:/a.json", "a\\..\\b.json", "a\x00.json", "x" * 2000]
    assert [source.unsafe_member_name(n) for n in ok] == [None] * len(ok)
    assert all(source.unsafe_member_name(n) for n in bad)


def test_not_an_archive_and_missing_paths(archive_set, tmp_path):
    (tmp_path / "bad.zip").write_bytes(b"PK\x03\x04 not really")
    (tmp_path / "bad.tar").write_bytes(b"\x00" * 10 + b"garbage" * 100)
    r = cccd("verify", tmp_path / "bad.zip", tmp_path / "bad.tar", *archive_set.trust, "--engine", "process",
             "--workers", 1)
    assert r.returncode == 6, r.stderr
    lines = result_lines(r.stdout)
    assert [ln["verdict"] for ln in lines] == ["error", "error"] and "Traceback" not in r.stderr
    r = cccd("verify", tmp_path / "nope.jsonl", "--engine", "process")
    assert r.returncode == 2 and "no such file" in r.stderr
    r = cccd("verify", tmp_path / "bad.zip", "--engine", "process", "--batch-size", 0)
    assert r.returncode == 2
    r = cccd("verify", tmp_path / "bad.zip", "--scheduler", "tcp://127.0.0.1:1")
    assert r.returncode == 2 and "--engine dask" in r.stderr


def test_summary_json_is_the_last_stderr_line(archive_set, pieces, tmp_path):
    root, good, bad, junk, folder = pieces
    (tmp_path / "a.json").write_bytes(good[0])
    r = cccd("verify", tmp_path, *archive_set.trust, "--at", AT, "--engine", "process", "--workers", 1)
    assert r.returncode == 0
    s = json.loads(r.stderr.strip().splitlines()[-1])
    assert s["schema"] == "cccd-archive-summary/1" and s["verdicts"] == {"successful": 1}


def test_fifos_in_a_folder_tree_never_block(archive_set, pieces, tmp_path):
    root, good, bad, junk, folder = pieces
    tree = tmp_path / "tree"
    tree.mkdir()
    os.mkfifo(tree / "pipe.json")
    Document.from_json_bytes(good[0]).save(tree / "d")
    (tree / "d" / "DG1.bin").unlink()
    os.mkfifo(tree / "d" / "DG1.bin")
    r = cccd("verify", tree, *archive_set.trust, "--at", AT, "--engine", "process", "--workers", 1, timeout=120)
    assert r.returncode == 6, r.stderr
    lines = {Path(ln["id"]).name: ln for ln in result_lines(r.stdout)}
    assert lines["pipe.json"]["verdict"] == "error" and "not a regular file" in lines["pipe.json"]["message"]
    assert lines["d"]["verdict"] == "error" and "DG1.bin is not a regular file" in lines["d"]["message"]
    assert lines["d"]["digest"] and "Traceback" not in r.stderr
