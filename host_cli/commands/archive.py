"""`cccd verify ARCHIVE... --engine process|dask`: the command-line side of cccd_chip.archive.

``cccd verify`` hands over here when an archive option is given (``--engine``,
``--scheduler``, ``--resume``, ``--changed-since``, ``--out``,
``--batch-size``) or an argument is a ``.jsonl`` / ``.zip`` / ``.tar``
archive. Output (docs/archive.md): one JSON line per dump on stdout (with
``--changed-since`` only the changed ones, with ``previous``), every line also
to ``--out FILE`` (or appended to ``--resume FILE``), a summary on stderr
(a human line, then one JSON line with schema ``cccd-archive-summary/1``),
a progress bar only when stderr is a terminal. The exit code is the worst of
the dumps verified: 1 failed, 6 error, 3 undetermined, else 0; an
interruption (Ctrl-C) is 4 and leaves a results file that ``--resume``
continues.
"""

from __future__ import annotations

import json
import os
import sys
from contextlib import ExitStack
from typing import Optional

import click

from cccd_chip.errors import UsageError

from ..exit_codes import exit_code_for


def archive_options(f):
    f = click.option("--engine", type=click.Choice(["process", "dask"]), default=None,
                     help="Archive engine: a local process pool, or Dask (a local cluster, or --scheduler).")(f)
    f = click.option("--scheduler", metavar="tcp://HOST:PORT",
                     help="With --engine dask: an existing Dask scheduler (workers have cccd-chip installed).")(f)
    f = click.option("--batch-size", type=int, default=None,
                     help="Dumps per task (default 64; docs/performance.md).")(f)
    f = click.option("--out", "out", type=click.Path(dir_okay=False),
                     help="Also write every result line to this file (what --resume and --changed-since read).")(f)
    f = click.option("--resume", type=click.Path(dir_okay=False),
                     help="Continue this results file: skip dumps already in it, append the others.")(f)
    f = click.option("--changed-since", type=click.Path(exists=True, dir_okay=False),
                     help="Print only dumps whose verdict differs from this earlier results file.")(f)
    return f


def run(dumps, store, policy, *, workers: Optional[int], stream: bool, engine, scheduler, batch_size, out,
        resume, changed_since, as_json: bool = False) -> int:
    from cccd_chip.archive import ArchiveRun, RunOptions
    from cccd_chip.archive.results import prepare_resume, previous_run
    from cccd_chip.archive.run import DEFAULT_BATCH, MAX_BATCH
    from cccd_chip.pki.trust_store import TrustStore

    if stream:
        raise UsageError("--stream reads stdin; for archives give a .jsonl file instead")
    if as_json:
        raise UsageError("archives print one JSON line per dump (--jsonl); --json is for single dumps")
    if not dumps:
        raise UsageError("give one or more archives (folder trees, .jsonl, .zip, .tar, dumps)")
    if resume and out and os.path.abspath(resume) != os.path.abspath(out):
        raise UsageError("--resume FILE already writes to FILE; --out must be the same file or left out")
    if workers is not None and workers < 1:
        raise UsageError("--workers must be at least 1")
    if batch_size is not None and not 1 <= batch_size <= MAX_BATCH:
        raise UsageError(f"--batch-size must be 1..{MAX_BATCH}")
    if scheduler and engine != "dask":
        raise UsageError("--scheduler needs --engine dask")
    target = resume or out
    skip = prepare_resume(resume) if resume else set()
    previous = previous_run(changed_since) if changed_since else None
    store = store or TrustStore()
    options = RunOptions(engine=engine or "process", scheduler=scheduler, workers=workers,
                         batch_size=DEFAULT_BATCH if batch_size is None else batch_size)
    job = ArchiveRun(dumps, store, policy, options, skip=skip, previous=previous,
                     announce=lambda s: click.echo(f"cccd verify: {s}", err=True))
    stdout = sys.stdout
    with ExitStack() as stack:
        fh = None
        if target:
            fh = stack.enter_context(_open_results(target, append=bool(resume)))
        bar = stack.enter_context(_progress(job))

        def emit(line, changed: bool) -> None:
            text = line.to_line()
            if fh is not None:
                fh.write(text)
            if previous is None:
                stdout.write(text)
            elif changed:
                stdout.write(line.to_line(with_previous=True))
            if bar is not None:
                bar(1)

        try:
            summary = job.run(_flushing(emit, fh, stdout))
        except KeyboardInterrupt:
            _flush(fh, stdout)
            done = job.summary.dumps if hasattr(job, "summary") else 0
            hint = f"; continue with --resume {target}" if target else " (give --out FILE to be able to resume)"
            click.echo(f"cccd verify: interrupted after {done} dumps{hint}", err=True)
            raise
        _flush(fh, stdout)
    click.echo(f"cccd verify: {summary.human()}", err=True)
    click.echo(json.dumps(summary.to_json(), ensure_ascii=True, separators=(",", ":")), err=True)
    return exit_code_for(summary.verdicts)


def _flushing(emit, fh, stdout):
    count = [0]

    def wrapped(line, changed):
        emit(line, changed)
        count[0] += 1
        if count[0] % 64 == 0:
            _flush(fh, stdout)

    return wrapped


def _flush(fh, stdout) -> None:
    for f in (fh, stdout):
        if f is not None:
            try:
                f.flush()
            except (OSError, ValueError):
                pass


def _open_results(path: str, *, append: bool):
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC), 0o600)
    except OSError as e:
        raise UsageError(f"cannot write results file {path}: {e.strerror or e}") from None
    return os.fdopen(fd, "w", encoding="ascii", newline="\n")


class _NoBar:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


class _Bar:
    """A rich bar on stderr (documents done / total, rate, ETA); the total is counted first."""

    def __init__(self, job) -> None:
        self.job = job

    def __enter__(self):
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TextColumn,
                                   TimeRemainingColumn)

        total = sum(1 for _ in self.job.refs())
        self.progress = Progress(TextColumn("verifying"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
                                 TextColumn("{task.fields[rate]} dumps/s"), TimeRemainingColumn(),
                                 console=Console(stderr=True), transient=True)
        self.progress.__enter__()
        self.task = self.progress.add_task("verify", total=total, rate="-")
        import time

        self.start, self.done, self.clock = time.perf_counter(), 0, time.perf_counter

        def advance(n: int) -> None:
            self.done += n
            rate = self.done / max(self.clock() - self.start, 1e-6)
            self.progress.update(self.task, advance=n, rate=f"{rate:.0f}")

        return advance

    def __exit__(self, *exc):
        return self.progress.__exit__(*exc)


def _progress(job):
    return _Bar(job) if sys.stderr.isatty() else _NoBar()
