"""Verification off the event loop: a process pool per trust-store version, swapped atomically.

A :class:`TrustState` binds one trust store to the process pool whose workers
hold it (``work.init``). The service holds exactly one current state; adding trust
material builds a new store and a new pool, starts every worker of it, and only
then replaces the current state in one assignment. Requests that started on the
old state finish on the old pool (``shutdown(wait=False)`` lets submitted work
complete), so no request fails during a swap and every record names the trust
version its report was made with.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import multiprocessing
import pickle
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any, Optional

from ..pki.trust_store import TrustStore
from ..verify.passive import Policy
from . import work


@dataclass(frozen=True)
class TrustState:
    store: TrustStore
    version: str
    loaded_at: dt.datetime
    pool: ProcessPoolExecutor


class Verifier:
    """The current TrustState and its pool; ``verify`` awaits one body's verification."""

    def __init__(self, store: TrustStore, policy: Policy, *, workers: int, hash_key: Optional[bytes],
                 max_depth: int) -> None:
        self.workers = max(1, workers)
        self.policy = policy
        self._hash_key = hash_key
        self._max_depth = max_depth
        self._ctx = multiprocessing.get_context("spawn")  # no fork of a process with threads
        self.current = self._start(store)
        self.swaps = 0

    def _start(self, store: TrustStore) -> TrustState:
        pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=self._ctx, initializer=work.init,
                                   initargs=(store, self.policy, self._hash_key, self._max_depth))
        try:
            for f in [pool.submit(work.ping) for _ in range(self.workers * 2)]:
                f.result(timeout=120)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        return TrustState(store, store.version, dt.datetime.now(dt.timezone.utc), pool)

    def submit(self, state: TrustState, raw: bytes, at_iso: Optional[str], label: str) -> "asyncio.Future[dict[str, Any]]":
        """Queue one body on ``state``'s pool (call on the event loop, right after reading ``current``)."""
        return asyncio.wrap_future(state.pool.submit(work.verify_body, raw, at_iso, label))

    def copy_store(self) -> TrustStore:
        """An independent copy of the current store, to add material to before a swap."""
        copy: TrustStore = pickle.loads(pickle.dumps(self.current.store))
        return copy

    def prepare(self, store: TrustStore) -> TrustState:
        """Start (and wait for) every worker of a pool for ``store``: blocking, run it off the event loop."""
        return self._start(store)

    def install(self, new: TrustState, *, swap: bool = True) -> None:
        """Make ``new`` current in one assignment (on the event loop); the old pool finishes its work.

        ``swap=False``: the same store on a fresh pool (after a worker died), not counted as a swap.
        """
        old, self.current = self.current, new
        if old is not new:
            old.pool.shutdown(wait=False)
        if swap:
            self.swaps += 1

    def close(self) -> None:
        self.current.pool.shutdown(wait=True, cancel_futures=True)
