"""The one loader for JSON the project reads from outside (RFC 8259 / RFC 7493 I-JSON rules).

Every JSON input goes through :func:`load_json`: dumps and dump manifests, ``--stream``
lines, APDU traces, kiosk credentials, virtual-card descriptions, archive manifests and
result files, and the request bodies of ``cccd serve`` and the kiosk screen. Python's
``json`` alone accepts things two readers may understand differently or that crash
later; here they are refused, each with its own ``kind``:

==================  ==================================================================
kind                refused input
==================  ==================================================================
``too-large``       more bytes than the caller's limit (checked before parsing)
``not-utf8``        bytes that are not UTF-8 (RFC 8259 §8.1), or a byte-order mark
``malformed``       not JSON; ``NaN`` / ``Infinity`` (not JSON); an integer of more
                    than 4300 digits
``too-deep``        arrays/objects nested deeper than the caller's limit (never a
                    RecursionError, whatever the depth)
``duplicate-key``   an object with the same key twice (RFC 8259 §4 "SHOULD be unique";
                    Python keeps the last, other readers the first: a dump with DG1
                    twice would mean two documents)
``bad-unicode``     a string or key with a lone surrogate (``"\\ud800"``; I-JSON §2.1),
                    which no UTF encoding can write back
==================  ==================================================================

Errors are raised as the caller's exception class (``DumpFormatError``,
``TraceFormatError``, ``UsageError``, ...; default :class:`JsonInputError`) with
``kind`` set; messages never quote the input.

Long hex strings (:func:`load_json_lifting_hex`, the dump loader): a dump is mostly the hex
text of its files, and Python's ``json`` looks at every character of it, one by one, to build
a string that is then decoded again. For bytes without a backslash, the long hex string
values (at least :data:`LIFT_MIN` digits) are taken out before parsing and decoded once with
``binascii`` (which checks every digit); each comes back as a :class:`HexValue` holding the
bytes, and the caller must take every one through :meth:`HexValue.take` where it reads hex,
else parse again with :func:`load_json`. What is accepted or refused, and why, is exactly
what :func:`load_json` decides (see :func:`_lift_hex`; tests/unit/test_json_input_lift.py
compares both on mutated dumps).
"""

from __future__ import annotations

import binascii
import json
import re
import threading
from typing import Any, Callable, NoReturn, Optional, Type

from .errors import CccdError, ParseError

DEFAULT_MAX_DEPTH = 32
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]", re.ASCII)


class JsonInputError(ParseError):
    """JSON input refused by :func:`load_json` (exit 6)."""

    reason = "JSON_INPUT"


class _RefusedError(Exception):
    """A refusal inside a loader (this one, :mod:`cccd_chip.cbor_input`): its kind, message and,
    where known, byte offset; turned into the caller's exception by :func:`refusal`."""

    def __init__(self, kind: str, message: str, offset: Optional[int] = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.offset = offset


def refusal(error: Type[CccdError], what: str, kind: str, message: str, *, file: Optional[str] = None,
            offset: Optional[int] = None) -> CccdError:
    """The caller's exception for refused input: ``what: message`` with ``kind`` set (and ``file``,
    ``offset`` when known); never the input itself."""
    text = f"{what}: {message}"
    e = error(text) if file is None and offset is None else error(text, file=file, offset=offset)
    e.kind = kind  # type: ignore[attr-defined]  # the refusal's kind, for callers that branch on it
    return e


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):  # a key given twice collapses into one entry
        raise _RefusedError("duplicate-key", "an object has the same key twice")
    return out


def _constant(name: str) -> NoReturn:
    raise _RefusedError("malformed", f"{name} is not JSON")


class HexValue:
    """A long hex string value lifted out of the text by :func:`load_json_lifting_hex`: its bytes.

    Not a ``str``: a reader that expects hex takes the bytes with :meth:`take`; anything else
    that meets it sees no string, and the caller, finding it not taken, parses again with
    :func:`load_json` (where it is the string it was).
    """

    __slots__ = ("data", "taken")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.taken = False

    def take(self) -> bytes:
        """The bytes the hex digits spell; marks this value as read where hex was expected."""
        self.taken = True
        return self.data


#: the shortest hex string value lifted out of the text before parsing (the data groups and
#: signed objects of a dump; shorter ones cost the parser less than lifting them)
LIFT_MIN = 1024
_HEX_START = re.compile(rb'"[0-9A-Fa-f]{64}')  # a quote and 64 digits: maybe a long hex string
_a2b_hex = binascii.a2b_hex
# the two parsers, built once (json.loads with hooks builds a decoder and its scanner per call)
_DECODER = json.JSONDecoder(object_pairs_hook=_pairs, parse_constant=_constant)
_lifted = threading.local()  # the lifted values of the parse running in this thread


