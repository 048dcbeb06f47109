"""The archive pipeline: scan -> batches -> engine -> result lines, once per dump, in order.

``ArchiveRun(paths, store, policy, options).run(emit)`` returns a
:class:`~.results.Summary`; ``emit(line, changed)`` is called for every dump
as its batch completes (archive order). Dumps whose id is in ``skip`` (what
``--resume`` found in the results file) are not verified again; an id seen
twice (the same dump named twice) is emitted once.

Batch size (docs/performance.md, "Archives"): 64 dumps per task by default -
about 0.1 s of work on one core, so the scheduler's per-task cost (~1 ms on
Dask) stays near 1 % and a lost worker re-does little.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Optional

from ..errors import UsageError
from ..pki.trust_store import TrustStore
from ..verify.passive import Policy
from .results import Previous, ResultLine, Summary
from .source import DumpRef, iter_refs

if TYPE_CHECKING:
    from .engines import Engine

DEFAULT_BATCH = 64
MAX_BATCH = 10_000
ENGINES = ("process", "dask")


@dataclass(frozen=True)
class RunOptions:
    engine: str = "process"
    scheduler: Optional[str] = None
    workers: Optional[int] = None
    batch_size: int = DEFAULT_BATCH


class ArchiveRun:
    """One re-verification of archives under one trust store and policy."""

    def __init__(self, paths: Iterable[str], store: TrustStore, policy: Policy, options: RunOptions = RunOptions(),
                 *, skip: Optional[set[str]] = None, previous: Optional[dict[str, Previous]] = None,
                 announce: Callable[[str], None] = lambda s: None,
                 source: Optional[Callable[[], Iterator[DumpRef]]] = None, with_report: bool = False) -> None:
        if options.engine not in ENGINES:
            raise UsageError(f"the engine must be one of {', '.join(ENGINES)}")
        if not 1 <= options.batch_size <= MAX_BATCH:
            raise UsageError(f"the batch size must be 1..{MAX_BATCH}")
        if options.scheduler and options.engine != "dask":
            raise UsageError("a scheduler address needs the dask engine")
        self.paths = list(paths)
        self.store, self.policy, self.options = store, policy, options
        self.skip = skip or set()
        self.previous = previous
        self.announce = announce
        self.source = source or (lambda: iter_refs(self.paths))  # cccd reverify: records of a database
        self.with_report = with_report

    def refs(self) -> Iterator[DumpRef]:
        return (r for r in self.source() if r.id not in self.skip)

    def _engine(self) -> Engine:
        o = self.options
        if o.engine == "dask":
            from .dask_engine import DaskEngine

            return DaskEngine(self.store, self.policy, scheduler=o.scheduler, workers=o.workers,
                              announce=self.announce)
        from .engines import ProcessEngine

        return ProcessEngine(self.store, self.policy, workers=o.workers)

    def run(self, emit: Callable[[ResultLine, bool], None]) -> Summary:
        summary = Summary(self.options.engine, self.options.batch_size, trust=self.store.version)
        skipped = [0]

        def counted() -> Iterator[DumpRef]:
            for ref in self.source():
                if ref.id in self.skip:
                    skipped[0] += 1
                else:
                    yield ref

        seen: set[str] = set()
        refs = counted()
        first = next(refs, None)  # usage errors (a missing path) before any cluster starts
        compare = self.previous is not None
        engine = self._engine() if first is not None else None  # nothing to verify: no cluster
        start = time.perf_counter()
        try:
            if engine is not None and first is not None:
                summary.workers = engine.workers
                batches = _batches(_chain(first, refs), self.options.batch_size)
                for lines in engine.map_batches(batches, self.with_report):
                    for line in lines:
                        if line.id in seen:
                            continue
                        seen.add(line.id)
                        prev = self.previous.get(line.id) if compare and self.previous is not None else None
                        changed = summary.add(line, prev, compare)
                        emit(ResultLine(line.id, line.digest, line.verdict, line.reasons, line.trust,
                                        line.verified_at, line.message, prev.verdict if prev else None,
                                        line.report_json), changed)
        except KeyboardInterrupt:
            summary.interrupted = True
            raise
        finally:
            summary.seconds = time.perf_counter() - start
            summary.skipped = skipped[0]
            self.summary = summary
            if engine is not None:
                engine.close()
        return summary


def _chain(first: DumpRef, rest: Iterator[DumpRef]) -> Iterator[DumpRef]:
    yield first
    yield from rest


def _batches(refs: Iterable[DumpRef], size: int) -> Iterator[list[DumpRef]]:
    batch: list[DumpRef] = []
    for ref in refs:
        batch.append(ref)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
