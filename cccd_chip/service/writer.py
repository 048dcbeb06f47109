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
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from concurrent.futures import Future
from typing import Optional, Union

from .db import DatabaseError
from .repository import NewVerification, Repository, VerificationRecord

log = logging.getLogger("cccd.service")

Written = tuple[VerificationRecord, bool]
_Item = tuple[NewVerification, "Future[Written]"]
_STOP = None


class RecordWriter:
    """``await writer.write(new)`` -> ``(record, created)`` once the record is committed."""

    def __init__(self, repo: Repository, *, max_batch: int = 64) -> None:
        self.repo = repo
        self.max_batch = max(1, max_batch)
        self.commits = 0  # transactions committed (for /metrics)
        self.records = 0  # records handed in (written or found existing)
        self._q: "queue.Queue[Optional[_Item]]" = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="cccd-record-writer", daemon=True)
        self._thread.start()

    def submit(self, new: NewVerification) -> "Future[Written]":
        fut: "Future[Written]" = Future()
        self._q.put((new, fut))
        return fut

    async def write(self, new: NewVerification) -> Written:
        """Queue ``new`` and wait for its commit (DatabaseError if it could not be written)."""
        return await asyncio.wrap_future(self.submit(new))

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
            self._flush(batch)
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
        for (_, fut), res in zip(batch, results):
            if not fut.set_running_or_notify_cancel():
                continue  # the request went away; its record (if written) is still there
            if isinstance(res, BaseException):
                fut.set_exception(res)
            else:
                fut.set_result(res)

    def _one(self, new: NewVerification) -> Union[Written, BaseException]:
        try:
            res = self.repo.insert_verifications([new])[0]
        except DatabaseError as e:
            return e
        self.commits += 1
        return res
