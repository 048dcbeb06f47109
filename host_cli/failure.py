"""How ``cccd`` reports an error: one line on stderr (and a JSON document with ``--json``).

The exit code comes from ``exit_codes.exit_code_for``; the message is escaped
(it may quote a file name or a card's field, cccd_chip.safe_text).
"""

from __future__ import annotations

import errno
import os
import sys

import click

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
    click.echo(f"cccd: {label}: {visible(err)}", err=True)  # an error may quote a file name or a field
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
        click.echo(f"cccd: output error: cannot write standard output: {e.strerror or type(e).__name__}", err=True)
    except OSError:
        pass
    return ExitCode.OUTPUT
