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
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable, NoReturn, Optional, Type

from .errors import CccdError, ParseError

DEFAULT_MAX_DEPTH = 32
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]", re.ASCII)


class JsonInputError(ParseError):
    """JSON input refused by :func:`load_json` (exit 6)."""

    reason = "JSON_INPUT"


class _RefusedError(Exception):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise _RefusedError("duplicate-key", "an object has the same key twice")
        out[k] = v
    return out


def _constant(name: str) -> NoReturn:
    raise _RefusedError("malformed", f"{name} is not JSON")


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

    def refuse(kind: str, message: str) -> CccdError:
        e = error(f"{what}: {message}", file=file) if file is not None else error(f"{what}: {message}")
        e.kind = kind  # type: ignore[attr-defined]  # the refusal's kind, for callers that branch on it
        return e

    if len(raw) > max_size:
        raise refuse("too-large", f"larger than {max_size} bytes")
    if isinstance(raw, (bytes, bytearray, memoryview)):
        raw = bytes(raw)
        if raw.startswith(b"\xef\xbb\xbf"):
            raise refuse("not-utf8", "starts with a byte-order mark")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise refuse("not-utf8", "not UTF-8 text") from None
        # a lone surrogate can only come from a \u escape (UTF-8 itself was checked above): no
        # backslash at all (one memchr) means none; else the escape pattern decides
        maybe_surrogates = b"\\" in raw and _SURROGATE_ESCAPE.search(raw) is not None
    else:
        text = raw
        if text.startswith("\ufeff"):
            raise refuse("not-utf8", "starts with a byte-order mark")
        maybe_surrogates = True
    try:
        value = json.loads(text, object_pairs_hook=_pairs, parse_constant=_constant)
    except _RefusedError as e:
        raise refuse(e.kind, str(e)) from None
    except RecursionError:
        raise refuse("too-deep", f"nested deeper than {max_depth}") from None
    except ValueError:  # JSONDecodeError, and int() of more than 4300 digits
        raise refuse("malformed", "not valid JSON") from None
    _walk(value, max_depth, maybe_surrogates, refuse)
    return value


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


__all__ = ["load_json", "JsonInputError", "DEFAULT_MAX_DEPTH"]
