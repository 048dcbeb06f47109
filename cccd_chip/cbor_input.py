"""The one loader for CBOR the project reads from outside (RFC 8949): the binary dump form.

A CBOR dump (docs/dump-format.md) is hostile input like a JSON one. :func:`load_cbor` reads
the data model of a dump manifest and nothing more, and refuses, each with its own ``kind``:

===================  ==================================================================
kind                 refused input
===================  ==================================================================
``too-large``        more bytes than the caller's limit (checked before anything else)
``no-magic``         (``magic=True``) not starting with the self-described CBOR tag
                     55799, bytes ``D9 D9 F7`` (RFC 8949 §3.4.6)
``truncated``        the input ends inside an item, or a length (string bytes, array
                     items, map pairs) claims more than the bytes left (checked before
                     anything is allocated)
``trailing-bytes``   bytes after the top item (RFC 8949 §5.1: one item per input)
``malformed``        not well-formed (RFC 8949 §3, Appendix F): reserved additional
                     information 28-30, an indefinite length on a major type without one,
                     a break byte ``FF`` where no indefinite item ends, a chunk of an
                     indefinite string that is not a definite string of its major type,
                     a two-byte simple value below 32
``too-deep``         arrays/maps nested deeper than the caller's limit (the recursion is
                     bounded by it: never a RecursionError)
``int-range``        an integer outside a signed 64-bit one (the manifest holds none)
``not-utf8``         a text string (or a chunk of one) that is not UTF-8 (RFC 8949
                     §3.1 major type 3); lone surrogates are not valid UTF-8
``unsupported``      floats (half, single, double), ``undefined``, simple values other
                     than ``false``/``true``/``null``
``tag``              any tag (major type 6), the self-described 55799 included, except
                     the one magic at the very start
``key-type``         a map key that is not a text string
``duplicate-key``    a map with the same key twice (RFC 8949 §5.6: two readers could see
                     two documents)
===================  ==================================================================

Accepted: unsigned and negative integers (major types 0/1), byte strings (2, as ``bytes``),
UTF-8 text strings (3, as ``str``), arrays (4, as ``list``), maps (5, text keys, as ``dict``
in input order), ``false``/``true``/``null``; definite and indefinite lengths for strings,
arrays and maps (RFC 8949 §3.2.2, §3.2.3); lengths and integers in any of their encodings,
the shortest or not (§4.2.1 asks an encoder for the shortest, a decoder sees one value).

Errors are raised as the caller's exception class (``DumpFormatError``; default
:class:`CborInputError`) with ``kind`` set and the byte offset where the refusal was found;
messages never quote the input.
"""

from __future__ import annotations

from typing import Any, Optional, Type

from .errors import CccdError, ParseError
from .json_input import _RefusedError, refusal
from .values import exact_bytes

#: the self-described CBOR tag 55799 in its shortest head, the first bytes of a CBOR dump (RFC 8949 §3.4.6)
MAGIC = b"\xd9\xd9\xf7"
DEFAULT_MAX_DEPTH = 32
_MAX_DEPTH_ALLOWED = 128  # whatever the caller asks: 3 frames a level stay well inside Python's limit
_INT_MAX = (1 << 63) - 1  # major 0: 0 .. 2**63-1; major 1: -1 - n for n in 0 .. 2**63-1
_BREAK = 0xFF


class CborInputError(ParseError):
    """CBOR input refused by :func:`load_cbor` (exit 6)."""

    reason = "CBOR_INPUT"


