"""ICAO PKD LDIF downloads (ICAO 9303-12 §8, RFC 2849).

The PKD publishes three LDIF collections: DSCs and CRLs
(``userCertificate;binary``, ``certificateRevocationList;binary``), CSCA
master lists (``pkdMasterListContent``) and non-conformant DSCs. This module
only splits an LDIF file into typed binary objects; nothing in it is trusted
yet (the trust store verifies each object, and takes CSCAs from LDIF only out
of master lists whose signer chains to a root the operator named).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Iterator, Optional

from ..errors import ParseError
from .dn import attribute_values, parse_dn

MAX_LDIF_SIZE = 512 * 1024 * 1024
MAX_VALUE_SIZE = 16 * 1024 * 1024

_KINDS = {
    "usercertificate;binary": "certificate",
    "usercertificate": "certificate",
    "cacertificate;binary": "certificate",
    "cacertificate": "certificate",
    "certificaterevocationlist;binary": "crl",
    "certificaterevocationlist": "crl",
    "pkdmasterlistcontent": "masterlist",
    "pkdmasterlistcontent;binary": "masterlist",
}


@dataclass(frozen=True)
class LdifObject:
    """One binary value of an LDIF entry: ``kind`` is certificate | crl | masterlist."""

    kind: str
    dn: str
    data: bytes
    line: int  # 1-based line of the attribute, for error reports

    @property
    def collection(self) -> Optional[str]:
        """``dsc``, ``crl``, ``ml``, ``csca`` ... from the ``o=`` attribute of the DN (RFC 4514).

        None when the DN does not parse, has no ``o=``, or names more than one
        collection (ambiguous). Only a label: no LDIF entry is ever trusted because
        of its DN (the trust store takes CSCAs from verified master lists only).
        """
        try:
            values = {v.lower() for v in attribute_values(parse_dn(self.dn), "o")}
        except ParseError:
            return None
        return values.pop() if len(values) == 1 else None


def parse_ldif(text: bytes, *, file: Optional[str] = "ldif") -> list[LdifObject]:
    """All certificate / CRL / master-list values of an LDIF file."""
    if len(text) > MAX_LDIF_SIZE:
        raise ParseError("LDIF file too large", file=file)
    return list(iter_ldif(text, file=file))


def iter_ldif(text: bytes, *, file: Optional[str] = "ldif") -> Iterator[LdifObject]:
    dn = ""
    for lineno, attr, value, is_b64 in _logical_lines(text, file):
        key = attr.lower()
        if key == "dn":
            dn = _decode(value, is_b64, lineno, file).decode("utf-8", "replace")
            continue
        kind = _KINDS.get(key)
        if kind is None:
            continue
        data = _decode(value, is_b64, lineno, file)
        if data:
            yield LdifObject(kind, dn, data, lineno)


def _logical_lines(text: bytes, file: Optional[str]) -> Iterator[tuple[int, str, bytes, bool]]:
    """(line, attribute, raw value, value is base64) with RFC 2849 folding undone."""
    parts: list[bytes] = []
    start = 0
    size = 0
    for i, raw in enumerate(text.split(b"\n"), start=1):
        line = raw[:-1] if raw.endswith(b"\r") else raw
        if line.startswith(b" ") and parts:
            parts.append(line[1:])
            size += len(line)
            if size > MAX_VALUE_SIZE:
                raise ParseError("LDIF value too large", file=file, offset=start)
            continue
        if parts:
            yield _split(b"".join(parts), start, file)
        parts, size = [], 0
        if not line or line.startswith(b"#"):
            continue
        parts, start, size = [line], i, len(line)
    if parts:
        yield _split(b"".join(parts), start, file)


def _split(line: bytes, lineno: int, file: Optional[str]) -> tuple[int, str, bytes, bool]:
    colon = line.find(b":")
    if colon <= 0:
        raise ParseError(f"LDIF line {lineno} has no attribute", file=file)
    attr = line[:colon].decode("ascii", "replace").strip()
    rest = line[colon + 1 :]
    if rest.startswith(b":"):
        return lineno, attr, rest[1:].strip(), True
    if rest.startswith(b"<"):
        raise ParseError(f"LDIF line {lineno}: URL values are not supported", file=file)
    return lineno, attr, rest.strip(), False


def _decode(value: bytes, is_b64: bool, lineno: int, file: Optional[str]) -> bytes:
    if not is_b64:
        return value
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ParseError(f"LDIF line {lineno}: invalid base64", file=file) from None
