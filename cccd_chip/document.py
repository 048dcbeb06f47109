"""The Document: raw bytes of every file read, plus the evidence of the read.

A Document is what a read produces and what offline verification consumes.
Raw bytes are sacred: hashes and signatures are always checked over
``files[name]`` exactly as read.

Dump format ``cccd-dump`` version 1 (see docs/dump-format.md):
- a folder holding ``dump.json`` and one ``<NAME>.bin`` per file read, or
- a single ``*.json`` file, the same manifest with each file inline as hex, or
- a single ``*.cbor`` file, the same manifest in CBOR (RFC 8949) after the self-described
  tag 55799 (``D9 D9 F7``), each file a byte string. A single-file dump is read as CBOR when
  it starts with those bytes, else as JSON: the content decides, not the name.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Optional

from ._version import TOOL_NAME
from .errors import CccdError, DumpFormatError, UsageError
from .evidence import Evidence as Evidence  # re-exported: the dump's evidence records live in evidence.py
from .evidence import unhex_member as _unhex
from .cbor_input import MAGIC as CBOR_MAGIC
from .cbor_input import load_cbor
from .json_input import load_json, load_json_lifting_hex
from .safe_files import is_real_dir, read_regular_file
from .values import exact_bytes, FrozenValue

if TYPE_CHECKING:
    from .holder import Face, Holder
    from .lds.dg1 import DG1
    from .lds.dg13 import CCCDPersonalData

DUMP_FORMAT = "cccd-dump"
DUMP_VERSION = 1
MAX_DUMP_FILE = 4 * 1024 * 1024
MAX_DUMP_JSON = MAX_DUMP_FILE * 8  # a single-file dump (every file inline as hex) or a manifest
MAX_MANIFEST_DEPTH = 16
# the names of single-file dumps in folders of dumps and archives (what Document.load reads is
# decided by the content: CBOR_MAGIC first, else JSON)
DUMP_FILE_SUFFIXES = (".json", ".cbor")
FILE_NAMES = (
    ["CardAccess", "CardSecurity", "ATRINFO", "COM", "SOD"] + [f"DG{i}" for i in range(1, 17)]
)
# One canonical name per file (ICAO 9303-10 §4.6 names; DG1..DG16 without leading zeros).
# Anything else in a dump (DG02, dg2, DG17, "DG2 ") is refused: every consumer (hash check,
# binding checks, AA, --face, inspect) must see the same bytes under the same name (issue 10).
CANONICAL_NAMES = frozenset(FILE_NAMES)
# keys of ``absent``: a file name, or "AA" (INTERNAL AUTHENTICATE refused, reader.py)
ABSENT_NAMES = CANONICAL_NAMES | {"AA"}
_BYTES_TYPES = frozenset({bytes, bytearray})
_NAME_RE = re.compile(r"^[A-Za-z0-9]{1,16}$")
_DIGEST_RE = re.compile(r"^[0-9a-fA-F]{64}$")


@dataclass(frozen=True, init=False)
class AccessInfo(FrozenValue):
    """How the chip was opened (ICAO 9303-11 §4)."""

    protocol: str  # "BAC" | "PACE" | "NONE"
    password: Optional[str] = None  # "MRZ" | "CAN"
    oid: Optional[str] = None  # PACE protocol OID
    mapping: Optional[str] = None  # "GM" | "IM" | "CAM"
    cipher: Optional[str] = None  # "3DES" | "AES-128" | ...
    parameter_id: Optional[int] = None
    fallback: bool = False
    fallback_reason: Optional[str] = None
    # Binding of the access password to DG1 (verify/binding.py), never the password nor an
    # unkeyed hash of it (a 6-digit CAN is brute-forced from SHA-256 in under a second):
    # - password_binding: "matched" | "mismatched", the reader's comparison at read time;
    # - password_mac: hex :func:`access_password_mac` under the installation's binding key
    #   (only when the reader was given one), password_mac_key its :func:`binding_key_id`.
    # Each is omitted from JSON when None.
    password_binding: Optional[str] = None
    password_mac: Optional[str] = None
    password_mac_key: Optional[str] = None

    def __init__(
            self,
            protocol: str,
            password: Optional[str] = None,
            oid: Optional[str] = None,
            mapping: Optional[str] = None,
            cipher: Optional[str] = None,
            parameter_id: Optional[int] = None,
            fallback: bool = False,
            fallback_reason: Optional[str] = None,
            password_binding: Optional[str] = None,
            password_mac: Optional[str] = None,
            password_mac_key: Optional[str] = None,
    ) -> None:
        # stores into the slots (values.py: the generated __init__ is interpreted Python)
        object.__setattr__(self, "protocol", protocol)
        object.__setattr__(self, "password", password)
        object.__setattr__(self, "oid", oid)
        object.__setattr__(self, "mapping", mapping)
        object.__setattr__(self, "cipher", cipher)
        object.__setattr__(self, "parameter_id", parameter_id)
        object.__setattr__(self, "fallback", fallback)
        object.__setattr__(self, "fallback_reason", fallback_reason)
        object.__setattr__(self, "password_binding", password_binding)
        object.__setattr__(self, "password_mac", password_mac)
        object.__setattr__(self, "password_mac_key", password_mac_key)

    def to_json(self) -> dict[str, Any]:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return {k: v for k, v in values.items() if not (k in _OPTIONAL_ACCESS and v is None)}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "AccessInfo":
        """From a dump manifest (untrusted): every field must have its type, else DumpFormatError."""
        if not isinstance(d, dict):
            raise DumpFormatError("dump 'access' must be an object")
        known: dict[str, Any] = {k: d[k] for k in cls.__dataclass_fields__ if k in d}
        legacy = d.get("password_digest")  # unkeyed digest of older dumps: checked for form, then dropped
        if legacy is not None and not (isinstance(legacy, str) and _DIGEST_RE.match(legacy)):
            raise DumpFormatError("dump access field 'password_digest' has a wrong type or form")
        for k, v in known.items():
            if k == "parameter_id":
                ok = v is None or (type(v) is int and 0 <= v < 1 << 32)
            elif k == "fallback":
                ok = isinstance(v, bool)
            elif k == "password_mac":
                ok = v is None or (isinstance(v, str) and _DIGEST_RE.match(v) is not None)
            elif k == "password_mac_key":
                ok = v is None or (isinstance(v, str) and _KEY_ID_RE.match(v) is not None)
            elif k == "password_binding":
                ok = v is None or v in PASSWORD_BINDINGS
            else:
                ok = isinstance(v, str) or (v is None and k != "protocol")
            if not ok:
                raise DumpFormatError(f"dump access field '{k}' has a wrong type or form")
        if "protocol" not in known:
            raise DumpFormatError("dump access without 'protocol'")
        for k, allowed in _ACCESS_VALUES.items():  # closed sets: what the reader writes, nothing else
            if k in known and known[k] not in allowed:
                raise DumpFormatError(f"dump access field '{k}' has an unknown value")
        return cls(**known)


_OPTIONAL_ACCESS = ("password_binding", "password_mac", "password_mac_key")
PASSWORD_BINDINGS = ("matched", "mismatched")
_KEY_ID_RE = re.compile(r"^[0-9a-f]{16}$")
ACCESS_PASSWORD_MAC_LABEL = b"cccd-access-password-mac/1"
BINDING_KEY_ID_LABEL = b"cccd-binding-key-id/1"
MIN_BINDING_KEY = 16  # bytes
_ACCESS_VALUES: dict[str, frozenset[Optional[str]]] = {
    "protocol": frozenset({"BAC", "PACE", "NONE"}),
    "password": frozenset({None, "MRZ", "CAN"}),
    "mapping": frozenset({None, "GM", "IM", "CAM"}),
}


def _check_key(key: object) -> bytes:
    if not isinstance(key, (bytes, bytearray)) or len(key) < MIN_BINDING_KEY:
        raise UsageError(f"the binding key must hold at least {MIN_BINDING_KEY} bytes")
    return bytes(key)


def access_password_mac(key: bytes, kind: str, secret: bytes) -> str:
    """Hex HMAC-SHA256 under the installation's binding ``key`` over ``label | kind | secret``.

    ``secret`` is the password as used for access: for "MRZ" the ICAO 9303-11
    §9.7.2 MRZ_information (ASCII), for "CAN" its ASCII digits. Without the key
    nothing about the password can be learnt from the MAC (a 6-digit CAN cannot be
    brute-forced); with it, an offline verification proves that DG1 holds the
    password that opened the chip. The key is never written into a record or dump.
    """
    if kind not in ("MRZ", "CAN"):
        raise UsageError("password kind must be MRZ or CAN")
    return hmac.new(_check_key(key), ACCESS_PASSWORD_MAC_LABEL + b"|" + kind.encode() + b"|" + bytes(secret),
                    hashlib.sha256).hexdigest()


def binding_key_id(key: bytes) -> str:
    """16 hex digits naming a binding key (HMAC of a constant: says nothing about passwords)."""
    return hmac.new(_check_key(key), BINDING_KEY_ID_LABEL, hashlib.sha256).hexdigest()[:16]


def load_binding_key(path: "str | os.PathLike[str]") -> bytes:
    """The binding key from a file (raw bytes, at least 16; e.g. ``head -c 32 /dev/urandom``)."""
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise UsageError(f"cannot read the binding key file: {e.strerror}") from None
    if len(data) > 4096:
        raise UsageError("the binding key file is larger than 4096 bytes")
    return _check_key(data)


def canonical_file_name(name: object) -> str:
    """``name`` if it is the one canonical name of an LDS file, else :class:`DumpFormatError`.

    Aliases are named in the message (``DG02`` -> ``DG2``) so an operator sees the edit.
    """
    if isinstance(name, str) and name in CANONICAL_NAMES:
        return name
    shown = name if isinstance(name, str) and _NAME_RE.match(name) else "(unprintable)"
    if isinstance(name, str):
        m = re.match(r"^\s*dg\s*0*([0-9]{1,3})\s*$", name, re.IGNORECASE)
        if m and f"DG{int(m.group(1))}" in CANONICAL_NAMES:
            raise DumpFormatError(f"file name {shown!s} is an alias of DG{int(m.group(1))}: only canonical names are accepted")
        for canon in CANONICAL_NAMES:
            if canon.lower() == name.strip().lower():
                raise DumpFormatError(f"file name {shown!s} is an alias of {canon}: only canonical names are accepted")
    raise DumpFormatError(f"unknown file name {shown!s} in the dump")


@dataclass(frozen=True)
class Document(FrozenValue):
    """Raw files (name -> bytes) + why others are absent + access + evidence.

    File names are canonical (:data:`CANONICAL_NAMES`); any other name, whoever builds
    the Document, is a :class:`DumpFormatError`.
    """

    files: Mapping[str, bytes]
    absent: Mapping[str, str] = field(default_factory=dict)
    access: Optional[AccessInfo] = None
    evidence: Evidence = field(default_factory=Evidence)
    read_at: Optional[str] = None
    tool: str = TOOL_NAME
    source: Optional[str] = None

    def __post_init__(self) -> None:
        files, absent = self.files, self.absent
        # the usual case in set operations; otherwise the loops name the first offender
        if not (CANONICAL_NAMES.issuperset(files) and _BYTES_TYPES.issuperset(map(type, files.values()))):
            for name, data in files.items():
                canonical_file_name(name)
                if not isinstance(data, (bytes, bytearray)):
                    raise DumpFormatError(f"file {name} must be bytes")
        if absent and not (ABSENT_NAMES.issuperset(absent) and files.keys().isdisjoint(absent)):
            for name in absent:
                if name not in ABSENT_NAMES:
                    canonical_file_name(name)  # names the alias, or "unknown file name"
                if name in files:
                    raise DumpFormatError(f"{name} is both read and absent in the dump")

    def get(self, name: str) -> Optional[bytes]:
        return self.files.get(name)

    def with_file(self, name: str, data: bytes) -> "Document":
        files = dict(self.files)
        files[name] = data
        return replace(self, files=files)

    # --- parsed views (cccd_chip/holder.py; for display, they verify nothing) ----------
    def holder(self) -> "Optional[Holder]":
        """The holder's and the document's data, DG1 and DG13 merged (None without either)."""
        from .holder import holder_of

        return holder_of(self.files.get("DG1"), self.files.get("DG13"))

    def face(self) -> "Optional[Face]":
        """The first face image of DG2 as stored (None without DG2 or a decodable face)."""
        from .holder import face_of

        return face_of(self.files.get("DG2"))

    def dg13(self) -> "Optional[CCCDPersonalData]":
        """The CCCD's DG13 personal data (None without DG13); a malformed DG13 raises ParseError."""
        from .holder import parse_dg13

        return parse_dg13(self.files.get("DG13"))

    def dg1(self) -> "Optional[DG1]":
        """The parsed MRZ of DG1 (None without DG1); a malformed DG1 raises ParseError."""
        from .holder import parse_dg1

        return parse_dg1(self.files.get("DG1"))

    # --- serialisation -------------------------------------------------
    def manifest(self, inline: bool) -> dict[str, Any]:
        m: dict[str, Any] = {
            "format": DUMP_FORMAT,
            "version": DUMP_VERSION,
            "tool": self.tool,
            "read_at": self.read_at,
            "source": self.source,
            "access": self.access.to_json() if self.access else None,
            "evidence": self.evidence.to_json(),
            "absent": dict(self.absent),
        }
        if inline:
            m["files"] = {k: v.hex().upper() for k, v in self.files.items()}
        else:
            m["files"] = {k: f"{k}.bin" for k in self.files}
        return m

    def cbor_manifest(self) -> dict[str, Any]:
        """The manifest of the CBOR form: the single-file JSON one with each file as bytes."""
        m = self.manifest(inline=False)
        m["files"] = {k: bytes(v) for k, v in self.files.items()}
        return m

    def to_cbor_bytes(self) -> bytes:
        """The CBOR single-file form (cbor_output.dump_cbor: magic, preferred serialization)."""
        from .cbor_output import dump_cbor

        return dump_cbor(self.cbor_manifest())

    def save(self, path: "str | os.PathLike[str]") -> Path:
        """Write whole or not at all (cccd_chip.output): a ``.json`` file inline, a ``.cbor`` file
        (the CBOR form), else a folder.

        Every write is checked and fsynced; on a failure (full disk, read-only target) nothing
        is left behind and OutputError (exit 7) is raised. An existing folder is replaced only
        when it is a dump (holds dump.json) or empty; a symlink named as the target is
        followed to its folder; a file or device is never replaced by a folder.
        """
        from .output import write_tree

        p = Path(path)
        suffix = p.suffix.lower()
        if suffix == ".json":
            _atomic_write(p, json.dumps(self.manifest(inline=True), indent=1).encode())
            return p
        if suffix == ".cbor":
            _atomic_write(p, self.to_cbor_bytes())
            return p

        return write_tree(p, functools.partial(_fill_dump_folder, self, p.name), what=f"dump {p.name}",
                          replace_if=_replaceable_dump_folder)

    @classmethod
    def load(cls, path: "str | os.PathLike[str]") -> "Document":
        """A dump folder or a single-file dump, read as hostile input.

        Only regular files are read, never through a symlink (a FIFO named DG11.bin
        would hang the read, a link to /dev/zero exhaust memory, a link out of the folder
        leak another file), each with its size checked on the open file before reading
        (safe_files.read_regular_file). A single file starting with the CBOR magic is read as
        CBOR (:meth:`from_cbor_bytes`), any other as JSON; a manifest goes through the one JSON
        loader (json_input.load_json).
        """
        p = Path(path)
        try:
            if is_real_dir(p):
                manifest_path = p / "dump.json"
                if not manifest_path.exists() and not manifest_path.is_symlink():
                    raise DumpFormatError(f"folder {p.name} holds no dump.json: not a dump")
                m = _load_json(manifest_path)
                files = {}
                for name, fname in _files_map(m).items():
                    if not isinstance(fname, str) or fname != f"{name}.bin":
                        raise DumpFormatError(f"dump entry for {name} must be {name}.bin")
                    files[name] = read_regular_file(p / fname, MAX_DUMP_FILE, error=DumpFormatError, inside=p,
                                                    what=f"dump file {fname}")
            elif p.is_dir():
                raise DumpFormatError(f"{p.name} is a symbolic link to a folder (only real folders are read)")
            else:
                return _from_single_file(read_regular_file(p, MAX_DUMP_JSON, error=DumpFormatError, what=p.name),
                                         p.name)
        except OSError as e:
            raise DumpFormatError(f"cannot read dump: {e.strerror or e}") from None
        return cls.from_manifest(m, files)

    @classmethod
    def from_json_bytes(cls, raw: "bytes | bytearray | memoryview") -> "Document":
        """A dump in the single-file form (manifest with every file inline as hex); any bytes-like object."""
        return _from_inline(exact_bytes(raw), "dump")

    @classmethod
    def from_cbor_bytes(cls, raw: "bytes | bytearray | memoryview") -> "Document":
        """A dump in the CBOR form (starting with the self-described tag 55799); any bytes-like object."""
        return _from_cbor(exact_bytes(raw), "dump")

    @classmethod
    def from_bytes(cls, raw: "bytes | bytearray | memoryview") -> "Document":
        """A single-file dump in either form: CBOR when it starts with ``D9 D9 F7``, else JSON."""
        return _from_single_file(exact_bytes(raw), "dump")

    @classmethod
    def from_manifest(cls, m: dict[str, Any], files: Mapping[str, bytes]) -> "Document":
        try:
            # an empty list or "" is no object: only null/absent means "none" (a falsy wrong type
            # must not pass as an empty value)
            access = AccessInfo.from_json(m["access"]) if m.get("access") is not None else None
            evidence = Evidence.from_json(m["evidence"] if m.get("evidence") is not None else {})
            absent = m["absent"] if m.get("absent") is not None else {}
            if not isinstance(absent, dict):
                raise DumpFormatError("dump 'absent' must be an object")
            if any(not isinstance(v, str) for v in absent.values()):
                raise DumpFormatError("dump 'absent' values must be strings")
            for key in ("read_at", "source"):
                if m.get(key) is not None and not isinstance(m[key], str):
                    raise DumpFormatError(f"dump '{key}' must be a string")
            return cls(
                files=dict(files),
                absent={str(k): str(v) for k, v in absent.items()},
                access=access,
                evidence=evidence,
                read_at=m.get("read_at"),
                tool=str(m.get("tool") or ""),
                source=m.get("source"),
            )
        except (TypeError, ValueError, AttributeError) as e:
            raise DumpFormatError(f"invalid dump manifest: {type(e).__name__}") from None


