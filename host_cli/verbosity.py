"""``-v`` / ``-vv``: protocol steps on stderr, with every data argument escaped (architecture.md §3.2)."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

from cccd_chip.safe_text import visible

if TYPE_CHECKING:  # click is imported where the options are installed: set_verbosity runs without it
    import click

VERBOSE_HELP = "Log protocol steps to stderr (never secrets); -vv for more."


class DataSafeFormatter(logging.Formatter):
    """Log lines whose arguments (data: names, reasons, file names) are escaped visibly.

    The format strings are the tool's own; every ``%s`` argument may come from a card
    or a file, so a line break or an escape sequence in it can neither forge a log
    line nor drive the terminal (cccd_chip.safe_text).
    """

    def format(self, record: logging.LogRecord) -> str:
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record = logging.makeLogRecord(record.__dict__)
            record.args = tuple(visible(a) if isinstance(a, str) else a for a in args)
        return super().format(record)


def set_verbosity(verbose: int) -> None:
    """Route log records to stderr: warnings only, -v info, -vv debug."""
    level = logging.WARNING if not verbose else (logging.INFO if verbose == 1 else logging.DEBUG)
    root = logging.getLogger()
    if not any(getattr(h, "_cccd", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(DataSafeFormatter("%(name)s: %(message)s"))
        handler._cccd = True  # type: ignore[attr-defined]
        root.handlers[:] = [handler]
    root.setLevel(min(root.level or logging.WARNING, level) if verbose else level)


def _verbose_cb(ctx: click.Context, param: click.Parameter, value: int) -> int:
    if value:
        set_verbosity(value)
    return value


def install_verbose_options(group: click.Group) -> None:
    """``-v`` works after the subcommand too (``cccd read -v ...``), on every command."""
    for cmd in group.commands.values():
        install_verbose_option(cmd)


def install_verbose_option(cmd: click.Command) -> None:
    """``-v`` on one command (and on the commands of a group)."""
    import click

    from .options import grouped

    if isinstance(cmd, click.Group):
        install_verbose_options(cmd)
    if not any("--verbose" in getattr(p, "opts", ()) for p in cmd.params):
        cmd.params.append(grouped("Options", "-v", "--verbose", count=True, expose_value=False,
                                  callback=_verbose_cb, help=VERBOSE_HELP))
