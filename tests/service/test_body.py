"""Request bodies (cccd_chip.service.body): a dump is parsed once, and the answers stay those of two parses.

The worker loads a body with the dump loader first; only a body the loader refuses is
parsed again under the service's ``--max-depth`` to tell 400 (no acceptable JSON) from
422 (JSON, but no dump). These cases pin that the single parse changes no answer.
"""

from __future__ import annotations

import json

import pytest

from cccd_chip.document import MAX_MANIFEST_DEPTH
from cccd_chip.errors import DumpFormatError
from cccd_chip.service.body import BodyError, parse_dump


def _nested(depth: int) -> dict:
    """An object nested ``depth`` deep (counting the outer one)."""
    v: dict = {}
    for _ in range(depth - 1):
        v = {"x": v}
    return v


DUMP = {"format": "cccd-dump", "version": 1, "files": {"COM": "60"}}


def _status(raw: bytes, max_depth: int) -> object:
    try:
        parse_dump(raw, max_depth)
    except BodyError as e:
        return e.status, e.slug
    except DumpFormatError:
        return 422, "invalid-dump"
    return "dump"


@pytest.mark.parametrize("max_depth", [3, 8, MAX_MANIFEST_DEPTH, 32, 1000])
def test_answers_are_those_of_the_service_rules_then_the_loader(max_depth: int) -> None:
    deep_dump = json.dumps({**DUMP, "extra": _nested(6)}).encode()  # 7 levels: a dump the loader takes
    assert _status(json.dumps(DUMP).encode(), max_depth) == "dump"
    assert _status(deep_dump, max_depth) == ("dump" if max_depth >= 7 else (400, "json-too-deep"))
    beyond_loader = json.dumps({**DUMP, "extra": _nested(MAX_MANIFEST_DEPTH + 2)}).encode()
    assert _status(beyond_loader, max_depth) == ((422, "invalid-dump") if max_depth > MAX_MANIFEST_DEPTH + 2
                                                 else (400, "json-too-deep"))
    assert _status(b"[1, 2]", max_depth) == (422, "invalid-dump")
    assert _status(b'{"format": "cccd-dump", "version": 2, "files": {}}', max_depth) == (422, "invalid-dump")
    assert _status(b'{"a": 1, "a": 2}', max_depth) == (400, "malformed-json")  # a duplicate key
    assert _status(b'{"format": NaN}', max_depth) == (400, "malformed-json")
    assert _status(b"\xff{}", max_depth) == (400, "malformed-json")
    assert _status(b"[" * 100_000, max_depth) == (400, "json-too-deep")
