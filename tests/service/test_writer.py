"""Group commit of records (cccd_chip.service.writer) on SQLite and a real PostgreSQL.

Many records in one transaction, duplicates inside a batch and against older
records answered with the first record, a request answered only after its commit,
and a failing batch retried record by record so that only the bad record fails.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import Any

import pytest

from cccd_chip.service.db import DatabaseError
from cccd_chip.service.repository import NewVerification, Repository, VerificationRecord
from cccd_chip.service.writer import RecordWriter


def _new(i: int, client: str = "c1", **kw: Any) -> NewVerification:
    return NewVerification(client=client, dump_sha256=f"{i:064x}", trust_version="tv1", time_reference="",
                           verdict="successful", report_json='{"n": %d}' % i, **kw)


def test_batch_insert_with_duplicates(db_url: str) -> None:
    repo = Repository.open(db_url)
    try:
        (old, created), = repo.insert_verifications([_new(1)])
        assert created
        batch = [_new(2), _new(1), _new(3), _new(2), _new(1, client="c2")]
        out = repo.insert_verifications(batch)
        assert [c for _, c in out] == [True, False, True, False, True]
        assert out[1][0].id == old.id  # an older record: that one
        assert out[3][0].id == out[0][0].id  # the same request twice in one batch: the first
        assert out[3][0].report() == {"n": 2}
        assert repo.count_verifications() == 4
        seqs = [r.seq for r, c in out if c]
        assert seqs == sorted(seqs) and min(seqs) > old.seq  # in order, after the older one
        for rec, _ in out:
            assert repo.get_verification(rec.id) == rec  # what is returned is what was stored
    finally:
        repo.close()


def test_concurrent_requests_share_commits(db_url: str) -> None:
    repo = Repository.open(db_url)
    writer = RecordWriter(repo, max_batch=16)
    results: list[tuple[VerificationRecord, bool]] = []
    lock = threading.Lock()

    def go(k: int) -> None:
        for i in range(k * 25, k * 25 + 25):
            res = writer.submit(_new(i % 60)).result(timeout=60)  # 0..59 twice: 40 duplicates
            with lock:
                results.append(res)

    try:
        threads = [threading.Thread(target=go, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(results) == 100 and repo.count_verifications() == 60
        assert sum(created for _, created in results) == 60
        by_digest: dict[str, set[str]] = {}
        for rec, _ in results:
            by_digest.setdefault(rec.dump_sha256, set()).add(rec.id)
        assert all(len(ids) == 1 for ids in by_digest.values())  # every answer names the one record
        assert writer.records == 100 and writer.commits <= 100
    finally:
        writer.close()
        repo.close()


class _Flaky(Repository):
    """A repository whose batch transactions fail while it holds a record of dump 13."""

    def __init__(self, url: str) -> None:
        super().__init__(Repository.open(url).engine)
        self.calls: list[int] = []

    def insert_verifications(self, news: Any) -> list[tuple[VerificationRecord, bool]]:
        self.calls.append(len(news))
        if any(n.dump_sha256 == f"{13:064x}" for n in news):
            raise DatabaseError("refused")
        return super().insert_verifications(news)


def test_a_failing_record_fails_only_its_request(db_url: str) -> None:
    repo = _Flaky(db_url)
    writer = RecordWriter(repo)
    entered, gate = threading.Event(), threading.Event()
    try:
        original = repo.insert_verifications
        repo.insert_verifications = (  # type: ignore[method-assign]
            lambda news: (entered.set(), gate.wait(30), original(news))[2])
        first = writer.submit(_new(1))  # the writer waits on the gate with this one ...
        assert entered.wait(30)
        futs: list[Future[tuple[VerificationRecord, bool]]] = [writer.submit(_new(i)) for i in (12, 13, 14)]
        gate.set()  # ... while the next three queue up: one batch of three
        assert first.result(timeout=30)[1]
        with pytest.raises(DatabaseError):
            futs[1].result(timeout=30)
        assert futs[0].result(timeout=30)[1] and futs[2].result(timeout=30)[1]
        assert repo.calls == [1, 3, 1, 1, 1]  # the batch was tried whole, then record by record
        assert repo.count_verifications() == 3
    finally:
        writer.close()
        repo.close()
