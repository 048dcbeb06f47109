"""The `cccd` console script: says which extra is missing instead of a traceback.

The library (``cccd_chip``) needs none of click, rich or Pillow; the command line
does. A wheel installed without the ``cli`` extra still gets the script, so the
script checks its own dependencies before importing the command modules.
"""

from __future__ import annotations

import importlib.util
import sys
from typing import Optional

from . import fast_path
from .exit_codes import ExitCode  # no click: importable without the cli extra
from .imports import frozen_imports, own_process

CLI_REQUIREMENTS = ("click", "rich")


def missing_requirements() -> list[str]:
    """Top-level modules of the ``cli`` extra that cannot be imported."""
    return [name for name in CLI_REQUIREMENTS if importlib.util.find_spec(name) is None]


def main(argv: Optional[list[str]] = None) -> None:
    missing = missing_requirements()
    if missing:
        sys.stderr.write(
            f"cccd: the command line needs {', '.join(missing)}, which is not installed; "
            "install the extra: pip install 'cccd-chip[cli]'\n")
        sys.exit(int(ExitCode.USAGE))
    own_process()
    with frozen_imports():  # the command's modules: click and the group, or not (host_cli/imports.py)
        fast = fast_path.parse(sys.argv[1:] if argv is None else argv)
        if fast is None:
            from .main import main as cli_main
    if fast is not None:  # a plain one-dump `cccd verify`: the same command, without click (fast_path.py)
        fast_path.run(fast)
    cli_main(argv)


if __name__ == "__main__":  # pragma: no cover - python -m host_cli.entry
    main()
