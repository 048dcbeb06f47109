"""Batch verification for back-ends: many dumps, all cores, shared caches.

``verify_many(items, trust_store, policy=..., workers=N)`` verifies Documents,
dump paths (folder, ``.json`` or ``.cbor``) or :class:`InlineDump` values (one single-file
dump as bytes, e.g. a line of a stream) and yields :class:`BatchResult` in input
order. With ``workers > 1`` a process pool is used: on POSIX the fork pool of
:mod:`.forkpool` (forked workers, two pipes each, no threads; a worker killed
mid-run is replaced and its dumps verified again, a dump that kills its worker
twice is an error result ``WORKER_LOST``), elsewhere (no ``fork``, or other
threads running) ``concurrent.futures``. Either way each worker has the trust
store once (inherited when forked, else the pool initializer's argument) and
keeps the per-process caches that make repeated work cheap across documents:

- parsed certificates by their bytes (``pki.certificate.load_certificate``),
- parsed public keys by SPKI (``crypto.signatures.load_public_key``),
- resolved signature algorithms (``crypto.signatures.signature_algorithm``),
- DSC -> CSCA verdicts per trust-store version (``verify.passive._chain``).

Work is handed out in a bounded window, so a stream of any length runs in
constant memory. ``render`` (a module-level function, BatchResult -> value) runs
where the item was verified, in the worker: what comes back to the parent is its
value (e.g. the output line), not the Report, so the parent -- which shares the
cores with the workers -- only writes. A worker first moves every object it has
(inherited from the parent when forked) to the collector's permanent generation
(``gc.freeze``): its collections then walk only what it allocates itself, and never
touch -- and so copy -- the memory pages it shares with the parent.
"""

from __future__ import annotations

import gc
import os
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Optional, TypeVar, Union, overload

from ..document import DUMP_FILE_SUFFIXES, Document
from ..errors import CccdError, DumpFormatError
from ..pki.trust_store import TrustStore
from .document_check import verify_document
from .passive import Policy
from .report import Report

if TYPE_CHECKING:  # the pool (concurrent.futures.process, multiprocessing: ~12 ms of imports) only with workers > 1
    from concurrent.futures import Future


@dataclass(frozen=True)
class InlineDump:
    """A single-file dump as received (bytes), parsed in the worker; ``label`` names it."""

    data: bytes
    label: str
    oversized: bool = False  # a line longer than any dump, not kept (``data`` is empty)


Item = Union[Document, InlineDump, str, "os.PathLike[str]"]


@dataclass(frozen=True)
class BatchResult:
    """One verified item: its label and Report, or the error that stopped it."""

    source: str
    report: Optional[Report]
    error: Optional[dict[str, Any]] = None  # the error's JSON form (reason, message, exit code)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"source": self.source}
        if self.report is not None:
            out["report"] = self.report.to_json()
        if self.error is not None:
            out["error"] = self.error
        return out


_WORKER: dict[str, Any] = {}  # this worker process's trust store ("ts"), policy and render function

T = TypeVar("T")

WORKER_LOST = "WORKER_LOST"  # the reason of an item whose worker process died twice (forkpool)


def _init_worker(trust_store: TrustStore, policy: Policy, render: Optional[Callable[[BatchResult], Any]]) -> None:
    gc.freeze()  # what the worker inherited (or imported) is never walked by its collector (module doc)
    _WORKER["ts"] = trust_store
    _WORKER["policy"] = policy
    _WORKER["render"] = render


def verify_one(item: Item, trust_store: TrustStore, policy: Policy) -> BatchResult:
    """Load (if a path) and verify one item; errors become a BatchResult, never an exception."""
    label = _label(item)
    try:
        if isinstance(item, Document):
            doc = item
        elif isinstance(item, InlineDump):
            if item.oversized:
                raise DumpFormatError("dump is too large")
            doc = Document.from_json_bytes(item.data)
        else:
            doc = Document.load(item)
        return BatchResult(label, verify_document(doc, trust_store, policy=policy))
    except CccdError as e:
        return BatchResult(label, None, e.context() | {"message": e.message})
    except Exception as e:  # noqa: BLE001 - a bug on one input is that input's result, never the batch's end
        return BatchResult(label, None, {"error": type(e).__name__, "reason": "INTERNAL",
                                         "message": f"internal error ({type(e).__name__})"})


def _work(chunk: list[Item]) -> list[Any]:
    ts, policy, render = _WORKER["ts"], _WORKER["policy"], _WORKER["render"]
    if render is None:
        return [verify_one(item, ts, policy) for item in chunk]
    return [render(verify_one(item, ts, policy)) for item in chunk]


