"""Scanning an archive into dump references (docs/archive.md, "What an archive is").

The client never holds dump bytes: it turns each archive into a stream of
small :class:`DumpRef` values, in a deterministic order, and the workers read
the bytes themselves (:mod:`.loader`). An archive is

- a single-file dump (``*.json``, or ``*.cbor``: the CBOR form, docs/dump-format.md)
  or a dump folder (holding ``dump.json``);
- a folder tree: every dump folder and every ``*.json`` / ``*.cbor`` file below it,
  in name order; hidden names (``.x``, e.g. half-written temporary files) are
  skipped, symbolic links are never followed (each is an error result);
- a ``.jsonl`` / ``.ndjson`` stream file: one single-file dump per line, id
  ``FILE:LINE``; a line longer than :data:`MAX_DUMP_BYTES` is an error result,
  skipped in bounded pieces;
- a ``.zip``: every ``*.json`` / ``*.cbor`` member is a single-file dump and every
  directory holding ``dump.json`` a folder dump, id ``ARCHIVE!MEMBER``;
- an uncompressed ``.tar``: the same, members read by offset; a folder dump's
  members must be stored together (as ``tar`` and ``zipfile`` write them).

Archives are read as data only, never extracted: no member name reaches the
file system. A member name that is absolute, holds ``..``, a backslash or a
NUL, or is too long; a member that is encrypted, not a regular file or
larger than the limits; and an archive that does not open become error
results (:attr:`DumpRef.problem`), never an exception that stops the run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Optional

from ..document import DUMP_FILE_SUFFIXES, MAX_DUMP_FILE
from ..errors import UsageError
from . import ARCHIVE_SUFFIXES as ARCHIVE_SUFFIXES, STREAM_SUFFIXES, is_archive as is_archive  # re-exported

MAX_DUMP_BYTES = MAX_DUMP_FILE * 8  # a single-file dump (hex inside JSON; CBOR), as Document.load allows
MAX_PART_BYTES = MAX_DUMP_FILE  # one NAME.bin of a folder dump
MAX_MEMBERS = 2_000_000  # zip central directories are held in memory: split larger archives
MAX_NAME = 1024  # characters of a member name
MAX_DEPTH = 32  # folder levels walked below an archive root


@dataclass(frozen=True)
class DumpRef:
    """Where one dump is; a worker reads it (:func:`.loader.load`).

    ``kind``: ``file`` (single-file dump), ``folder`` (dump folder), ``line``
    (``offset``/``size`` in a stream file), ``zip`` / ``zip-folder`` (member
    name / folder prefix in ``path``), ``tar`` (``offset``/``size``),
    ``tar-folder`` (``parts``: file name, offset, size of each member),
    ``bytes`` (a single-file dump held in ``data``, e.g. from the service's
    database: ``cccd reverify``). ``problem``: a reason found while scanning;
    the dump is an error result.
    """

    id: str
    kind: str
    path: str
    member: str = ""
    offset: int = 0
    size: int = 0
    parts: tuple[tuple[str, int, int], ...] = ()
    problem: str = ""
    data: bytes = field(default=b"", repr=False)


def iter_refs(paths: Iterable["str | os.PathLike[str]"]) -> Iterator[DumpRef]:
    """Every dump of every archive, in order. A path that does not exist is a UsageError."""
    for raw in paths:
        p = Path(raw)
        name = str(raw)
        low = name.lower()
        if p.is_dir():
            if (p / "dump.json").is_file():
                yield DumpRef(name, "folder", name)
            else:
                yield from _walk(p)
        elif not p.exists():
            raise UsageError(f"{name}: no such file or folder")
        elif low.endswith(STREAM_SUFFIXES):
            yield from _stream(p)
        elif low.endswith(".zip"):
            yield from _zip(p)
        elif low.endswith(".tar"):
            yield from _tar(p)
        elif low.endswith(DUMP_FILE_SUFFIXES):
            yield DumpRef(name, "file", name)
        else:
            raise UsageError(f"{name}: not a dump or archive (.json, .cbor, dump folder, folder tree, .jsonl, .zip, "
                             ".tar)")


def _walk(folder: Path, depth: int = 0) -> Iterator[DumpRef]:
    """Dump folders and ``*.json`` / ``*.cbor`` files below ``folder`` in name order, without following links."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as err:
        yield DumpRef(str(folder), "folder", str(folder), problem=f"cannot list folder: {err.strerror or err}")
        return
    for e in entries:
        if e.name.startswith("."):
            continue
        path = Path(e.path)
        if e.is_symlink():
            if e.name.lower().endswith(DUMP_FILE_SUFFIXES) or e.is_dir():
                yield DumpRef(str(path), "file", str(path), problem="symbolic link not followed")
        elif e.is_dir(follow_symlinks=False):
            if (path / "dump.json").is_file():
                yield DumpRef(str(path), "folder", str(path))
            elif depth < MAX_DEPTH:
                yield from _walk(path, depth + 1)
            else:
                yield DumpRef(str(path), "folder", str(path), problem="folder tree too deep")
        elif e.name.lower().endswith(DUMP_FILE_SUFFIXES):
            if e.is_file(follow_symlinks=False):
                yield DumpRef(str(path), "file", str(path))
            else:
                yield DumpRef(str(path), "file", str(path), problem="not a regular file (FIFO, device or socket)")


