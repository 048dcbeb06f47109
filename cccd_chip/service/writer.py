"""Group commit of verification records: one writer thread, one transaction per batch.

Every answered ``POST /v1/verifications`` needs its record committed first (the
durability promise of docs/service.md: a 2xx is never lost, also on SIGKILL or a
power cut). Committing each record on its own costs a full transaction and, on
SQLite with ``synchronous=FULL``, an fsync per request: that was the largest cost
of the service per document. Here the records of concurrent requests that arrive
while a commit is running wait in a queue and go to the database together in the
next transaction (:meth:`Repository.insert_verifications`): one commit for all of
them, and each request is answered only after that commit returned. Under no load
a batch is one record and nothing waits for a timer; under load batches grow by
themselves (bounded by ``max_batch``).

If a batch transaction fails, its records are retried one by one, so a single bad
row fails only its own request (``DatabaseError`` -> 503).

The answers of a batch go back to the event loop in one hand-over
(``call_soon_threadsafe`` once per batch, not once per record): each wake-up of the
loop from another thread costs a write to its self-pipe and a GIL hand-off.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
import queue
import threading
import time
from concurrent.futures import Future
from typing import Optional, Union

from .db import DatabaseError
from .repository import NewVerification, Repository, VerificationRecord

log = logging.getLogger("cccd.service")

Written = tuple[VerificationRecord, bool]
_Waiter = Union["Future[Written]", "asyncio.Future[Written]"]
_Item = tuple[NewVerification, _Waiter]
_STOP = None
FLUSH_BUCKETS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0)


class RecordWriter:
    """``await writer.write(new)`` -> ``(record, created)`` once the record is committed."""

    def __init__(self, repo: Repository, *, max_batch: int = 64) -> None:
        self.repo = repo
        self.max_batch = max(1, max_batch)
        self.commits = 0  # transactions committed (for /metrics)
        self.records = 0  # records handed in (written or found existing)
        # seconds each batch took in the database (insert + commit, its fsync included), as a histogram
        self.flush_buckets = [0] * (len(FLUSH_BUCKETS) + 1)
        self.flush_seconds = 0.0
        self._q: "queue.SimpleQueue[Optional[_Item]]" = queue.SimpleQueue()  # C: no Condition per put
        self._thread = threading.Thread(target=self._run, name="cccd-record-writer", daemon=True)
        self._thread.start()

    def submit(self, new: NewVerification) -> "Future[Written]":
        """Queue ``new``; the Future resolves once it is committed (from any thread)."""
        fut: "Future[Written]" = Future()
        self._q.put((new, fut))
        return fut

    async def write(self, new: NewVerification) -> Written:
        """Queue ``new`` and wait for its commit (DatabaseError if it could not be written)."""
        fut: "asyncio.Future[Written]" = asyncio.get_running_loop().create_future()
        self._q.put((new, fut))
        return await fut

    def close(self, timeout: float = 30.0) -> None:
        """Write what is queued, then stop the thread."""
        self._q.put(_STOP)
        self._thread.join(timeout)

    # --- the writer thread ---------------------------------------------------------------
    def _run(self) -> None:
        while True:
            item = self._q.get()
            if item is _STOP:
                return
            batch = [item]
            stop = False
            while len(batch) < self.max_batch:
                try:
                    nxt = self._q.get_nowait()
                except queue.Empty:
                    break
                if nxt is _STOP:
                    stop = True
                    break
                batch.append(nxt)
            t0 = time.monotonic()
            self._flush(batch)
            took = time.monotonic() - t0
            self.flush_buckets[bisect.bisect_left(FLUSH_BUCKETS, took)] += 1
            self.flush_seconds += took
            if stop:
                return

    def _flush(self, batch: list[_Item]) -> None:
        results: list[Union[Written, BaseException]]
        try:
            results = list(self.repo.insert_verifications([new for new, _ in batch]))
            self.commits += 1
        except DatabaseError as e:
            if len(batch) == 1:
                results = [e]
            else:  # one transaction for each, so that one bad row fails only its own request
                log.warning("record batch failed; writing its records one by one",
                            extra={"fields": {"records": len(batch), "reason": e.reason}})
                results = [self._one(new) for new, _ in batch]
        except Exception as e:  # noqa: BLE001 - a bug must fail the waiting requests, not kill the writer
            results = [e] * len(batch)
        self.records += len(batch)
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple["asyncio.Future[Written]", Union[Written, BaseException]]]] = {}
        for (_, fut), res in zip(batch, results):
            if isinstance(fut, asyncio.Future):
                by_loop.setdefault(fut.get_loop(), []).append((fut, res))
            elif fut.set_running_or_notify_cancel():  # else: the request went away; its record stays
                if isinstance(res, BaseException):
                    fut.set_exception(res)
                else:
                    fut.set_result(res)
        for loop, answers in by_loop.items():
            try:
                loop.call_soon_threadsafe(_deliver, answers)
            except RuntimeError:  # that event loop is closed: nobody waits any more
                pass

    def _one(self, new: NewVerification) -> Union[Written, BaseException]:
        try:
            res = self.repo.insert_verifications([new])[0]
        except DatabaseError as e:
            return e
        self.commits += 1
        return res


def _deliver(answers: list[tuple["asyncio.Future[Written]", Union[Written, BaseException]]]) -> None:
    """On the event loop: resolve the waiting requests of one batch (a request that went away is skipped)."""
    for fut, res in answers:
        if fut.done():
            continue
        if isinstance(res, BaseException):
            fut.set_exception(res)
        else:
            fut.set_result(res)