def _from_inline(raw: bytes, name: str) -> Document:
    """A single-file dump: the manifest, each file's hex decoded while parsing.

    json_input.load_json_lifting_hex hands the long hex strings over as bytes (HexValue);
    the files and the evidence's hex members take them (:func:`_unhex`). Should one sit
    anywhere else (a member that holds no hex, an array), the Document built from that
    parse is dropped and the manifest parsed again as text: the result is always the one of
    the plain parse.
    """
    m, lifted = load_json_lifting_hex(raw, what=_not_acceptable(name), max_size=MAX_DUMP_JSON,
                                      max_depth=MAX_MANIFEST_DEPTH, error=DumpFormatError)
    if lifted:
        try:
            doc: Optional[Document] = _inline_document(m)
        except CccdError:
            doc = None
        if doc is not None and all(h.taken for h in lifted):
            return doc
        m = loads_manifest(raw, name=name)
    return _inline_document(m)


def _from_single_file(raw: bytes, name: str) -> Document:
    """A single-file dump in either form: CBOR when it starts with :data:`CBOR_MAGIC`, else JSON."""
    return _from_cbor(raw, name) if raw[:3] == CBOR_MAGIC else _from_inline(raw, name)


def _from_cbor(raw: bytes, name: str) -> Document:
    """A CBOR dump: the manifest (cbor_input.load_cbor, the JSON form's bounds), every file a byte string.

    Hex text where a file's bytes belong is refused: one form, one spelling of a file.
    """
    m = load_cbor(raw, what=f"{name} is not an acceptable CBOR dump", max_size=MAX_DUMP_JSON,
                  max_depth=MAX_MANIFEST_DEPTH, error=DumpFormatError)
    files = _files_map(m)
    for fname, data in files.items():
        if type(data) is not bytes:
            raise DumpFormatError(f"file {fname} must be a byte string in a CBOR dump")
    return Document.from_manifest(m, files)


