"""``cccd verify DUMP...`` without click: the plain forms, parsed here (issue 13).

A ``cccd verify`` process spent ~15 ms of its ~105 ms importing click and building the
command group (for a batch: serial time before its workers start). For the plain form

    cccd verify DUMP|FOLDER... [--csca F]... [--crl F]... [--masterlist F]...
                     [--masterlist-root F]... [--ldif F]... [--at TIME] [--workers N] [--json]

(long options with their value as the next argument; dumps or folders of dumps, none an
archive; ``N`` a plain decimal from 1) :func:`parse` returns the arguments click would
hand to the command, and the command runs the same body (``commands/verify_run.run``, the
batch in ``commands/verify_batch.py``) under the same error mapping
(``failure.run_command``). Everything else -- another command, any other option or form
(``--csca=F``, ``-v``, ``--help``, ``--``, ``--stream``, ``--jsonl``), a value or path
starting with ``-``, an empty argument, a path click would refuse as unreadable, shell
completion, Windows (click expands wildcards there) -- returns None, and click parses the
command line as always. ``tests/cli/test_fast_path.py`` checks both give the same
arguments, output, errors and exit codes.
"""

from __future__ import annotations

import os
import re
import sys
from typing import Any, NoReturn, Optional

# option -> the command's parameter; every one is repeatable, a path (click.Path()), default ()
PATH_OPTIONS = {"--csca": "csca", "--masterlist": "masterlist", "--masterlist-root": "masterlist_root",
                "--crl": "crl", "--ldif": "ldif"}
COMPLETE_VAR = "_CCCD_COMPLETE"  # click's shell completion for prog_name "cccd"
_WORKERS = re.compile(r"[1-9][0-9]{0,8}")  # --workers: a number click.IntRange(1) reads as the same int


def parse(argv: list[str]) -> Optional[dict[str, Any]]:
    """The keyword arguments of ``commands.verify_run.run`` for a plain ``verify``, else None."""
    if not argv or argv[0] != "verify" or COMPLETE_VAR in os.environ or os.name == "nt":
        return None  # (on Windows click expands wildcards in the arguments)
    paths: dict[str, list[str]] = {name: [] for name in PATH_OPTIONS.values()}
    dumps: list[str] = []
    at: Optional[str] = None
    workers: Optional[int] = None
    as_json = False
    i = 1
    while i < len(argv):
        token = argv[i]
        if token in PATH_OPTIONS or token == "--at" or token == "--workers":
            if i + 1 == len(argv) or not _plain(argv[i + 1]):
                return None
            value = argv[i + 1]
            if token == "--at":
                at = value  # given twice: the last one, as click keeps it
            elif token == "--workers":
                if not _WORKERS.fullmatch(value):
                    return None  # 0, a sign, leading zeros, not a number: click's conversion and message
                workers = int(value)  # given twice: the last one
            else:
                paths[PATH_OPTIONS[token]].append(value)
            i += 2
        elif token == "--json":
            as_json = True
            i += 1
        elif _plain(token):
            dumps.append(token)
            i += 1
        else:
            return None
    if not dumps or not all(_click_path_ok(p) for p in dumps + [p for v in paths.values() for p in v]):
        return None
    from .commands.verify_run import ARCHIVE_OPTIONS, archive_wanted

    archive_args = dict.fromkeys(ARCHIVE_OPTIONS)
    if archive_wanted(tuple(dumps), **archive_args):
        return None  # the archive engine: through click
    from . import failure  # noqa: F401 - imported with the command's modules (entry.py: frozen)
    return {"dumps": tuple(dumps), **{name: tuple(v) for name, v in paths.items()}, "stream": False,
            "workers": workers, "as_json": as_json, "as_jsonl": False, "at": at, "archive_args": archive_args,
            "policy_options": {}, "known": ()}


def _plain(arg: str) -> bool:
    """An argument no parser reads as an option: not empty, not starting with ``-``."""
    return bool(arg) and not arg.startswith("-")


def _click_path_ok(path: str) -> bool:
    """What ``click.Path()`` accepts without a message: a path that does not exist, or a readable one."""
    try:
        os.stat(path)
    except OSError:
        return True
    except ValueError:  # a NUL in it (a caller's argv, never a command line's): click's ValueError
        return False
    return os.access(path, os.R_OK)


def run(args: dict[str, Any]) -> NoReturn:
    """Run the group and the command as click runs them for ``args`` (from :func:`parse`), then exit."""
    from .failure import run_command

    run_command(lambda: _verify(args))


def _verify(args: dict[str, Any]) -> int:
    """The group's callback (verbosity), then the command's body.

    Interrupted (Ctrl-C, end of input) it ends as under click: a blank line closing the terminal's
    ``^C``, then ``cccd: aborted``, exit 4. A closed stdout (EPIPE) reaches failure.run_command
    as the OSError it is (under click: an exit that run_command maps to the same exit 7).
    """
    from .commands.verify_run import run as verify_run

    try:
        quiet_logging()
        return verify_run(**args)
    except (EOFError, KeyboardInterrupt):
        import click

        from .exit_codes import ExitCode

        click.echo(file=sys.stderr)
        click.echo("cccd: aborted", err=True)
        return int(ExitCode.TRANSPORT)


def quiet_logging() -> None:
    """The group's ``set_verbosity(0)`` (warnings on stderr, escaped), once ``logging`` is loaded.

    No module of a one-dump verification imports ``logging`` (~3 ms): where it is not loaded yet,
    a one-shot import hook configures it right after the first module imports it, before that
    module can log; none may log past the handler the group installs.
    """
    if "logging" in sys.modules:
        from .verbosity import set_verbosity

        set_verbosity(0)
    elif not any(isinstance(f, _ConfigureLogging) for f in sys.meta_path):
        sys.meta_path.insert(0, _ConfigureLogging())


class _ConfigureLogging:
    """A meta-path finder for ``logging`` only: the standard spec, whose loader then configures it."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name != "logging":
            return None
        sys.meta_path.remove(self)
        import importlib.util

        spec: Any = importlib.util.find_spec(name)  # the standard finders (this one is gone)
        if spec is not None and spec.loader is not None:
            spec.loader = _ConfiguringLoader(spec.loader)
        return spec


class _ConfiguringLoader:
    """Runs the standard loader, puts it back on the module, then ``set_verbosity(0)``."""

    def __init__(self, loader: Any) -> None:
        self._loader = loader

    def create_module(self, spec: Any) -> Any:
        return self._loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        module.__spec__.loader = module.__loader__ = self._loader
        self._loader.exec_module(module)
        from .verbosity import set_verbosity

        set_verbosity(0)
