"""Progress bars per file on stderr, only when stderr is a terminal (architecture.md §3.2)."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Callable, Iterator, Optional

Progress = Callable[[str, int, int], None]


@contextmanager
def file_progress(enabled: Optional[bool] = None) -> Iterator[Optional[Progress]]:
    """Yield a ``progress(name, done, total)`` callback drawing rich bars on stderr, or None.

    ``enabled`` None means: only when stderr is a terminal. Nothing is ever
    written to stdout, so ``--json`` output stays one clean document.
    """
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress as RichProgress, TaskID, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    bars = RichProgress(TextColumn("reading {task.description:<12}"), BarColumn(), DownloadColumn(binary_units=False),
                        TimeElapsedColumn(), console=console, transient=True)
    tasks: dict[str, TaskID] = {}

    def cb(name: str, done: int, total: int) -> None:
        if name not in tasks:
            tasks[name] = bars.add_task(name, total=max(total, 1))
        bars.update(tasks[name], completed=done, total=max(total, 1))

    with bars:
        yield cb
