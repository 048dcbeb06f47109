"""The batch of ``cccd verify`` (several dumps, folders of dumps, a stream), importable without click.

The click command (``commands/verify.py``) and the plain form parsed by ``host_cli/fast_path.py``
both reach it through ``commands/verify_run.run``: one body, the same lines, summary and exit code.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import Any, Callable

from cccd_chip.safe_text import visible

from .. import render
from ..exit_codes import ExitCode, exit_code_for
from ..imports import frozen_imports
from ..paths import named
from .verify_run import is_dump_folder_of_dumps

MAX_STREAM_LINE = 32 * 1024 * 1024  # one single-file dump per stdin line; no dump is larger (document.py)


def echo(text: str, err: bool = False) -> None:
    """One line to stdout (or stderr), flushed: what ``click.echo`` does with a plain ``str``."""
    stream = sys.stderr if err else sys.stdout
    stream.write(text + "\n")
    stream.flush()


_is_dump_folder_of_dumps = is_dump_folder_of_dumps


def _batch_items(dumps, stream):
    from cccd_chip.verify.batch import InlineDump, dump_paths

    for d in dumps:
        if _is_dump_folder_of_dumps(d):
            found = False
            for p in dump_paths(d):
                found = True
                yield p
            if not found:  # no dump in it: the folder itself fails to load ("no dump.json"), exit 6
                yield Path(d)
        else:
            yield named(d)
    if stream:
        src = sys.stdin.buffer
        n = 0
        while True:
            line = src.readline(MAX_STREAM_LINE + 1)  # bounded: a line without end is not read whole
            if not line:
                break
            n += 1
            if len(line) > MAX_STREAM_LINE:
                while line and not line.endswith(b"\n"):  # skip the rest of it in bounded pieces
                    line = src.readline(1 << 16)
                yield InlineDump(b"", f"stdin:{n}", oversized=True)
            elif line.strip():
                yield InlineDump(line, f"stdin:{n}")


def _verify_many(dumps, stream, workers, policy, as_json, as_jsonl, store) -> int:
    from cccd_chip.pki.trust_store import TrustStore
    from cccd_chip.verify.batch import verify_many

    if workers != 1:
        with frozen_imports():  # the process pool's modules, as the verifier's (host_cli/imports.py)
            from cccd_chip.verify import forkpool

            if not forkpool.available():
                import concurrent.futures.process  # noqa: F401
    counts = {"successful": 0, "failed": 0, "undetermined": 0, "error": 0}
    results = []
    entry: Callable[[Any], tuple[str, Any]] = _jsonl_entry if as_jsonl else _json_entry if as_json else _line_entry
    # each result is rendered where it was verified (a pool worker): only (key, text) comes back.
    # SIGTERM ends the batch as Ctrl-C does: "aborted", exit 4, no summary (never a partial success)
    previous = _on_sigterm(_interrupt)
    try:
        for key, out in verify_many(_batch_items(dumps, stream), store or TrustStore(), policy=policy,
                                    workers=workers, render=entry):
            counts[key] = counts.get(key, 0) + 1
            if as_jsonl:
                sys.stdout.write(out)
                sys.stdout.flush()
            elif as_json:
                results.append(out)
            else:
                echo(out)
    finally:
        _on_sigterm(previous)
    total = sum(counts.values())
    if total == 0:  # e.g. an empty stream: "0 dumps" is never a success (issue 10, defect 4)
        if as_json:
            render.print_json({"schema": render.SCHEMA_VERIFY_BATCH, "count": 0, "summary": counts,
                               "trust_store_version": store.version if store is not None else None,
                               "results": []})
        echo("cccd verify: error: no dump found", err=True)
        return ExitCode.MALFORMED
    if as_json:
        render.print_json({"schema": render.SCHEMA_VERIFY_BATCH, "count": total, "summary": counts,
                           "trust_store_version": store.version if store is not None else None,
                           "results": results})
    echo(f"cccd verify: {total} dumps: " + ", ".join(f"{v} {k}" for k, v in counts.items() if v), err=True)
    return exit_code_for(counts)  # internal (a bug on some input) 70, failed 1, error 6, undetermined 3


def _on_sigterm(handler):
    """Install ``handler`` for SIGTERM; the one it replaces (None where this is no main thread: unchanged)."""
    if handler is None:
        return None
    try:
        return signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread (the command run inside another program)
        return None


def _interrupt(signum, _frame):
    raise KeyboardInterrupt  # host_cli/main.py: "cccd: aborted (interrupted)", exit 4


def _count_key(r) -> str:
    """The summary count a result goes to: its overall verdict, else error (or internal: a bug, or a dump
    whose worker process died twice, WORKER_LOST: not known to be malformed, never a success)."""
    if r.report is not None:
        return r.report.overall.value
    return "internal" if (r.error or {}).get("reason") in ("INTERNAL", "WORKER_LOST") else "error"


def _line_entry(r) -> tuple[str, str]:
    return _count_key(r), _batch_line(r)


def _jsonl_entry(r) -> tuple[str, str]:
    return _count_key(r), render.json_text(r.to_json(), indent=None) + "\n"


def _json_entry(r) -> tuple[str, dict]:
    return _count_key(r), r.to_json()


def _batch_line(r) -> str:
    """One line per dump; the source, subjects and messages are data and escaped (one line, no controls)."""
    if r.report is None:
        return f"{visible(r.source)}: error {visible(r.error.get('reason'))}: {visible(r.error.get('message'))}"
    bad = [f"{c.check}{' ' + visible(c.subject) if c.subject else ''} {c.reason.value}" for c in r.report.checks
           if c.verdict.value in ("failed", "undetermined")]
    return f"{visible(r.source)}: {r.report.overall.value}" + (f" ({'; '.join(bad)})" if bad else "")