def _constant_or_lifted(name: str) -> Any:
    """A ``NaN`` marker of :func:`_lift_hex` is the next lifted value; any other constant, or a
    ``NaN`` beyond the markers (the text's own), is refused as :func:`_constant` refuses it."""
    if name == "NaN":
        value = next(_lifted.values, None)
        if value is not None:
            return value
    _constant(name)


_LIFTING_DECODER = json.JSONDecoder(object_pairs_hook=_pairs, parse_constant=_constant_or_lifted)


def load_json(
    raw: "bytes | str",
    *,
    what: str = "JSON input",
    max_size: int,
    max_depth: int = DEFAULT_MAX_DEPTH,
    error: Type[CccdError] = JsonInputError,
    file: Optional[str] = None,
) -> Any:
    """Parse ``raw`` (UTF-8 bytes or text) under the rules above; ``error(...)`` with ``.kind`` otherwise."""
    return _load(raw, what, max_size, max_depth, error, file, lift=False)[0]


def load_json_lifting_hex(
    raw: bytes,
    *,
    what: str = "JSON input",
    max_size: int,
    max_depth: int = DEFAULT_MAX_DEPTH,
    error: Type[CccdError] = JsonInputError,
    file: Optional[str] = None,
) -> tuple[Any, list[HexValue]]:
    """:func:`load_json` with the long hex string values as :class:`HexValue`, and the list of them.

    Refuses exactly what :func:`load_json` refuses, with the same kind and message. The value
    is :func:`load_json`'s with each listed HexValue where that has its string; when one is
    not taken (:meth:`HexValue.take`) after reading the value, read ``load_json(raw)`` instead.
    """
    return _load(raw, what, max_size, max_depth, error, file, lift=True)


def _load(raw: "bytes | str", what: str, max_size: int, max_depth: int, error: Type[CccdError],
          file: Optional[str], lift: bool) -> tuple[Any, list[HexValue]]:
    def refuse(kind: str, message: str) -> CccdError:
        return refusal(error, what, kind, message, file=file)

    if len(raw) > max_size:
        raise refuse("too-large", f"larger than {max_size} bytes")
    if isinstance(raw, (bytes, bytearray, memoryview)):
        raw = bytes(raw)
        if raw.startswith(b"\xef\xbb\xbf"):
            raise refuse("not-utf8", "starts with a byte-order mark")
        # a lone surrogate can only come from a \u escape (UTF-8 itself is checked below): no
        # backslash at all (one memchr) means none; else the escape pattern decides
        plain = b"\\" not in raw
        maybe_surrogates = not plain and _SURROGATE_ESCAPE.search(raw) is not None
        if plain and lift:
            marked, lifted = _lift_hex(raw)
            if lifted:
                value = _parse_marked(marked, lifted)
                if value is not _REFUSED:
                    if not _few_brackets(marked, max_depth):
                        _walk(value, max_depth, False, refuse)
                    return value, lifted
                # refused: the plain parse of the original text below says why, in its words
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise refuse("not-utf8", "not UTF-8 text") from None
    else:
        text = raw
        if text.startswith("\ufeff"):
            raise refuse("not-utf8", "starts with a byte-order mark")
        maybe_surrogates = True
    try:
        value = _DECODER.decode(text)
    except _RefusedError as e:
        raise refuse(e.kind, str(e)) from None
    except RecursionError:
        raise refuse("too-deep", f"nested deeper than {max_depth}") from None
    except ValueError:  # JSONDecodeError, and int() of more than 4300 digits
        raise refuse("malformed", "not valid JSON") from None
    if maybe_surrogates or not _few_brackets(text, max_depth):
        _walk(value, max_depth, maybe_surrogates, refuse)
    return value, []


def _few_brackets(text: "bytes | str", max_depth: int) -> bool:
    """No more ``{`` and ``[`` in ``text`` than ``max_depth``: every container of its value opens
    with one, so the value is nested no deeper (two counts, for a text of a few KB, instead of
    walking the value)."""
    if len(text) > _COUNTED:
        return False
    if isinstance(text, bytes):
        objects = text.count(b"{")  # a dump has no array unless it holds a TA record: one memchr
        return objects <= max_depth and (b"[" not in text or objects + text.count(b"[") <= max_depth)
    objects = text.count("{")
    return objects <= max_depth and ("[" not in text or objects + text.count("[") <= max_depth)


_REFUSED = object()