@overload
def verify_many(items: Iterable[Item], trust_store: TrustStore, *, policy: Policy = ..., workers: Optional[int] = ...,
                chunk_size: int = ..., render: None = ...) -> Iterator[BatchResult]: ...


@overload
def verify_many(items: Iterable[Item], trust_store: TrustStore, *, policy: Policy = ..., workers: Optional[int] = ...,
                chunk_size: int = ..., render: Callable[[BatchResult], T]) -> Iterator[T]: ...


def verify_many(
    items: Iterable[Item],
    trust_store: TrustStore,
    *,
    policy: Policy = Policy(),
    workers: Optional[int] = 1,
    chunk_size: int = 16,
    render: Optional[Callable[[BatchResult], Any]] = None,
) -> Iterator[Any]:
    """Verify every item, in order: its BatchResult, or ``render(result)`` computed where it was verified.

    ``workers=None`` uses every core. ``render`` must be a module-level function (a
    ``concurrent.futures`` worker finds it by name); its values are what crosses back from
    the workers. Closing the iterator early (or an exception) ends and reaps every worker.
    """
    n = workers or os.cpu_count() or 1
    if n <= 1:
        for item in items:
            r = verify_one(item, trust_store, policy)
            yield r if render is None else render(r)
        return
    from . import forkpool

    if forkpool.available():
        def work(chunk: list[Item]) -> list[Any]:  # runs in a forked worker: trust store and policy inherited
            if render is None:
                return [verify_one(item, trust_store, policy) for item in chunk]
            return [render(verify_one(item, trust_store, policy)) for item in chunk]

        def lost(item: Item, how: str) -> Any:  # the item's worker died twice (forkpool's module doc)
            r = BatchResult(_label(item), None, {"error": "WorkerLost", "reason": WORKER_LOST,
                                                 "message": f"the worker process verifying this dump ended "
                                                            f"({how}), also when it was verified alone"})
            return r if render is None else render(r)

        yield from forkpool.imap_ordered(items, work, workers=n, chunk_size=chunk_size, lost=lost)
        return
    yield from _executor_pool(items, trust_store, policy, n, chunk_size, render)


def _executor_pool(items: Iterable[Item], trust_store: TrustStore, policy: Policy, n: int, chunk_size: int,
                   render: Optional[Callable[[BatchResult], Any]]) -> Iterator[Any]:
    """Where no worker can be forked (no ``fork``, or other threads running): ``concurrent.futures``."""
    from concurrent.futures import ProcessPoolExecutor

    window = n * 4
    pending: "deque[Future[list[Any]]]" = deque()
    with ProcessPoolExecutor(max_workers=n, initializer=_init_worker, initargs=(trust_store, policy, render)) as pool:
        for chunk in _chunks(items, chunk_size):
            pending.append(pool.submit(_work, chunk))
            while len(pending) >= window:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()


def dump_paths(folder: Union[str, "os.PathLike[str]"]) -> Iterator[Path]:
    """Every dump in ``folder``, sorted: sub-folders, ``*.json`` and ``*.cbor`` files (docs/dump-format.md).

    A sub-folder without ``dump.json`` is listed too (it fails to load, exit 6): a dump
    whose manifest went missing is reported, never silently left out of a batch.
    Hidden entries (``.name``, e.g. the temporary folder of an atomic save) and other
    files are not dumps. A ``*.json`` / ``*.cbor`` entry that is a FIFO, a device or a symlink, and a
    symlink to a folder, are listed too: loading refuses them (exit 6, a result line with
    the reason), never hangs on them or follows them out of the folder.
    """
    root = Path(folder)
    # the order of sorted(root.iterdir()) (Paths of one folder compare by their normcase'd names), without
    # building and comparing a Path per entry; DirEntry.is_dir follows symlinks as Path.is_dir does and
    # needs no stat call for a regular file (~7 us a dump before, in a parent that shares the cores)
    with os.scandir(root) as it:
        entries = sorted(it, key=lambda e: os.path.normcase(e.name))
    for e in entries:
        if e.name.startswith("."):
            continue
        if e.is_dir() or e.name.lower().endswith(DUMP_FILE_SUFFIXES):  # whatever kind of file: loading judges it
            yield root / e.name


def _chunks(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    chunk: list[Item] = []
    for item in items:
        chunk.append(str(item) if isinstance(item, Path) else item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _label(item: Item) -> str:
    if isinstance(item, Document):
        return item.source or "document"
    if isinstance(item, InlineDump):
        return item.label
    return str(item)
