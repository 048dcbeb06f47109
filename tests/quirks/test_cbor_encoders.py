"""Field quirk: CBOR dumps written by other encoders (docs/dump-format.md, "The single-file CBOR form").

Our writer uses the preferred serialization (RFC 8949 §4.2.1). A streaming encoder on a phone
writes indefinite lengths (§3.2.2, §3.2.3): maps and arrays closed by a break, byte strings in
chunks as they come off the chip; others write every argument in eight bytes, or the map keys
in another order. Each spelling of the same manifest is one Document, equal to the JSON form's,
and verifies alike; what no spelling may change (a file's bytes) still fails when changed.
"""

from __future__ import annotations

import json
from typing import Any, Callable

import pytest

from cccd_chip.cbor_input import MAGIC
from cccd_chip.document import Document
from cccd_chip.verify.document_check import verify_document
from quirk_helpers import POLICY
from testsupport.cards import read_with_trust


def _head(major: int, n: int, wide: bool) -> bytes:
    if wide:
        return bytes([major << 5 | 27]) + n.to_bytes(8, "big")
    if n < 24:
        return bytes([major << 5 | n])
    for ai, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * size):
            return bytes([major << 5 | ai]) + n.to_bytes(size, "big")
    raise AssertionError(n)


def other_encoder(value: Any, *, indefinite: bool = False, wide: bool = False, chunk: int = 0,
                  reorder: bool = False) -> bytes:
    """A second, independent CBOR writer with the spellings of other encoders."""
    def enc(v: Any) -> bytes:
        if v is None:
            return b"\xf6"
        if v is True or v is False:
            return b"\xf5" if v else b"\xf4"
        if isinstance(v, int):
            return _head(0, v, wide) if v >= 0 else _head(1, -1 - v, wide)
        if isinstance(v, (bytes, str)):
            major, raw = (2, v) if isinstance(v, bytes) else (3, v.encode())
            if chunk and len(raw) > chunk:  # only whole characters in a text chunk: ASCII here
                parts = [raw[i:i + chunk] for i in range(0, len(raw), chunk)]
                return bytes([major << 5 | 31]) + b"".join(_head(major, len(p), wide) + p for p in parts) + b"\xff"
            return _head(major, len(raw), wide) + raw
        if isinstance(v, list):
            body = b"".join(enc(x) for x in v)
            return (b"\x9f" + body + b"\xff") if indefinite else _head(4, len(v), wide) + body
        if isinstance(v, dict):
            items = sorted(v.items(), reverse=True) if reorder else list(v.items())
            body = b"".join(enc(k) + enc(x) for k, x in items)
            return (b"\xbf" + body + b"\xff") if indefinite else _head(5, len(v), wide) + body
        raise AssertionError(type(v))

    return MAGIC + enc(value)


SPELLINGS: dict[str, Callable[[Any], bytes]] = {
    "phone streaming encoder (indefinite maps, DG2 in 512-byte chunks)":
        lambda m: other_encoder(m, indefinite=True, chunk=512),
    "every argument in eight bytes": lambda m: other_encoder(m, wide=True),
    "keys in another order": lambda m: other_encoder(m, reorder=True),
    "all of them, 1-byte chunks": lambda m: other_encoder(m, indefinite=True, wide=True, chunk=1, reorder=True),
}


@pytest.fixture(scope="module", params=["cccd-2021", "passport-pace-cam"])
def read(request, tmp_path_factory):
    return read_with_trust(tmp_path_factory.mktemp(request.param), request.param, 5)


@pytest.mark.parametrize("spelling", sorted(SPELLINGS))
def test_other_spellings_are_the_same_document(read, spelling):
    doc, store = read
    raw = SPELLINGS[spelling](doc.cbor_manifest())
    assert raw != doc.to_cbor_bytes()
    loaded = Document.from_cbor_bytes(raw)
    from_json = Document.from_json_bytes(json.dumps(doc.manifest(inline=True)).encode())
    assert loaded == from_json == doc
    ours, theirs = verify_document(doc, store, policy=POLICY), verify_document(loaded, store, policy=POLICY)
    assert [c.to_json() for c in ours.checks] == [c.to_json() for c in theirs.checks]
    assert theirs.overall.value == "successful"


@pytest.mark.parametrize("spelling", sorted(SPELLINGS))
def test_a_changed_byte_fails_in_every_spelling(read, spelling):
    doc, store = read
    dg1 = bytearray(doc.files["DG1"])
    dg1[10] ^= 0x20
    m = doc.cbor_manifest()
    m["files"] = dict(m["files"], DG1=bytes(dg1))
    report = verify_document(Document.from_cbor_bytes(SPELLINGS[spelling](m)), store, policy=POLICY)
    assert report.overall.value == "failed"
    assert any(c.check == "passive.dg_hash" and c.subject == "DG1" and c.verdict.value == "failed"
               for c in report.checks)
