"""The ``cccd`` command run in this process (fast; logging goes to pytest), for the CLI tests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest


@dataclass
class CliResult:
    """Exit code, stdout and stderr of one ``cccd`` run."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def exit_code(e: SystemExit) -> int:
    """The process exit status a ``SystemExit`` stands for (None: 0, a message: 1)."""
    if e.code is None:
        return 0
    return e.code if isinstance(e.code, int) else 1


def run_cccd(capsys: pytest.CaptureFixture[str], *args: object) -> CliResult:
    """``cccd ARGS...`` through ``host_cli.main.main`` with stdout/stderr captured."""
    from host_cli.main import main

    capsys.readouterr()
    try:
        main([str(a) for a in args])
        code = 0
    except SystemExit as e:
        code = exit_code(e)
    cap = capsys.readouterr()
    return CliResult(code, cap.out, cap.err)
