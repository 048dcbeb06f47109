"""The Dask engine (``--engine dask [--scheduler tcp://HOST:PORT]``; docs/archive.md).

Without a scheduler address a ``distributed.LocalCluster`` is started on
loopback, one single-threaded worker process per core (the verifier is pure
Python + OpenSSL calls: processes, not threads), and its dashboard address is
announced. With an address the client joins an existing ``dask scheduler``
whose ``dask worker`` processes have this project installed.

Trust material travels once per worker: a :class:`TrustPlugin` (a
``distributed`` worker plugin) holds the pickled trust store and policy;
registering it runs :func:`.worker.install` on every current worker, and the
scheduler replays it on every worker that joins later (a restarted one too).
Tasks carry only the plugin's token and a batch of references.

Faults: a worker that dies mid-task makes the scheduler run its tasks again
elsewhere (``distributed.scheduler.allowed-failures``); a task that raised
(e.g. reached a worker before the plugin) is retried (``retries``); the
client emits each batch's lines once, in order (:func:`.engines.ordered`).
"""

from __future__ import annotations

import logging
import os
from typing import Callable, Iterable, Iterator, Optional

from ..errors import UsageError
from ..pki.trust_store import TrustStore
from ..verify.passive import Policy
from . import worker
from .engines import Batch, ordered
from .results import ResultLine

try:
    from distributed import Client, Future, LocalCluster
    from distributed.diagnostics.plugin import WorkerPlugin
except ImportError:  # pragma: no cover - the archive extra is not installed
    # names kept so the module imports; DaskEngine then refuses to start (mypy sees the real classes)
    Client = LocalCluster = None  # type: ignore[assignment,misc]
    WorkerPlugin = object  # type: ignore[assignment,misc]  # a plain base: the plugin class still defines

TASK_RETRIES = 2
WINDOW_PER_WORKER = 4


def connect_timeout() -> float:
    """Dask's own ``distributed.comm.timeouts.connect`` (default 30 s; env DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT)."""
    import dask.config
    from dask.utils import parse_timedelta

    return float(parse_timedelta(dask.config.get("distributed.comm.timeouts.connect", "30s")) or 30.0)


class TrustPlugin(WorkerPlugin):
    """Installs one trust store + policy in a worker process when the worker starts (or now)."""

    def __init__(self, token: str, store: TrustStore, policy: Policy) -> None:
        self.token, self.store, self.policy = token, store, policy

    def setup(self, worker: object) -> None:  # noqa: D401 - distributed's hook
        from . import worker as archive_worker

        archive_worker.install(self.token, self.store, self.policy)


class DaskEngine:
    """Batches as Dask tasks on a local or remote cluster."""

    name = "dask"

    def __init__(self, store: TrustStore, policy: Policy, *, scheduler: Optional[str] = None,
                 workers: Optional[int] = None, announce: Callable[[str], None] = lambda s: None) -> None:
        if Client is None:
            raise UsageError("the dask engine needs the 'archive' extra (pip install 'cccd-chip[archive]')")
        self.token = worker.trust_token(store, policy)
        self.trust = store.version
        self.cluster = None
        timeout = connect_timeout()
        if logging.getLogger().getEffectiveLevel() > logging.INFO:  # cluster chatter only with `cccd -v`
            logging.getLogger("distributed").setLevel(logging.WARNING)
        if scheduler:
            try:
                self.client = Client(scheduler, timeout=timeout, set_as_default=False)
            except (OSError, TimeoutError, ValueError) as e:
                raise UsageError(f"cannot reach the Dask scheduler at {scheduler} ({type(e).__name__})") from None
        else:
            n = workers or os.cpu_count() or 1
            import dask.config

            # the statistical profiler samples every worker thread each 10 ms: ~10 % of a core here
            dask.config.set({"distributed.worker.profile.enabled": False})
            self.cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                                        dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR)
            self.client = Client(self.cluster, set_as_default=False)
            announce(f"Dask local cluster: {n} workers, dashboard {self.cluster.dashboard_link}")
        try:
            self.client.wait_for_workers(1, timeout=timeout)
        except (TimeoutError, OSError):
            self.close()
            raise UsageError(f"the Dask scheduler has no workers (waited {timeout:.0f} s)") from None
        self._plugin = f"cccd-trust-{self.token}"
        self.client.register_plugin(TrustPlugin(self.token, store, policy), name=self._plugin)
        self.workers = sum(self.client.nthreads().values()) or 1

    def map_batches(self, batches: Iterable[Batch], with_report: bool = False) -> Iterator[list[ResultLine]]:
        def submit(batch: Batch) -> "Future[list[ResultLine]]":
            return self.client.submit(worker.verify_batch, self.token, list(batch), with_report, pure=False,
                                      retries=TASK_RETRIES)

        def result(fut: "Future[list[ResultLine]]") -> list[ResultLine]:
            try:
                lines: list[ResultLine] = fut.result()
                return lines
            finally:
                fut.release()

        window = max(WINDOW_PER_WORKER, WINDOW_PER_WORKER * sum(self.client.nthreads().values()))
        return ordered(batches, submit, result, window, self.trust)

    def close(self) -> None:
        try:
            if self.cluster is None and getattr(self, "_plugin", None):
                try:
                    self.client.unregister_worker_plugin(self._plugin)
                except Exception:  # an older scheduler, or it went away: nothing left to clean
                    pass
            self.client.close()
        finally:
            if self.cluster is not None:
                self.cluster.close()
