"""Input and output paths the operator names on the command line (docs/cli.md §outputs)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from cccd_chip.errors import UsageError


def require_path(path: Any, what: str) -> Path:
    """An input path that must exist: a missing one is a usage error naming the full path."""
    p = Path(path)
    if not os.path.lexists(p):
        raise UsageError(f"{what} not found: {p.absolute()}")
    return p


def prepare_output(path: Any, what: str, *, folder_ok: bool = False) -> Path:
    """Check an output path before any card is touched; create its parent folders.

    Every output (``--out``, ``--trace``, ``--face``, ...) follows one rule: missing
    parents are created, an existing folder where a file is expected, or a parent
    that cannot be created or written, is a usage error naming the full path.
    """
    p = Path(path)
    if p.is_dir() and not folder_ok:
        raise UsageError(f"{what} {p.absolute()} is a folder; give a file name")
    parent = p.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UsageError(f"cannot create the folder of {what} {parent}: {e.strerror or e}") from None
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"cannot write {what} into {parent}")
    return p


def named(path: Any) -> Path:
    """A dump path the operator named: a symlink given on the command line is the operator's choice and is
    resolved here; inside a dump folder (and in folders of dumps) symlinks are never followed."""
    p = Path(path)
    return p.resolve() if p.is_symlink() else p


def save_face(document: Any, path: Any) -> None:
    """Write the face image (DG2) of ``document`` to ``path`` with mode 0600 (a face is personal data)."""
    raw = document.get("DG2")
    if raw is None:
        raise UsageError("no DG2 (face) was read")
    from cccd_chip.document import write_private
    from cccd_chip.lds import dg2

    suffix = Path(path).suffix.lower().lstrip(".")
    data = dg2.export_face(dg2.parse(raw), suffix if suffix in ("jpeg", "jpg", "png") else "auto")
    write_private(Path(path), data)  # 0600 like a dump: a face is personal data (issue 10, defect 10)
