"""Batch verifier: same verdicts serially and in a process pool, dumps from a folder, errors per item."""

from __future__ import annotations

from cccd_chip.document import Document
from cccd_chip.verify.batch import dump_paths, verify_many
from cccd_chip.verify.report import Reason, Verdict

from .conftest import POLICY, SIGNER_PROFILES


def test_pool_gives_the_same_reports_as_serial(pki, tmp_path):
    docs = []
    for i in range(12):
        files = pki.files(SIGNER_PROFILES[i % len(SIGNER_PROFILES)][0], seed=i)
        if i == 5:
            files["DG2"] = files["DG2"][:-1] + b"\x00"
        docs.append(Document(files=files, source=f"doc{i}"))
    serial = list(verify_many(docs, pki.store, policy=POLICY, workers=1))
    pooled = list(verify_many(docs, pki.store, policy=POLICY, workers=2, chunk_size=3))
    assert [r.source for r in pooled] == [f"doc{i}" for i in range(12)]
    assert [r.to_json() for r in pooled] == [r.to_json() for r in serial]
    verdicts = [r.report.overall for r in pooled]
    assert verdicts[5] is Verdict.FAILED and verdicts.count(Verdict.SUCCESSFUL) == 11
    bad = [c for c in pooled[5].report.checks if c.verdict is Verdict.FAILED]
    assert [(c.subject, c.reason) for c in bad] == [("DG2", Reason.DG_HASH_MISMATCH)]


def test_folder_of_dumps_and_a_broken_dump(pki, tmp_path):
    Document(files=pki.files(seed=1)).save(tmp_path / "a")
    Document(files=pki.files(seed=2)).save(tmp_path / "b.json")
    (tmp_path / "c.json").write_text("{not json")
    (tmp_path / "notes.txt").write_text("ignored")
    paths = list(dump_paths(tmp_path))
    assert [p.name for p in paths] == ["a", "b.json", "c.json"]
    results = list(verify_many(paths, pki.store, policy=POLICY, workers=2, chunk_size=1))
    assert [r.report.overall if r.report else None for r in results] == [Verdict.SUCCESSFUL, Verdict.SUCCESSFUL, None]
    assert results[2].error["error"] == "DumpFormatError"
