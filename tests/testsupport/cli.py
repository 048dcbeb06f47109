"""The ``cccd`` command for the tests: in this process (fast; logging goes to pytest), or as a real process
(real exit status; a fresh interpreter)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from typing import Any, Mapping, Optional

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


def cccd_argv(*args: object) -> list[str]:
    """``cccd ARGS...`` of this checkout as a process argument vector (this interpreter), through the console
    script's entry point (``host_cli.entry``: a plain one-dump ``verify`` runs without click, fast_path.py)."""
    return [sys.executable, "-m", "host_cli.entry", *map(str, args)]


def run_cccd_process(*args: object, input: Optional[str] = None, timeout: float = 300.0,
                     env: Optional[Mapping[str, str]] = None) -> "subprocess.CompletedProcess[str]":
    """``cccd ARGS...`` as a real process: exit status, stdout and stderr as text. Its stdin is ``input``
    (closed when None); ``env`` is added to this process's environment."""
    return subprocess.run(cccd_argv(*args), capture_output=True, text=True, timeout=timeout, input=input,
                          stdin=subprocess.DEVNULL if input is None else None, env={**os.environ, **(env or {})})
