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
