"""LDAP distinguished names as strings (RFC 4514 §3), for the DNs of PKD LDIF entries.

``dn: cn=evil\\,o=csca,o=dsc,c=VN,...`` has ``cn`` = ``evil,o=csca`` as its first
RDN, not ``o=csca``: a DN is split only on unescaped ``,`` (RDNs) and ``+``
(attributes of a multi-valued RDN); ``\\,`` ``\\+`` ``\\"`` ``\\\\`` ``\\<`` ``\\>``
``\\;`` ``\\=`` ``\\ `` ``\\#`` and ``\\XX`` (hex pair) are escapes; a value starting
with ``#`` is the hex of a BER encoding (kept as its hex text, never decoded
into a name part). Anything else that RFC 4514 does not allow (an unescaped
special character inside a value, a dangling backslash, a bad hex pair, an
empty attribute type) raises :class:`ParseError`: an entry whose DN cannot be
read unambiguously is rejected, never guessed.
"""

from __future__ import annotations

import re
from typing import Optional

from ..errors import ParseError

MAX_DN_LENGTH = 4096
MAX_RDNS = 64

AttributeTypeAndValue = tuple[str, str]  # (type lower-cased, value unescaped)
RDN = tuple[AttributeTypeAndValue, ...]

_TYPE_RE = re.compile(r"^(?:[A-Za-z][A-Za-z0-9-]*|[0-9]+(?:\.[0-9]+)+)$")
_ESCAPABLE = set(' "#+,;<=>\\')
_SPECIAL = set('"+,;<>\\')  # must be escaped inside a value (RFC 4514 §2.4)


def parse_dn(text: str, *, file: Optional[str] = None) -> tuple[RDN, ...]:
    """The RDNs of ``text`` left to right (most specific first, as written)."""
    if len(text) > MAX_DN_LENGTH:
        raise ParseError("DN too long", file=file)
    if not text.strip():
        return ()
    rdns: list[RDN] = []
    current: list[AttributeTypeAndValue] = []
    i, n = 0, len(text)
    while True:
        attr_type, i = _read_type(text, i, file)
        value, i = _read_value(text, i, file)
        current.append((attr_type, value))
        if i >= n:
            rdns.append(tuple(current))
            break
        sep = text[i]
        i += 1
        if sep == ",":
            rdns.append(tuple(current))
            current = []
            if len(rdns) > MAX_RDNS:
                raise ParseError("DN has too many RDNs", file=file)
        # sep == "+": another attribute of the same RDN
    return tuple(rdns)


def attribute_values(rdns: tuple[RDN, ...], attr_type: str) -> list[str]:
    """Every value of ``attr_type`` (case-insensitive) in the DN, left to right."""
    t = attr_type.lower()
    return [v for rdn in rdns for (k, v) in rdn if k == t]


def _read_type(text: str, i: int, file: Optional[str]) -> tuple[str, int]:
    eq = text.find("=", i)
    if eq < 0:
        raise ParseError("DN attribute without '='", file=file)
    attr_type = text[i:eq].strip()
    if not _TYPE_RE.match(attr_type):
        raise ParseError("DN attribute type invalid", file=file)
    return attr_type.lower(), eq + 1


def _read_value(text: str, i: int, file: Optional[str]) -> tuple[str, int]:
    n = len(text)
    while i < n and text[i] == " ":  # spaces around '=' / separators are not part of a value
        i += 1
    if i < n and text[i] == "#":  # hexstring of a BER value
        j = i + 1
        while j < n and text[j] in "0123456789abcdefABCDEF":
            j += 1
        hexpart = text[i + 1 : j]
        if not hexpart or len(hexpart) % 2:
            raise ParseError("DN hex value invalid", file=file)
        k = j
        while k < n and text[k] == " ":
            k += 1
        if k < n and text[k] not in ",+":
            raise ParseError("DN hex value invalid", file=file)
        return "#" + hexpart.lower(), k
    out = bytearray()
    trailing_plain_spaces = 0
    while i < n:
        ch = text[i]
        if ch in ",+":
            break
        if ch == "\\":
            if i + 1 >= n:
                raise ParseError("DN ends inside an escape", file=file)
            nxt = text[i + 1]
            if nxt in _ESCAPABLE:
                out += nxt.encode()
                i += 2
            elif _is_hex(text[i + 1 : i + 3]):
                out.append(int(text[i + 1 : i + 3], 16))
                i += 3
            else:
                raise ParseError("DN escape invalid", file=file)
            trailing_plain_spaces = 0
            continue
        if ch in _SPECIAL or ch == "\x00":
            raise ParseError("DN value holds an unescaped special character", file=file)
        out += ch.encode()
        trailing_plain_spaces = trailing_plain_spaces + 1 if ch == " " else 0
        i += 1
    if trailing_plain_spaces:
        del out[-trailing_plain_spaces:]
    try:
        return out.decode("utf-8"), i
    except UnicodeDecodeError:
        raise ParseError("DN value is not UTF-8", file=file) from None


def _is_hex(s: str) -> bool:
    return len(s) == 2 and all(c in "0123456789abcdefABCDEF" for c in s)
