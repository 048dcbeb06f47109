"""Request bodies: the one place where untrusted JSON is parsed (``load_request_json``).

Limits (docs/service.md "Limits"): the size is bounded before parsing (the HTTP
layer answers 413); the nesting depth is bounded here (400); anything that is
JSON but not a ``cccd-dump`` is 422. Only :class:`BodyError` and the project's
own ``DumpFormatError`` leave this module.
"""

from __future__ import annotations

import json
from typing import Any

from ..document import Document


class BodyError(Exception):
    """A request body that is not acceptable JSON: HTTP ``status`` with a problem ``slug``."""

    def __init__(self, status: int, slug: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.slug, self.detail = status, slug, detail


def load_request_json(raw: bytes, max_depth: int) -> Any:
    """Parse a JSON request body (UTF-8, RFC 8259) whose nesting is at most ``max_depth``.

    The single switch point for the project's hostile-JSON loader: every JSON
    body of the service goes through here.
    """
    try:
        value = json.loads(raw)
    except RecursionError:
        raise BodyError(400, "json-too-deep", f"JSON nesting is deeper than {max_depth}") from None
    except UnicodeDecodeError:
        raise BodyError(400, "malformed-json", "body is not UTF-8 text") from None
    except ValueError as e:
        where = f" at line {e.lineno} column {e.colno}" if isinstance(e, json.JSONDecodeError) else ""
        raise BodyError(400, "malformed-json", f"body is not valid JSON{where}") from None
    if _depth_exceeds(value, max_depth):
        raise BodyError(400, "json-too-deep", f"JSON nesting is deeper than {max_depth}")
    return value


def _depth_exceeds(value: Any, max_depth: int) -> bool:
    stack = [(value, 1)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, (dict, list)):
            if d > max_depth:
                return True
            stack.extend((c, d + 1) for c in (v.values() if isinstance(v, dict) else v))
    return False


def parse_dump(raw: bytes, max_depth: int) -> Document:
    """A single-file ``cccd-dump`` (as ``cccd read --out x.json`` writes it) from a request body.

    Raises :class:`BodyError` (not JSON / too deep: 400; JSON but not an object: 422)
    or ``DumpFormatError`` (not a valid dump: 422).
    """
    value = load_request_json(raw, max_depth)
    if not isinstance(value, dict):
        raise BodyError(422, "invalid-dump", "a dump is a JSON object")
    return Document.from_json_bytes(raw)