def _parse_marked(marked: bytes, lifted: list[HexValue]) -> Any:
    """The value of a text marked by :func:`_lift_hex`, or ``_REFUSED`` whatever the reason."""
    _lifted.values = iter(lifted)
    try:
        return _LIFTING_DECODER.decode(marked.decode("utf-8"))
    except (_RefusedError, RecursionError, ValueError):  # ValueError: also UnicodeDecodeError
        return _REFUSED
    finally:
        _lifted.values = None


#: the longest text whose brackets are counted instead of walking its value for the depth
_COUNTED = 16384


def _lift_hex(raw: bytes) -> tuple[bytes, list[HexValue]]:
    """``raw`` (UTF-8 JSON bytes **without a backslash**) with each long hex string value
    replaced by a ``NaN`` marker, and the lifted values (:class:`HexValue`) in text order.

    Without a backslash no string holds a quote, so the quotes of the text pair up in order:
    a quote with an even number of quotes before it opens a string, the next one closes it
    (the running count skips what was lifted, which holds none). A string is lifted only when
    it is such a pair of at least :data:`LIFT_MIN` characters, all hex digits, an even number
    of them (binascii decodes and checks them: no quote, control character or non-ASCII byte
    inside). The search starts at the first
    ``"files"`` (a dump's long hex is its files, written last; the quotes before are counted,
    not searched): where it starts only decides what is lifted, never what the text means.

    When the marked text parses, each marker stood outside the strings (the quote pairs kept
    are the original's) where a value may stand (never a member name: an object's member
    starts with a quote), and no ``NaN`` of the text's own was read
    (each ``NaN`` read takes the next marker's value, one more is refused): the original
    parses to the same value, with the hex strings where the markers are. When the marked
    text is refused, for whatever reason, the caller parses the original as it is
    (:func:`_load`), so a refusal is always the plain parse's, in its words.

    Linear in the text: each byte is looked at a bounded number of times (the worst case, a
    text of quotes only, ~10 ns a byte: ~0.3 s for the largest dump allowed, whose plain
    parse may take as long).
    """
    pieces: list[bytes] = []
    lifted: list[HexValue] = []
    view = memoryview(raw)
    copied = counted = 0  # raw[:copied] is in pieces; the quotes of raw[:counted] are counted
    odd = 0  # the parity of that count
    search = _HEX_START.search
    m = search(raw, max(raw.find(b'"files"'), 0))
    while m is not None:
        q = m.start()
        odd ^= raw.count(b'"', counted, q) & 1
        if odd:  # this quote closes a string: what follows it is outside strings
            counted = q
            m = search(raw, q + 1)
            continue
        r = raw.find(b'"', m.end())
        if r < 0:  # an unterminated string: the parser says so
            break
        counted = r + 1  # the pair q, r: the parity stays
        if r - q > LIFT_MIN:
            try:
                data = _a2b_hex(view[q + 1:r])
            except (binascii.Error, ValueError):  # an odd count or not hex: the parser reads it
                data = None
            if data is not None:
                pieces += (raw[copied:q], b"NaN")
                lifted.append(HexValue(data))
                copied = r + 1
        m = search(raw, r + 1)
    if not lifted:
        return raw, lifted
    pieces.append(raw[copied:])
    return b"".join(pieces), lifted


#: Builds the refusal error of :func:`load_json` from a kind and a message.
_Refuse = Callable[[str, str], CccdError]


def _walk(value: Any, max_depth: int, strings: bool, refuse: _Refuse) -> None:
    """Depth of every container (iterative), and with ``strings`` every string and key for surrogates."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    if not strings:  # only the depth: containers are pushed, leaves skipped
        if not isinstance(value, (dict, list)):
            return
        while stack:
            v, d = stack.pop()
            if d > max_depth:
                raise refuse("too-deep", f"nested deeper than {max_depth}")
            for x in (v.values() if isinstance(v, dict) else v):
                if isinstance(x, (dict, list)):
                    stack.append((x, d + 1))
        return
    while stack:
        v, d = stack.pop()
        if isinstance(v, dict):
            if d > max_depth:
                raise refuse("too-deep", f"nested deeper than {max_depth}")
            for k, x in v.items():
                _check_str(k, refuse)
                stack.append((x, d + 1))
        elif isinstance(v, list):
            if d > max_depth:
                raise refuse("too-deep", f"nested deeper than {max_depth}")
            stack.extend((x, d + 1) for x in v)
        elif isinstance(v, str):
            _check_str(v, refuse)


def _check_str(s: str, refuse: _Refuse) -> None:
    if s.isascii():
        return
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        raise refuse("bad-unicode", "a string holds a lone surrogate (invalid Unicode)") from None


__all__ = ["load_json", "load_json_lifting_hex", "JsonInputError", "DEFAULT_MAX_DEPTH", "HexValue"]
