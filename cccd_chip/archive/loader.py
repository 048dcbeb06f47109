"""Reading one dump in a worker: bounded bytes, its digest, the Document (docs/archive.md).

``load(ref)`` returns ``(digest, Document or CccdError)``. The digest is the
SHA-256 of the dump as stored, so a result line names exactly the bytes it
judged, even when they do not parse:

- a single-file dump (file, stream line without its line end, zip or tar
  member): SHA-256 of its bytes;
- a folder dump: SHA-256 over ``"cccd-dump-folder/1"``, then ``dump.json``
  and each ``NAME.bin`` the manifest lists, in name order, each as
  ``name NUL length(8 bytes, big-endian) bytes``.

Every read is bounded (:data:`.source.MAX_DUMP_BYTES` per single-file dump or
manifest, :data:`.source.MAX_PART_BYTES` per ``.bin``); a file that changed
since the scan, a missing part or a read error is a ``DumpFormatError``.
"""

from __future__ import annotations

import hashlib
import os
import threading
import zipfile
import zlib
from typing import Callable, Optional, Union

from .. import document as _document
from ..document import Document
from ..errors import CccdError, DumpFormatError
from ..safe_files import read_regular_file
from .source import MAX_DUMP_BYTES, MAX_PART_BYTES, DumpRef, unsafe_member_name

FOLDER_DIGEST_LABEL = b"cccd-dump-folder/1"
_ZIPS: dict[tuple[str, int, int], zipfile.ZipFile] = {}  # per worker process: central directory read once
_ZIP_LOCK = threading.Lock()
_MAX_OPEN_ZIPS = 8

Loaded = tuple[Optional[str], Union[Document, CccdError]]


def load(ref: DumpRef) -> Loaded:
    """The dump's digest (None when it could not be read) and its Document or the error."""
    try:
        if ref.kind == "folder":
            return _folder(lambda base: _read_path(os.path.join(ref.path, base), _limit(base), inside=ref.path))
        if ref.kind == "zip-folder":
            zf = _zip(ref.path)
            return _folder(lambda base: _read_zip(zf, ref.member + base, _limit(base)))
        if ref.kind == "tar-folder":
            parts = {base: (off, size) for base, off, size in ref.parts}

            def part(base: str) -> bytes:
                if base not in parts:
                    raise DumpFormatError(f"dump file {base} is missing from the archive")
                off, size = parts[base]
                return _read_span(ref.path, off, size, _limit(base))

            return _folder(part)
        if ref.kind == "file":
            raw = _read_path(ref.path, MAX_DUMP_BYTES)
        elif ref.kind == "line":
            raw = _read_span(ref.path, ref.offset, ref.size, MAX_DUMP_BYTES + 2).rstrip(b"\r\n")
        elif ref.kind == "zip":
            raw = _read_zip(_zip(ref.path), ref.member, MAX_DUMP_BYTES)
        elif ref.kind == "tar":
            raw = _read_span(ref.path, ref.offset, ref.size, MAX_DUMP_BYTES)
        elif ref.kind == "bytes":
            if len(ref.data) > MAX_DUMP_BYTES:
                raise DumpFormatError("dump is too large")
            raw = ref.data
        else:
            raise DumpFormatError(f"unknown dump reference kind {ref.kind!r}")
    except CccdError as e:
        return None, e
    digest = hashlib.sha256(raw).hexdigest()
    try:
        # a stream line is JSON only; any other single-file dump is CBOR when it starts with the magic
        return digest, _from_bytes(raw, json_only=ref.kind == "line")
    except CccdError as e:
        return digest, e


def _from_bytes(raw: bytes, json_only: bool) -> Document:
    try:
        return Document.from_json_bytes(raw) if json_only else Document.from_bytes(raw)
    except RecursionError:
        raise DumpFormatError("dump JSON is nested too deeply") from None


def _limit(base: str) -> int:
    return MAX_PART_BYTES if base.endswith(".bin") else MAX_DUMP_BYTES


def _folder(read: Callable[[str], bytes]) -> Loaded:
    """A folder dump from ``read(base name)``; the digest covers the manifest and every part read."""
    h = hashlib.sha256(FOLDER_DIGEST_LABEL)

    def add(base: str, data: bytes) -> None:
        h.update(base.encode() + b"\x00" + len(data).to_bytes(8, "big") + data)

    try:
        manifest_raw = read("dump.json")
    except CccdError as e:
        return None, e
    add("dump.json", manifest_raw)
    try:
        manifest = _document.loads_manifest(manifest_raw, name="dump.json")  # the one JSON loader
        names = _document._files_map(manifest)
        files: dict[str, bytes] = {}
        for name in sorted(names):
            fname = names[name]
            if not isinstance(fname, str) or fname != f"{name}.bin":
                raise DumpFormatError(f"dump entry for {name} must be {name}.bin")
            files[name] = read(fname)
            add(fname, files[name])
        return h.hexdigest(), Document.from_manifest(manifest, files)
    except CccdError as e:
        return h.hexdigest(), e


def _read_path(path: str, limit: int, inside: Optional[str] = None) -> bytes:
    """A regular file only (no FIFO, device or symbolic link), bounded: :mod:`cccd_chip.safe_files`."""
    return read_regular_file(path, limit, error=DumpFormatError, inside=inside)


def _read_span(path: str, offset: int, size: int, limit: int) -> bytes:
    if size > limit:
        raise DumpFormatError("dump is too large")
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            data = f.read(size)
    except OSError as e:
        raise DumpFormatError(f"cannot read archive: {e.strerror or e}") from None
    if len(data) != size:
        raise DumpFormatError("archive changed since it was scanned")
    return data


def _zip(path: str) -> zipfile.ZipFile:
    try:
        st = os.stat(path)
        key = (path, st.st_mtime_ns, st.st_size)
        with _ZIP_LOCK:
            zf = _ZIPS.get(key)
            if zf is None:
                if len(_ZIPS) >= _MAX_OPEN_ZIPS:
                    _ZIPS.pop(next(iter(_ZIPS))).close()
                zf = _ZIPS[key] = zipfile.ZipFile(path)
            return zf
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        raise DumpFormatError("not a readable zip archive") from None


def _read_zip(zf: zipfile.ZipFile, member: str, limit: int) -> bytes:
    if unsafe_member_name(member):
        raise DumpFormatError("unsafe member name")
    try:
        with _ZIP_LOCK:
            info = zf.getinfo(member)
            if info.flag_bits & 0x1:
                raise DumpFormatError("encrypted zip member")
            if info.file_size > limit:
                raise DumpFormatError("dump is too large")
            with zf.open(info) as f:
                data = f.read(limit + 1)  # bounded even if the header lies about the size
    except KeyError:
        raise DumpFormatError(f"dump file {member.rsplit('/', 1)[-1]} is missing from the archive") from None
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError, NotImplementedError, RuntimeError):
        raise DumpFormatError("zip member cannot be read (corrupt, or unsupported compression)") from None
    if len(data) > limit:
        raise DumpFormatError("dump is too large")
    return data
