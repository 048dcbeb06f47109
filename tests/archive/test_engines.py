"""The ordered, bounded submission loop shared by both engines, and the result-file helpers."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from cccd_chip.archive.engines import ordered
from cccd_chip.archive.results import ResultLine, prepare_resume, previous_run
from cccd_chip.archive.source import DumpRef


def _refs(n: int) -> list[DumpRef]:
    return [DumpRef(f"d{i}", "file", f"/nowhere/d{i}.json") for i in range(n)]


def _batches(refs, size):
    return [refs[i:i + size] for i in range(0, len(refs), size)]


def test_results_in_order_with_a_bounded_window():
    in_flight, peak, lock = [0], [0], threading.Lock()

    def task(batch):
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        try:
            return [ResultLine(r.id, None, "successful") for r in reversed(batch)][::-1]
        finally:
            with lock:
                in_flight[0] -= 1

    submitted = []
    with ThreadPoolExecutor(4) as pool:
        def submit(batch):
            submitted.append(len(batch))
            return pool.submit(task, batch)

        out = [ln.id for lines in ordered(iter(_batches(_refs(100), 7)), submit, lambda f: f.result(), 3, "ts")
               for ln in lines]
    assert out == [f"d{i}" for i in range(100)]
    assert peak[0] <= 3 and sum(submitted) == 100


def test_a_failing_batch_is_split_and_only_the_poisonous_dump_is_lost():
    calls = []

    def task(batch):
        calls.append([r.id for r in batch])
        if any(r.id == "d13" for r in batch):
            raise OSError("worker died")
        return [ResultLine(r.id, None, "successful") for r in batch]

    with ThreadPoolExecutor(2) as pool:
        lines = [ln for lines in ordered(iter(_batches(_refs(20), 8)), lambda b: pool.submit(task, b),
                                         lambda f: f.result(), 2, "ts-1") for ln in lines]
    assert [ln.id for ln in lines] == [f"d{i}" for i in range(20)]
    lost = [ln for ln in lines if ln.verdict == "error"]
    assert [(ln.id, ln.reasons, ln.trust) for ln in lost] == [("d13", ("WORKER_LOST",), "ts-1")]
    assert "OSError" in lost[0].message
    assert ["d13"] in calls and [f"d{i}" for i in range(8, 16)] in calls  # batch, then singles


def test_resume_cuts_a_half_written_last_line(tmp_path):
    f = tmp_path / "r.jsonl"
    a = ResultLine("a", "00" * 32, "successful", (), "ts", "2026-01-01T00:00:00Z").to_line()
    b = ResultLine("b\x1b[31m", None, "error", ("DUMP_FORMAT",), "ts", "t", "bad").to_line()
    f.write_text(a + b + '{"id":"c","verd')
    assert "\\u001b" in b and b.isascii()
    assert prepare_resume(f) == {"a", "b\x1b[31m"}
    assert f.read_text() == a + b
    prev = previous_run(f)
    assert prev["a"].verdict == "successful" and prev["b\x1b[31m"].verdict == "error"


def test_previous_run_skips_foreign_and_oversized_lines(tmp_path):
    f = tmp_path / "r.jsonl"
    f.write_bytes(b"not json\n" + b'{"id": 5, "verdict": "x"}\n' + b"[" * 100_000 + b"\n"
                  + b'{"id":"k","verdict":"failed","digest":"ab"}\n')
    prev = previous_run(f)
    assert list(prev) == ["k"] and prev["k"].digest == "ab"