def _stream(p: Path) -> Iterator[DumpRef]:
    """One reference per non-blank line; lines are read bounded (never a whole huge line)."""
    name = str(p)
    try:
        f = open(p, "rb")
    except OSError as e:
        yield DumpRef(name, "line", name, problem=f"cannot read stream file: {e.strerror or e}")
        return
    with f:
        offset, n = 0, 0
        while True:
            line = f.readline(MAX_DUMP_BYTES + 1)
            if not line:
                return
            n += 1
            start, length = offset, len(line)
            if length > MAX_DUMP_BYTES:
                while line and not line.endswith(b"\n"):
                    line = f.readline(1 << 16)
                    length += len(line)
                yield DumpRef(f"{name}:{n}", "line", name, offset=start, problem="dump is too large")
            elif line.strip():
                yield DumpRef(f"{name}:{n}", "line", name, offset=start, size=length)
            offset = start + length


def unsafe_member_name(member: str) -> Optional[str]:
    """Why an archive member name is refused (absolute, ``..``, backslash, NUL, too long), or None."""
    if len(member) > MAX_NAME:
        return "member name too long"
    if "\x00" in member or "\\" in member:
        return "unsafe member name"
    if member.startswith("/") or (len(member) > 1 and member[1] == ":"):
        return "unsafe member name (absolute path)"
    if any(part == ".." for part in member.split("/")):
        return "unsafe member name (path traversal)"
    return None


def _zip(p: Path) -> Iterator[DumpRef]:
    import zipfile  # imported here: a one-dump `cccd verify` asks is_archive and needs neither

    name = str(p)
    try:
        zf = zipfile.ZipFile(p)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        yield DumpRef(name, "zip", name, problem="not a readable zip archive")
        return
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            yield DumpRef(name, "zip", name, problem=f"zip archive has more than {MAX_MEMBERS} members")
            return
        for info in infos:
            member = info.filename
            base = member.rsplit("/", 1)[-1]
            if info.is_dir() or not base.lower().endswith(DUMP_FILE_SUFFIXES) or base.startswith("."):
                continue
            rid = f"{name}!{member}"
            problem = unsafe_member_name(member)
            if problem is None and info.flag_bits & 0x1:
                problem = "encrypted zip member"
            if problem is None and info.file_size > MAX_DUMP_BYTES:
                problem = "dump is too large"
            if base == "dump.json":
                prefix = member[: -len(base)]
                yield DumpRef(f"{name}!{prefix}", "zip-folder", name, member=prefix, problem=problem or "")
            else:
                yield DumpRef(rid, "zip", name, member=member, problem=problem or "")


def _tar(p: Path) -> Iterator[DumpRef]:
    import tarfile

    name = str(p)
    try:
        tf = tarfile.open(p, "r:")
    except (tarfile.TarError, OSError, ValueError, EOFError):
        yield DumpRef(name, "tar", name, problem="not a readable uncompressed tar archive")
        return
    group_dir: Optional[str] = None
    group: dict[str, tuple[int, int]] = {}
    group_problem = ""
    count = 0
    with tf:
        while True:
            try:
                info = tf.next()
            except (tarfile.TarError, OSError, ValueError, EOFError):
                yield DumpRef(f"{name}!#{count}", "tar", name, problem="tar archive is corrupt after this point")
                break
            if info is None:
                break
            tf.members.clear()  # type: ignore[attr-defined]  # keep no member list (bounded memory)
            count += 1
            if count > MAX_MEMBERS:
                yield DumpRef(name, "tar", name, problem=f"tar archive has more than {MAX_MEMBERS} members")
                break
            member = info.name
            folder, _, base = member.rpartition("/")
            if info.isdir() or base.startswith("."):
                continue
            if folder != group_dir:
                if "dump.json" in group or group_problem:
                    yield _tar_folder(name, group_dir or "", group, group_problem)
                group_dir, group, group_problem = folder, {}, ""
            problem = unsafe_member_name(member)
            is_dump_part = base == "dump.json" or base.endswith(".bin")
            if not base.lower().endswith(DUMP_FILE_SUFFIXES) and not is_dump_part:
                continue
            if problem is None and not info.isreg():
                problem = "not a regular file (link or device)"
            if problem is None and info.size > (MAX_PART_BYTES if base.endswith(".bin") else MAX_DUMP_BYTES):
                problem = "dump is too large"
            if is_dump_part:
                if problem and base == "dump.json":
                    group_problem = problem
                elif problem is None:
                    group[base] = (info.offset_data, info.size)
            else:
                yield DumpRef(f"{name}!{member}", "tar", name, member=member, offset=info.offset_data,
                              size=info.size, problem=problem or "")
        if "dump.json" in group or group_problem:
            yield _tar_folder(name, group_dir or "", group, group_problem)


def _tar_folder(name: str, folder: str, group: dict[str, tuple[int, int]], problem: str) -> DumpRef:
    prefix = f"{folder}/" if folder else ""
    parts = tuple((base, off, size) for base, (off, size) in sorted(group.items()))
    return DumpRef(f"{name}!{prefix}", "tar-folder", name, member=prefix, parts=parts, problem=problem)

