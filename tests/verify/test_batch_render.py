"""verify_many's ``render``: each result is rendered where it was verified (a pool worker), and what comes
back is the same as rendering the serial results; a worker freezes what it inherited (verify/batch.py)."""

from __future__ import annotations

import gc
import os

from cccd_chip.document import Document
from cccd_chip.verify.batch import BatchResult, verify_many

from .conftest import POLICY


def _summary(r: BatchResult) -> tuple[str, str, int, int]:
    """A render function: module level (the worker finds it by name); it runs in the worker."""
    verdict = r.report.overall.value if r.report is not None else "error"
    return r.source, verdict, os.getpid(), gc.get_freeze_count()


def test_pool_renders_in_its_workers_the_same_values_as_serial(pki):
    docs = []
    for i in range(40):
        files = pki.files(seed=i % 3)
        if i % 7 == 3:
            files["DG1"] = files["DG1"][:-1] + bytes([files["DG1"][-1] ^ 1])
        docs.append(Document(files=files, source=f"doc{i}"))
    serial = list(verify_many(docs, pki.store, policy=POLICY, workers=1, render=_summary))
    pooled = list(verify_many(docs, pki.store, policy=POLICY, workers=2, chunk_size=4, render=_summary))
    assert [s[:2] for s in pooled] == [s[:2] for s in serial]
    assert [s[1] for s in serial].count("failed") == 6 and [s[1] for s in serial].count("successful") == 34
    assert {s[2] for s in serial} == {os.getpid()}
    workers = {s[2] for s in pooled}
    assert os.getpid() not in workers and 1 <= len(workers) <= 2  # rendered in the workers
    assert all(s[3] > 0 for s in pooled)  # each worker froze what it inherited before its first item


def test_render_none_still_yields_batch_results(pki):
    docs = [Document(files=pki.files(seed=1), source="one")]
    (r,) = list(verify_many(docs, pki.store, policy=POLICY, workers=2))
    assert isinstance(r, BatchResult) and r.report is not None and r.report.overall.value == "successful"


def test_dump_paths_lists_what_sorted_iterdir_listed(tmp_path):
    """dump_paths reads the folder with scandir: the same entries, in the order of sorted(Path.iterdir()), as
    the same Paths; hidden entries skipped; symlinks, FIFOs and folders listed for loading to judge."""
    from pathlib import Path

    from cccd_chip.verify.batch import dump_paths

    for n in ["b.json", "A.JSON", "a.json", "z.json", ".hidden.json", "x.txt", "x.json.bak", "\u00e9.json", "10.json",
              "9.json", "a b.json", "_.json", "x.", ".json"]:
        (tmp_path / n).write_text("{}")
    for n in ["Z", "dir1", ".hid"]:
        (tmp_path / n).mkdir()
    os.symlink(tmp_path / "dir1", tmp_path / "dlink")
    os.symlink(tmp_path / "a.json", tmp_path / "link.json")
    os.symlink(tmp_path / "nope", tmp_path / "broken.json")
    os.symlink(tmp_path / "nope", tmp_path / "brokendir")
    os.mkfifo(tmp_path / "fifo.json")
    reference = [p for p in sorted(Path(tmp_path).iterdir())
                 if not p.name.startswith(".") and (p.is_dir() or p.suffix.lower() == ".json")]
    listed = list(dump_paths(tmp_path))
    assert listed == reference and all(isinstance(p, Path) for p in listed)
    assert [p.name for p in listed][:4] == ["10.json", "9.json", "A.JSON", "Z"]
    assert "x.json.bak" not in [p.name for p in listed] and "brokendir" not in [p.name for p in listed]