def _inline_document(m: Any) -> Document:
    files = {name: _unhex(v, name) or b"" for name, v in _files_map(m).items()}
    return Document.from_manifest(m, files)


def _files_map(m: object) -> dict[str, Any]:
    if not isinstance(m, dict) or m.get("format") != DUMP_FORMAT:
        raise DumpFormatError("not a cccd-dump (missing or wrong 'format')")
    if m.get("version") != DUMP_VERSION:
        raise DumpFormatError(f"unsupported dump version {m.get('version')!r}")
    files = m.get("files")
    if not isinstance(files, dict):
        raise DumpFormatError("dump 'files' must be an object")
    if not CANONICAL_NAMES.issuperset(files):
        for name in files:
            canonical_file_name(name)
    return files


def _load_json(path: Path) -> Any:
    """A manifest file: a regular file (no symlink, no FIFO), bounded, through the one JSON loader."""
    raw = read_regular_file(path, MAX_DUMP_JSON, error=DumpFormatError, what=path.name)
    return loads_manifest(raw, name=path.name)


def loads_manifest(raw: "bytes | str", *, name: str = "dump") -> Any:
    """Parse a manifest with :func:`cccd_chip.json_input.load_json` (DumpFormatError).

    A key given twice in any object, nesting deeper than MAX_MANIFEST_DEPTH, a lone
    surrogate, NaN, a byte-order mark or more than MAX_DUMP_JSON bytes are refused:
    Python's json would keep the last of duplicate keys silently while another parser
    keeps the first, so such a dump could mean two documents to two readers.
    """
    return load_json(raw, what=_not_acceptable(name), max_size=MAX_DUMP_JSON, max_depth=MAX_MANIFEST_DEPTH,
                     error=DumpFormatError)


def _not_acceptable(name: str) -> str:
    return f"{name} is not an acceptable JSON dump"


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` atomically, readable by the owner only (0600; personal data)."""
    _atomic_write(path, data)


def _atomic_write(path: Path, data: bytes) -> None:
    """Whole or not at all, 0600, fsynced (cccd_chip.output.atomic_write_file; OutputError, exit 7)."""
    from .output import atomic_write_file

    atomic_write_file(path, data)


def _fill_dump_folder(doc: "Document", name: str, tmp: Path) -> None:
    """Write a dump's files and manifest into a fresh folder (Document.save)."""
    from .output import write_file_in

    for fname, data in doc.files.items():
        write_file_in(tmp, f"{fname}.bin", data, what=f"dump {name}")
    write_file_in(tmp, "dump.json", json.dumps(doc.manifest(inline=False), indent=1).encode(), what=f"dump {name}")


def _replaceable_dump_folder(p: Path) -> bool:
    """An existing --out folder may be replaced only when it is a dump or empty (never any other folder)."""
    try:
        names = {c.name for c in p.iterdir()}
    except OSError:
        return False
    return not names or "dump.json" in names


def _rmtree(p: Path) -> None:
    import shutil

    shutil.rmtree(p, ignore_errors=True)
