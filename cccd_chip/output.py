"""Writing outputs that must be whole or absent: records, dumps, traces, images, standard output.

On a full disk (ENOSPC), a quota (EDQUOT), a file-size limit (EFBIG), a read-only file
system (EROFS), a vanished or odd target (a symlink, a device, a file where a folder
should be), ``write()`` may fail or write fewer bytes than asked, and ``fsync()`` may be
the first call that reports the loss. Every function here:

- writes in a loop until every byte is written, and treats a write of 0 bytes or an
  ``OSError`` as a failure;
- fsyncs the data (and the folder after a rename) before it returns, so a caller may
  announce "record complete" only after the data is on the disk;
- on any failure removes what it created (no hidden temporary copy of personal data)
  and raises :class:`cccd_chip.errors.OutputError` (exit 7) naming the target and the
  operating system's reason, never the data.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import tempfile
from pathlib import Path
from typing import Callable, Optional

from .errors import OutputError


def _oserror(what: str, e: OSError) -> OutputError:
    reason = e.strerror or errno.errorcode.get(e.errno or 0, type(e).__name__)
    return OutputError(f"cannot write {what}: {reason}")


def write_all(fd: int, data: bytes, *, what: str = "output") -> None:
    """``os.write`` until every byte is written; OutputError on an error or a write of 0 bytes."""
    view = memoryview(data)
    while view:
        try:
            n = os.write(fd, view)
        except InterruptedError:
            continue
        except OSError as e:
            raise _oserror(what, e) from None
        if n <= 0:
            raise OutputError(f"cannot write {what}: short write")
        view = view[n:]


def fsync_fd(fd: int, *, what: str = "output") -> None:
    try:
        os.fsync(fd)
    except OSError as e:
        if e.errno in (errno.EINVAL, errno.EROFS) and not stat.S_ISREG(os.fstat(fd).st_mode):
            return  # a pipe, a terminal, a character device: nothing to sync
        raise _oserror(what, e) from None


def fsync_dir(path: "str | os.PathLike[str]", *, what: str = "output folder") -> None:
    """fsync a folder (after creating or renaming an entry in it)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError as e:
        raise _oserror(what, e) from None
    try:
        fsync_fd(fd, what=what)
    finally:
        os.close(fd)


def atomic_write_file(path: "str | os.PathLike[str]", data: bytes, *, mode: int = 0o600,
                      what: Optional[str] = None) -> Path:
    """Write ``path`` whole or not at all: temporary file in the same folder, write, fsync, rename, fsync folder.

    ``mode`` 0600 by default: outputs hold personal data. An existing non-regular target
    (a folder, a device, a FIFO) is refused; a symlink as the target is replaced by the file,
    never written through.
    """
    p = Path(path)
    label = what or p.name
    parent = p.parent if str(p.parent) else Path(".")
    try:
        st = os.lstat(p)
        if not (stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode)):
            raise OutputError(f"cannot write {label}: it exists and is not a regular file")
    except FileNotFoundError:
        pass
    except OSError as e:
        raise _oserror(label, e) from None
    try:
        parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=parent)
    except OSError as e:
        raise _oserror(label, e) from None
    try:
        try:
            os.fchmod(fd, mode)
            write_all(fd, data, what=label)
            fsync_fd(fd, what=label)
        finally:
            os.close(fd)
        try:
            os.replace(tmp, p)
        except OSError as e:
            raise _oserror(label, e) from None
        fsync_dir(parent, what=label)
    except BaseException:
        _unlink_quietly(tmp)
        raise
    return p


