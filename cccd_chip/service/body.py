"""Request bodies: the one place where untrusted JSON is parsed (``load_request_json``, and
the dump loader, both on ``json_input.load_json``).

Limits (docs/service.md "Limits"): the size is bounded before parsing (the HTTP
layer answers 413); the nesting depth is bounded here (400); anything that is
JSON but not a ``cccd-dump`` is 422. Only :class:`BodyError` and the project's
own ``DumpFormatError`` leave this module.
"""

from __future__ import annotations

from typing import Any

from .. import Document  # the public facade (docs/api.md)
from ..document import MAX_MANIFEST_DEPTH
from ..errors import DumpFormatError
from ..json_input import JsonInputError, load_json


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
    try:  # cccd_chip.json_input: duplicate keys, lone surrogates, NaN, BOM and deep nesting refused
        value = load_json(raw, what="body", max_size=max(len(raw), 1), max_depth=max_depth)
    except JsonInputError as e:
        kind = getattr(e, "kind", "malformed")
        if kind == "too-deep":
            raise BodyError(400, "json-too-deep", f"JSON nesting is deeper than {max_depth}") from None
        if kind == "not-utf8":
            raise BodyError(400, "malformed-json", "body is not UTF-8 text") from None
        raise BodyError(400, "malformed-json", e.message) from None
    return value


def parse_dump(raw: bytes, max_depth: int) -> Document:
    """A single-file ``cccd-dump`` (as ``cccd read --out x.json`` writes it) from a request body.

    Raises :class:`BodyError` (not JSON / too deep: 400; JSON but not an object: 422)
    or ``DumpFormatError`` (not a valid dump: 422).

    A body is parsed once when it is a dump: the dump loader applies the same
    hostile-JSON rules (``json_input.load_json``) with its own depth limit
    (``MAX_MANIFEST_DEPTH``); only a body it refuses is parsed again under the
    service's ``max_depth``, to tell 400 (not acceptable JSON) from 422 (JSON, but
    no dump). With a ``max_depth`` below the loader's limit the service's check runs
    first, so a dump nested deeper than ``max_depth`` is still a 400.
    """
    if max_depth < MAX_MANIFEST_DEPTH:
        _json_object(raw, max_depth)
        return Document.from_json_bytes(raw)
    try:
        return Document.from_json_bytes(raw)
    except DumpFormatError as e:
        refused = e
    _json_object(raw, max_depth)  # BodyError if it is no acceptable JSON object
    raise refused


def _json_object(raw: bytes, max_depth: int) -> None:
    if not isinstance(load_request_json(raw, max_depth), dict):
        raise BodyError(422, "invalid-dump", "a dump is a JSON object")
