"""``--fingers DIR`` and ``--iris DIR`` of ``cccd read`` / ``cccd inspect`` (docs/biometrics.md).

One PNG per finger view of DG3 (ISO/IEC 19794-4, named after the finger
position: ``right-index.png``) or per iris image of DG4 (ISO/IEC 19794-6:
``right-eye.png``), mode 0600 in a folder created 0700: biometrics are
personal data, like a dump or the face. WSQ fingerprints need the ``wsq``
codec (``pip install 'cccd-chip[bio]'``; exit 5 without it).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional

from cccd_chip.errors import CccdError, ParseError, UnsupportedError, UsageError

KINDS = {3: ("DG3", "fingerprints", "--fingers"), 4: ("DG4", "iris images", "--iris")}


def prepare_folder(path: Any, what: str) -> Path:
    """Check (and create, 0700) an output folder before any card is touched; a usage error names why not."""
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise UsageError(f"{what} {p.absolute()} is not a folder")
    try:
        p.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as e:
        raise UsageError(f"cannot create the folder for {what} {p.absolute()}: {e.strerror or e}") from None
    if not os.access(p, os.W_OK | os.X_OK):
        raise UsageError(f"cannot write {what} into {p.absolute()}")
    return p


def save_images(document: Any, folder: Any, dg: int) -> list[Path]:
    """Write every image of DG3 (``dg=3``) or DG4 (``dg=4``) of ``document`` as PNG into ``folder``.

    Images that decode are written; then the first problem is raised (a
    template whose record did not decode or an image that did not: ParseError
    exit 6, UnsupportedError exit 5), saying how many were written.
    """
    from cccd_chip.document import write_private
    from cccd_chip.lds import dg3, dg4

    name, what, option = KINDS[dg]
    raw = document.get(name)
    if raw is None:
        why: Optional[str] = getattr(document, "absent", {}).get(name)
        raise UsageError(f"no {name} ({what}) was read" + (f": {why}" if why else "") + f"; nothing for {option}")
    value = (dg3 if dg == 3 else dg4).parse(raw)
    images = value.images()
    # templates whose record did not decode: malformed (exit 6) or of an unsupported kind (exit 5)
    errors: list[CccdError] = [
        (ParseError if b.supported else UnsupportedError)(b.error or "biometric data block not decoded", file=name,
                                                          offset=b.info.offset)
        for b in value.blocks if b.record is None]
    if not images and not errors:
        raise ParseError(f"{name} holds no biometric template", file=name)
    out = Path(folder)
    written: list[Path] = []
    for im in images:
        try:
            png = im.png()
        except CccdError as e:
            errors.append(e)
            continue
        target = out / f"{im.name}.png"
        write_private(target, png)
        written.append(target)
    if errors:
        first = errors[0]
        total = len(images) + sum(1 for b in value.blocks if b.record is None)
        first.message = f"{first.message} ({len(written)} of {total} {what} written)"
        raise first
    return written


def prepare_all(fingers: Any, iris: Any) -> dict[int, Path]:
    """The folders of ``--fingers`` (DG3) and ``--iris`` (DG4) that were given, checked and created."""
    out: dict[int, Path] = {}
    if fingers:
        out[3] = prepare_folder(fingers, "fingerprint folder")
    if iris:
        out[4] = prepare_folder(iris, "iris folder")
    return out


def save_all(document: Any, folders: dict[int, Path]) -> dict[int, list[Path]]:
    return {dg: save_images(document, folder, dg) for dg, folder in folders.items()}


def echo_written(written: dict[int, list[Path]]) -> None:
    """One line per option in the human output: where the images went (file names only, no content)."""
    import click

    for dg, paths in written.items():
        if paths:
            names = ", ".join(p.name for p in paths)
            click.echo(f"{KINDS[dg][1].capitalize()} written to {paths[0].parent.absolute()}: {names}")


__all__ = ["prepare_folder", "prepare_all", "save_images", "save_all", "echo_written", "KINDS"]
