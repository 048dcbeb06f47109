"""Reading files an attacker may have prepared: regular files only, bounded, no hang.

A dump folder (or a trust-material folder) can hold a FIFO named ``DG11.bin``
(``open`` would block forever), a symlink to ``/dev/zero`` (an endless read) or
to a file outside the folder (``/etc/shadow`` printed by ``cccd inspect``).
:func:`read_regular_file` opens with ``O_NONBLOCK`` (a FIFO never blocks the
open) and, unless told otherwise, ``O_NOFOLLOW``; it then checks on the open
descriptor (no race between check and read) that the file is a regular file
and not larger than the limit, and reads at most that many bytes.

Errors are the caller's exception class (``DumpFormatError`` for dumps,
``TrustStoreError`` for trust sources ...) with a message naming the file by
its base name only.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Optional, Type

from .errors import CccdError, ParseError


def read_regular_file(
    path: "str | os.PathLike[str]",
    max_size: int,
    *,
    error: Type[CccdError] = ParseError,
    follow_symlinks: bool = False,
    inside: "Optional[str | os.PathLike[str]]" = None,
    what: Optional[str] = None,
) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``max_size`` bytes.

    ``follow_symlinks=False``: a symlink as the last component is refused
    (``O_NOFOLLOW``). ``inside``: the file must be directly inside that folder
    (its parent, resolved, is the folder, resolved): a name with ``/`` or ``..``
    never leaves it.
    """
    p = Path(path)
    label = what or p.name
    if inside is not None:
        base = Path(inside)
        if p.parent.resolve() != base.resolve() or p.name in ("", ".", ".."):
            raise error(f"{label} is not inside the folder")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
        try:
            if stat.S_ISLNK(os.lstat(p).st_mode):
                raise error(f"{label} is a symbolic link (only regular files are read)")
        except FileNotFoundError:
            raise error(f"{label} does not exist") from None
        except OSError as e:
            raise error(f"cannot read {label}: {e.strerror or type(e).__name__}") from None
    try:
        fd = os.open(p, flags)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise error(f"{label} is a symbolic link (only regular files are read)") from None
        raise error(f"cannot read {label}: {e.strerror or type(e).__name__}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise error(f"{label} is not a regular file")
        if st.st_size > max_size:
            raise error(f"{label} is too large ({st.st_size} bytes, at most {max_size})")
        chunks = []
        left = max_size + 1
        while left > 0:
            try:
                b = os.read(fd, min(left, 1 << 20))
            except BlockingIOError:  # cannot happen for a regular file; never spin
                raise error(f"cannot read {label}: not ready") from None
            if not b:
                break
            chunks.append(b)
            left -= len(b)
        data = b"".join(chunks)
        if len(data) > max_size:  # grew while being read
            raise error(f"{label} is too large (at most {max_size} bytes)")
        return data
    except OSError as e:
        raise error(f"cannot read {label}: {e.strerror or type(e).__name__}") from None
    finally:
        os.close(fd)


def is_regular_file(path: "str | os.PathLike[str]", *, follow_symlinks: bool = False) -> bool:
    """True for a regular file (not a symlink unless ``follow_symlinks``); never blocks."""
    try:
        st = os.stat(path, follow_symlinks=follow_symlinks)
    except (OSError, ValueError):
        return False
    return stat.S_ISREG(st.st_mode)


def is_real_dir(path: "str | os.PathLike[str]") -> bool:
    """True for a folder that is not reached through a symlink as its last component."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except (OSError, ValueError):
        return False
