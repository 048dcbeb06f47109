"""Importing the command line's modules outside the cyclic garbage collector's reach.

A ``cccd`` process spends most of its start importing modules (click, asn1crypto,
cryptography, ~300 modules for ``cccd verify DUMP``). An import creates objects that
live as long as the process (modules, functions, classes, ~50 dataclasses); with the
collector on, every 700 new objects trigger a collection that walks the young ones and,
now and then, all of them, and the interpreter walks them all once more at exit. In a
``cccd`` process the imports therefore run with the collector paused, and what they
created is then moved to the collector's permanent generation (``gc.freeze``): it is
never walked again. A one-dump ``cccd verify`` process spends ~18 % less CPU
(issue 13, docs/performance.md), and pool workers forked after a freeze do not copy
the pages the collector would otherwise touch. The work itself (verifying, reading,
serving) runs with the collector as before.

Only in the process's own entry point (:func:`own_process`: the ``cccd`` script,
``python -m host_cli.main``): where the command runs inside another program (a test
runner), that program's objects -- garbage included -- are not frozen with ours.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator

_OWN_PROCESS = False


def own_process() -> None:
    """The ``cccd`` command owns this process: :func:`frozen_imports` may freeze what imports create."""
    global _OWN_PROCESS
    _OWN_PROCESS = True


@contextmanager
def frozen_imports() -> Iterator[None]:
    """Run the block (imports) with the collector paused, then freeze what exists (in a ``cccd`` process only)."""
    if not _OWN_PROCESS or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()
