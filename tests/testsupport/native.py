"""The modules mypyc compiles (pyproject.toml [tool.cccd-chip.native]; cccd_chip/_native.py)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def native_modules() -> list[str]:
    """Their names, as listed (native/build.py compiles them in this order)."""
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return list(conf["tool"]["cccd-chip"]["native"]["modules"])
