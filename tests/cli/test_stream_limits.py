"""`cccd verify --stream`: one stdin line is one dump; a line longer than any dump is
rejected without being held in memory (it is skipped in bounded pieces)."""

from __future__ import annotations

import io
import sys
import tracemalloc

import host_cli.commands.verify_batch as cli_main
from cccd_chip.verify.batch import verify_one
from cccd_chip.pki.trust_store import TrustStore
from cccd_chip.verify.passive import Policy


class _Stdin:
    def __init__(self, data: bytes) -> None:
        self.buffer = io.BytesIO(data)


def test_oversized_stdin_line_is_an_error_item_and_not_kept(monkeypatch):
    monkeypatch.setattr(cli_main, "MAX_STREAM_LINE", 4096)
    huge = b"{" + b" " * 3_000_000 + b"}\n"
    monkeypatch.setattr(sys, "stdin", _Stdin(huge + b"not json\n"))
    tracemalloc.start()
    items = list(cli_main._batch_items([], True))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert [i.label for i in items] == ["stdin:1", "stdin:2"]
    assert peak < 1_000_000  # the 3 MB line was never held whole
    results = [verify_one(i, TrustStore(), Policy()) for i in items]
    assert [r.error["error"] for r in results] == ["DumpFormatError", "DumpFormatError"]
    assert "too large" in results[0].error["message"]
