"""Engines: run :func:`.worker.verify_batch` over batches, results back in archive order.

Both engines share :func:`ordered`: at most ``window`` batches are in flight
(so an archive of any size runs in bounded memory), results are handed back
in submission order, and a batch whose task failed (a worker process died
more often than the engine's own retries cover) is split into single-dump
tasks, so that one poisonous dump cannot take its batch with it; a single
dump whose task still fails becomes an ``error`` line ``WORKER_LOST``.

:class:`ProcessEngine` is a ``concurrent.futures`` process pool on this
machine (the trust material is the pool initializer's argument: once per
process). The Dask engine is in :mod:`.dask_engine`.
"""

from __future__ import annotations

import os
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable, Iterable, Iterator, Optional, Protocol, Sequence

from ..pki.trust_store import TrustStore
from ..verify.passive import Policy
from . import worker
from .results import ERROR, ResultLine
from .source import DumpRef

Batch = Sequence[DumpRef]


class Engine(Protocol):
    name: str
    workers: int

    def map_batches(self, batches: Iterable[Batch], with_report: bool = False) -> Iterator[list[ResultLine]]: ...

    def close(self) -> None: ...


def ordered(batches: Iterable[Batch], submit: Callable[[Batch], Any], result: Callable[[Any], list[ResultLine]],
            window: int, trust: Optional[str]) -> Iterator[list[ResultLine]]:
    """Submit batches in a bounded window; yield each batch's results in order (see module doc)."""
    pending: deque[tuple[Batch, list[Any]]] = deque()
    it = iter(batches)
    exhausted = False
    while True:
        while not exhausted and len(pending) < window:
            try:
                batch = next(it)
            except StopIteration:
                exhausted = True
                break
            pending.append((batch, [submit(batch)]))
        if not pending:
            return
        batch, futures = pending.popleft()
        yield _collect(batch, futures, submit, result, trust)


def _collect(batch: Batch, futures: list[Any], submit: Callable[[Batch], Any],
             result: Callable[[Any], list[ResultLine]], trust: Optional[str]) -> list[ResultLine]:
    try:
        return result(futures[0])
    except (KeyboardInterrupt, GeneratorExit):
        raise
    except Exception as e:
        failure = type(e).__name__
    if len(batch) == 1:
        return [_lost(batch[0], failure, trust)]
    out: list[ResultLine] = []
    singles = [submit([ref]) for ref in batch]
    for ref, fut in zip(batch, singles):
        try:
            out.extend(result(fut))
        except (KeyboardInterrupt, GeneratorExit):
            raise
        except Exception as e:
            out.append(_lost(ref, type(e).__name__, trust))
    return out


def _lost(ref: DumpRef, failure: str, trust: Optional[str]) -> ResultLine:
    return ResultLine(ref.id, None, ERROR, ("WORKER_LOST",), trust, worker._now(),
                      f"the worker verifying this dump failed repeatedly ({failure})")


class ProcessEngine:
    """A local process pool (``--engine process``)."""

    name = "process"

    def __init__(self, store: TrustStore, policy: Policy, *, workers: Optional[int] = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        self.token = worker.trust_token(store, policy)
        self.trust = store.version
        self._pool = ProcessPoolExecutor(max_workers=self.workers, initializer=worker.install,
                                         initargs=(self.token, store, policy))

    def map_batches(self, batches: Iterable[Batch], with_report: bool = False) -> Iterator[list[ResultLine]]:
        return ordered(batches, lambda b: self._pool.submit(worker.verify_batch, self.token, list(b), with_report),
                       lambda f: f.result(), self.workers * 4, self.trust)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