def append_record(path: "str | os.PathLike[str]", line: bytes, *, what: Optional[str] = None) -> None:
    """Append one newline-terminated record to a JSON-lines file, whole or not at all.

    The file is created 0600. A previous unterminated line (a crash mid-write) is closed
    off first. After a failed or short write the file is truncated back to where the
    record began, so no torn record stays behind (when even that fails, the next append
    closes the torn line off and readers skip it). fsync before returning.
    """
    p = Path(path)
    label = what or p.name
    if not line.endswith(b"\n"):
        line += b"\n"
    try:
        fd = os.open(p, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
    except OSError as e:
        raise _oserror(label, e) from None
    try:
        st = os.fstat(fd)
        regular = stat.S_ISREG(st.st_mode)
        start = st.st_size if regular else 0
        if regular and start:
            try:
                with open(p, "rb") as f:
                    f.seek(start - 1)
                    if f.read(1) != b"\n":
                        line = b"\n" + line
            except OSError as e:
                raise _oserror(label, e) from None
        try:
            write_all(fd, line, what=label)
            fsync_fd(fd, what=label)
        except OutputError:
            if regular:
                try:
                    os.ftruncate(fd, start)
                    os.fsync(fd)
                except OSError:
                    pass
            raise
    finally:
        os.close(fd)


def write_tree(target: "str | os.PathLike[str]", fill: Callable[[Path], None], *, what: Optional[str] = None,
               replace_if: Callable[[Path], bool] = lambda p: False, mode: int = 0o700) -> Path:
    """Build a folder under a temporary name with ``fill(tmp)``, fsync it, rename it to ``target``.

    An existing ``target`` is replaced only when ``replace_if(target)`` says so (e.g. it is a
    previous dump) and it is a real folder; a symlink named as the target is resolved first (the
    folder it points to is the target). On any failure the temporary folder is removed.
    """
    p = Path(target)
    if p.is_symlink():
        p = Path(os.path.realpath(p))
    label = what or p.name
    parent = p.parent if str(p.parent) else Path(".")
    try:
        st: Optional[os.stat_result] = os.lstat(p)
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise _oserror(label, e) from None
    if st is not None and (not stat.S_ISDIR(st.st_mode) or not replace_if(p)):
        raise OutputError(f"cannot write {label}: it exists and is not a folder this tool may replace")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{p.name}.", suffix=".tmp", dir=parent))
        os.chmod(tmp, mode)
    except OSError as e:
        raise _oserror(label, e) from None
    old: Optional[Path] = None
    try:
        fill(tmp)
        for child in sorted(tmp.iterdir()):
            if child.is_file():
                fd = os.open(child, os.O_RDONLY)
                try:
                    fsync_fd(fd, what=label)
                finally:
                    os.close(fd)
        fsync_dir(tmp, what=label)
        if st is not None:
            old = Path(tempfile.mkdtemp(prefix=f".{p.name}.", suffix=".old", dir=parent))
            try:
                os.replace(p, old)
            except OSError as e:
                raise _oserror(label, e) from None
        try:
            os.replace(tmp, p)
        except OSError as e:
            if old is not None:
                try:
                    os.replace(old, p)
                    old = None
                except OSError:
                    pass
            raise _oserror(label, e) from None
        fsync_dir(parent, what=label)
    except OSError as e:  # from fill(): a plain write that failed
        _rmtree_quietly(tmp)
        raise _oserror(label, e) from None
    except BaseException:
        _rmtree_quietly(tmp)
        raise
    finally:
        if old is not None:
            _rmtree_quietly(old)
    return p


def write_file_in(folder: Path, name: str, data: bytes, *, what: str) -> None:
    """A new file in a folder being built by :func:`write_tree` (checked writes)."""
    try:
        fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
    except OSError as e:
        raise _oserror(what, e) from None
    try:
        write_all(fd, data, what=what)
    finally:
        os.close(fd)


def _unlink_quietly(path: "str | os.PathLike[str]") -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _rmtree_quietly(path: Path) -> None:
    try:
        if path.is_symlink() or not path.is_dir():
            path.unlink()
        else:
            shutil.rmtree(path)
    except OSError:
        shutil.rmtree(path, ignore_errors=True)


__all__ = ["write_all", "fsync_fd", "fsync_dir", "atomic_write_file", "append_record", "write_tree",
           "write_file_in", "OutputError"]
