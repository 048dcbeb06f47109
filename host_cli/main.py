"""The ``cccd`` command (architecture.md §3.2): the click group, its commands, and the error handling.

Each command lives in its own module under ``host_cli/commands/``; shared options are in
``options.py`` (credential, source, chip limits) and ``trust.py`` (trust material, policy).
Exit codes (``exit_codes.ExitCode``): 0 done and every check successful; 1 document failed
verification; 2 usage; 3 verification undetermined; 4 reader/card/link problem (incl. aborted
reads); 5 access denied or chip protocol error; 6 malformed data; 7 output error; 70 internal error.
"""

from __future__ import annotations

import importlib
from typing import Any, Optional

import click

from cccd_chip import TOOL_NAME
from cccd_chip.safe_text import visible

from .exit_codes import ExitCode
from .failure import run_command
from .imports import frozen_imports
from .options import CccdGroup
from .trust import make_policy
from .verbosity import VERBOSE_HELP, install_verbose_option, install_verbose_options, set_verbosity

__all__ = ["cli", "main", "install_verbose_options", "make_policy"]


@click.group(cls=CccdGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(TOOL_NAME.split()[-1], prog_name="cccd")
@click.option("-v", "--verbose", count=True, help=VERBOSE_HELP)
def cli(verbose: int) -> None:
    """Read and verify chip identity documents (Vietnamese CCCD, ICAO 9303 eMRTD)."""
    set_verbosity(verbose)


# command name -> (module under host_cli/commands/, attribute): a module is imported when its command
# is looked up, so `cccd verify DUMP` does not import the kiosk, the service or the emulator (issue 13:
# a one-dump process); `cccd --help` and `cli.commands.values()` load them all.
COMMANDS = {
    "read": ("read", "read"), "verify": ("verify", "verify_cmd"), "personalize": ("personalize", "personalize"),
    "trace": ("trace", "trace"), "readers": ("readers", "readers"), "demo": ("demo", "demo"),
    "inspect": ("inspect", "inspect"), "emulate": ("emulate", "emulate"), "kiosk": ("kiosk", "kiosk"),
    "watch": ("watch", "watch"), "keys": ("keys", "keys"), "purge": ("keys", "purge"), "serve": ("serve", "serve"),
    "reverify": ("reverify", "reverify"),
}


class LazyCommands(dict[str, click.Command]):
    """The group's command table; each command module is imported on first access (with ``-v`` installed)."""

    def __init__(self, table: dict[str, tuple[str, str]]) -> None:
        super().__init__()
        self._table = table
        self._loaded: set[str] = set()
        for name in table:
            dict.__setitem__(self, name, click.Command(name))  # placeholder until loaded

    def _load(self, name: str) -> click.Command:
        if name in self._table and name not in self._loaded:
            module, attr = self._table[name]
            with frozen_imports():
                cmd: click.Command = getattr(importlib.import_module(f"host_cli.commands.{module}"), attr)
            install_verbose_option(cmd)
            dict.__setitem__(self, name, cmd)
            self._loaded.add(name)
        return dict.__getitem__(self, name)

    def __getitem__(self, name: str) -> click.Command:
        return self._load(name)

    def get(self, name: str, default: Any = None) -> Any:
        return self._load(name) if name in self else default

    def values(self) -> list[click.Command]:  # type: ignore[override]
        return [self._load(n) for n in list(self)]

    def items(self) -> list[tuple[str, click.Command]]:  # type: ignore[override]
        return [(n, self._load(n)) for n in list(self)]


cli.commands = LazyCommands(COMMANDS)


def main(argv: Optional[list[str]] = None) -> None:
    """Entry point: run the click group and map every error to its exit code (failure.run_command)."""
    run_command(lambda: _click_main(argv))


def _click_main(argv: Optional[list[str]]) -> int:
    """The group on ``argv``: its return value, or the exit code of click's own exits and errors."""
    try:
        rv = cli.main(args=argv, prog_name="cccd", standalone_mode=False)
        return rv if isinstance(rv, int) else 0
    except click.exceptions.Exit as e:
        return e.exit_code
    except click.ClickException as e:
        click.echo(f"cccd: usage: {visible(e.format_message())}", err=True)
        return ExitCode.USAGE
    except click.exceptions.Abort:
        click.echo("cccd: aborted", err=True)
        return ExitCode.TRANSPORT


if __name__ == "__main__":  # pragma: no cover
    from .imports import own_process

    own_process()
    main()
