"""Re-verification of dump archives (issue 15; docs/archive.md).

An *archive* is a folder tree of dumps, a ``.jsonl`` stream file of
single-file dumps, or a ``.zip`` / ``.tar`` of dumps. The client scans it
into small :class:`~.source.DumpRef` references (never the dump bytes), cuts
them into batches, and an engine verifies each batch in a worker process:

- ``process``: a local process pool (:mod:`.engines`);
- ``dask``: a ``distributed`` cluster, local or an existing scheduler
  (:mod:`.dask_engine`); the trust material travels once per worker in a
  worker plugin, the verifier's caches live per worker process.

Workers read the dump bytes themselves (:mod:`.loader`, bounded, data only)
and return one :class:`~.results.ResultLine` per dump; the client writes them
in archive order, once per dump (:mod:`.run`).

Modules: ``source`` (scanning archives), ``loader`` (reading one dump in a
worker), ``worker`` (the batch task and the per-process trust registry),
``engines`` (process pool, ordered windowed submission), ``dask_engine``,
``results`` (result lines, previous runs, summary), ``run`` (the pipeline).
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .results import ResultLine, Summary
    from .run import ArchiveRun, RunOptions
    from .source import DumpRef, iter_refs

__all__ = ["ArchiveRun", "DumpRef", "ResultLine", "RunOptions", "Summary", "iter_refs"]

STREAM_SUFFIXES = (".jsonl", ".ndjson")
ARCHIVE_SUFFIXES = STREAM_SUFFIXES + (".zip", ".tar")


def is_archive(path: "str | os.PathLike[str]") -> bool:
    """A stream file, zip or tar (the archive engine reads it; `cccd verify` alone does not)."""
    return str(path).lower().endswith(ARCHIVE_SUFFIXES)


# imported on first use (PEP 562): `cccd verify DUMP` asks is_archive (above) and needs no module of the package
_HOME = {"ResultLine": "results", "Summary": "results", "ArchiveRun": "run", "RunOptions": "run",
         "DumpRef": "source", "iter_refs": "source"}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        value = getattr(importlib.import_module(f".{_HOME[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
