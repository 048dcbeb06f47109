"""How ``cccd`` reports an error: one line on stderr (and a JSON document with ``--json``).

The exit code comes from ``exit_codes.exit_code_for``; the message is escaped
(it may quote a file name or a card's field, cccd_chip.safe_text). :func:`run_command`
maps every error a command raises to its exit code. No click at import: a one-dump
``cccd verify`` that succeeds runs without it (host_cli/fast_path.py).
"""

from __future__ import annotations

import errno
import os
import sys

from typing import Callable, NoReturn

from cccd_chip.errors import CccdError
from cccd_chip.safe_text import visible

from .exit_codes import ExitCode, exit_code_for

OUTPUT_ERRNOS = {errno.EPIPE, errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS}


class _State:
    json_errors = False


def errors_as_json(flag: bool) -> None:
    """A command with ``--json`` asks for its errors as a JSON document on stdout too."""
    _State.json_errors = bool(flag)


def report_error(err: CccdError) -> int:
    """Say what went wrong (stderr; stdout too as JSON when asked) and return the exit code."""
    from . import render

    code = exit_code_for(err)
    if _State.json_errors:
        render.print_json({"schema": render.SCHEMA_ERROR, "exit_code": int(code), "message": str(err),
                           "aborted": code == ExitCode.TRANSPORT, **err.context()})
    label = {ExitCode.TRANSPORT: "aborted", ExitCode.OUTPUT: "output error"}.get(code, "error")
    _say(f"cccd: {label}: {visible(err)}")  # an error may quote a file name or a field
    return code


def output_lost(e: OSError) -> int:
    """Standard output could not be written: exit 7 with a message on stderr; stdout goes to /dev/null so
    that Python's own flush at exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
    try:
        _say(f"cccd: output error: cannot write standard output: {e.strerror or type(e).__name__}")
    except OSError:
        pass
    return ExitCode.OUTPUT


def run_command(body: Callable[[], int]) -> NoReturn:
    """Run a command (``body`` returns its exit code), map every error to its exit code, flush, exit.

    The click group (main.py) and the one-dump ``cccd verify`` without click (fast_path.py) end here.
    Messages go through ``click.echo`` (imported when one is written), as every ``cccd`` message does.
    """
    try:
        code = body()
    except CccdError as e:
        code = report_error(e)
    except SystemExit as e:
        if type(sys.stdout).__name__ != "_PacifyFlushWrapper":
            raise
        # click turned a closed stdout pipe (EPIPE) into exit 1 -- "document failed" to us: it is an output error
        code = output_lost(BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE)))
        del e
    except OSError as e:
        if e.errno not in OUTPUT_ERRNOS:
            if os.environ.get("CCCD_DEBUG"):
                raise
            _say(f"cccd: internal error ({type(e).__name__}); set CCCD_DEBUG=1 for details")
            code = ExitCode.INTERNAL
        else:  # stdout is a full disk, /dev/full, a closed pipe ...
            code = output_lost(e)
    except KeyboardInterrupt:
        _say("cccd: aborted (interrupted)")
        code = ExitCode.TRANSPORT
    except Exception as e:  # a bug: one line, no traceback unless asked
        if os.environ.get("CCCD_DEBUG"):
            raise
        _say(f"cccd: internal error ({type(e).__name__}); set CCCD_DEBUG=1 for details")
        code = ExitCode.INTERNAL
    try:
        sys.stdout.flush()  # buffered output not yet written: its failure is an output error, not a crash
    except OSError as e:
        code = output_lost(e)
    sys.exit(int(code))


def _say(line: str) -> None:
    """One line on stderr, as click writes it."""
    import click

    click.echo(line, err=True)