class _Decoder:
    """One pass over ``data`` (RFC 8949 §3): ``pos`` is the next byte, ``end`` its length."""

    def __init__(self, data: bytes, max_depth: int) -> None:
        self.data = data
        self.pos = 0
        self.end = len(data)
        self.max_depth = max_depth

    def refuse(self, kind: str, message: str, at: int) -> _RefusedError:
        return _RefusedError(kind, message, at)

    def byte(self) -> int:
        """The next byte (an initial byte or one of an argument)."""
        pos = self.pos
        if pos >= self.end:
            raise self.refuse("truncated", "the input ends inside an item", pos)
        self.pos = pos + 1
        return self.data[pos]

    def argument(self, ai: int, start: int) -> int:
        """The argument of a head with additional information ``ai`` < 31 (RFC 8949 §3, Table 2)."""
        if ai < 24:
            return ai
        if ai == 24:
            return self.byte()
        if ai == 25:
            n = 2
        elif ai == 26:
            n = 4
        elif ai == 27:
            n = 8
        else:
            raise self.refuse("malformed", "reserved additional information (28-30)", start)
        pos = self.pos
        if n > self.end - pos:
            raise self.refuse("truncated", "the input ends inside an item head", pos)
        self.pos = pos + n
        return int.from_bytes(self.data[pos:pos + n], "big")

    def length(self, n: int, unit: int, start: int) -> None:
        """Refuse a length whose items (at least ``unit`` bytes each) cannot fit in what is left."""
        if n > (self.end - self.pos) // unit:
            raise self.refuse("truncated", "a length claims more than the bytes left", start)

    def item(self, depth: int) -> Any:
        """The data item at ``pos`` (``depth``: containers around it, the top item's is 0)."""
        start = self.pos
        ib = self.byte()
        major = ib >> 5
        ai = ib & 0x1F
        if major == 0 or major == 1:
            if ai == 31:
                raise self.refuse("malformed", "an integer with an indefinite length", start)
            n = self.argument(ai, start)
            if n > _INT_MAX:
                raise self.refuse("int-range", "an integer beyond 64-bit signed", start)
            return n if major == 0 else -1 - n
        if major == 2 or major == 3:
            if ai == 31:
                raw = self.chunks(major, start)
            else:
                n = self.argument(ai, start)
                self.length(n, 1, start)
                pos = self.pos
                self.pos = pos + n
                raw = self.data[pos:pos + n]
            if major == 2:
                return raw
            return self.text(raw, start)
        if major == 4 or major == 5:
            if depth >= self.max_depth:
                raise self.refuse("too-deep", f"nested deeper than {self.max_depth}", start)
            if major == 4:
                return self.array(ai, start, depth + 1)
            return self.map(ai, start, depth + 1)
        if major == 6:
            raise self.refuse("tag", "a tag (only the self-described tag 55799 at the start is accepted)", start)
        return self.simple(ai, start)

    def chunks(self, major: int, start: int) -> bytes:
        """An indefinite-length string: definite chunks of the same major type up to the break (§3.2.3)."""
        parts: list[bytes] = []
        while True:
            at = self.pos
            ib = self.byte()
            if ib == _BREAK:
                return b"".join(parts)
            if ib >> 5 != major or ib & 0x1F == 31:
                raise self.refuse("malformed", "a chunk of an indefinite string is not a definite string "
                                               "of its type", at)
            n = self.argument(ib & 0x1F, at)
            self.length(n, 1, at)
            pos = self.pos
            self.pos = pos + n
            chunk = self.data[pos:pos + n]
            if major == 3:
                self.text(chunk, at)  # each chunk is UTF-8 on its own (§3.2.3)
            parts.append(chunk)

    def text(self, raw: bytes, start: int) -> str:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise self.refuse("not-utf8", "a text string is not UTF-8", start) from None

    def at_break(self) -> bool:
        """Whether the next byte is the break of an indefinite item (consumed when it is)."""
        if self.pos >= self.end:
            raise self.refuse("truncated", "the input ends inside an indefinite-length item", self.pos)
        if self.data[self.pos] == _BREAK:
            self.pos += 1
            return True
        return False

    def array(self, ai: int, start: int, depth: int) -> list[Any]:
        out: list[Any] = []
        if ai == 31:
            while not self.at_break():
                out.append(self.item(depth))
            return out
        n = self.argument(ai, start)
        self.length(n, 1, start)
        for _ in range(n):
            out.append(self.item(depth))
        return out

    def map(self, ai: int, start: int, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if ai == 31:
            while not self.at_break():
                self.pair(out, depth)
            return out
        n = self.argument(ai, start)
        self.length(n, 2, start)
        for _ in range(n):
            self.pair(out, depth)
        return out

    def pair(self, out: dict[str, Any], depth: int) -> None:
        at = self.pos
        if at >= self.end:
            raise self.refuse("truncated", "the input ends before a map key", at)
        ib = self.data[at]
        if ib == _BREAK:
            raise self.refuse("malformed", "a break byte where no indefinite-length item ends", at)
        if ib >> 5 != 3:
            raise self.refuse("key-type", "a map key is not a text string", at)
        key = self.item(depth)
        if key in out:
            raise self.refuse("duplicate-key", "a map has the same key twice", at)
        if self.pos >= self.end:
            raise self.refuse("truncated", "the input ends before a map value", self.pos)
        if self.data[self.pos] == _BREAK:
            raise self.refuse("malformed", "an indefinite-length map ends after a key", self.pos)
        out[key] = self.item(depth)

    def simple(self, ai: int, start: int) -> Any:
        """Major type 7 (RFC 8949 §3.3): false, true, null; everything else refused."""
        if ai == 20:
            return False
        if ai == 21:
            return True
        if ai == 22:
            return None
        if ai == 31:
            raise self.refuse("malformed", "a break byte where no indefinite-length item ends", start)
        if 28 <= ai <= 30:
            raise self.refuse("malformed", "reserved additional information (28-30)", start)
        if ai == 24:
            value = self.byte()
            if value < 32:
                raise self.refuse("malformed", "a two-byte simple value below 32", start)
            raise self.refuse("unsupported", "a simple value other than false, true and null", start)
        if ai >= 25:
            raise self.refuse("unsupported", "a floating-point number", start)
        if ai == 23:
            raise self.refuse("unsupported", "undefined", start)
        raise self.refuse("unsupported", "a simple value other than false, true and null", start)


def load_cbor(
    raw: "bytes | bytearray | memoryview",
    *,
    what: str = "CBOR input",
    max_size: int,
    max_depth: int = DEFAULT_MAX_DEPTH,
    magic: bool = True,
    error: Type[CccdError] = CborInputError,
    file: Optional[str] = None,
) -> Any:
    """The one data item of ``raw`` under the rules above; ``error(...)`` with ``.kind`` otherwise.

    ``magic``: ``raw`` must start with :data:`MAGIC`, which wraps the item (a dump always does);
    without it, no tag is accepted anywhere. ``max_depth`` counts arrays/maps, the outermost
    one 1 (as :func:`cccd_chip.json_input.load_json` counts them).
    """
    if len(raw) > max_size:
        raise refusal(error, what, "too-large", f"larger than {max_size} bytes", file=file)
    data = exact_bytes(raw)
    decoder = _Decoder(data, min(max(max_depth, 0), _MAX_DEPTH_ALLOWED))
    try:
        if magic:
            if data[:3] != MAGIC:
                raise decoder.refuse("no-magic", "does not start with the self-described CBOR tag 55799", 0)
            decoder.pos = 3
        value = decoder.item(0)
        if decoder.pos != decoder.end:
            raise decoder.refuse("trailing-bytes", "bytes after the data item", decoder.pos)
    except _RefusedError as e:
        raise refusal(error, what, e.kind, e.message, file=file, offset=e.offset) from None
    return value


__all__ = ["load_cbor", "CborInputError", "MAGIC", "DEFAULT_MAX_DEPTH"]
