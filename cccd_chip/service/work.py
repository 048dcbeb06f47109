"""What runs in the verification processes: one request body -> the record's contents.

Each process is ``python -m cccd_chip.service.work`` started by :mod:`.verifier`,
speaking length-framed pickles on its stdin/stdout (:func:`main`). The first message
(:func:`init`) carries the trust store, the policy and the document-number key once
per process; :func:`verify_body` then does everything a request body needs, so the
server process only moves bytes: the body's SHA-256 (the idempotency key and the
report's ``dump`` label), the JSON limits, the dump load, ``verify_document``, the
report rendered with the CLI's own ``verify_json`` (the response's ``report`` is
exactly what ``cccd verify --json`` prints) and the keyed hash of the document
number. Results are plain dicts (picklable); errors never escape as exceptions.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import hashlib
import json
import os
import pickle
import sys
from typing import IO, Any, Optional

from ..errors import CccdError, DumpFormatError
from .. import Policy, TrustStore, verify_document  # the public facade (docs/api.md)
from ..verify.report import verify_json  # the CLI's --json rendering: the report must be byte-equal to it
from .body import BodyError, parse_dump
from .privacy import document_number_hash

_STATE: dict[str, Any] = {}


def init(store: TrustStore, policy: Policy, hash_key: Optional[bytes], max_depth: int) -> None:
    """The first message: the per-process state (and warm caches, as in verify/batch.py)."""
    _STATE.update(store=store, policy=policy, hash_key=hash_key, max_depth=max_depth)
    _watch_parent()


def _watch_parent() -> None:
    """End this process when the server dies (e.g. SIGKILL): an orphaned worker would wait forever."""
    import os
    import threading
    import time

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="cccd-parent-watch", daemon=True).start()


EMPTY_BODY = {"status": 400, "slug": "malformed-json", "detail": "empty body: send a cccd-dump JSON document"}


def verify_body(raw: bytes, at_iso: Optional[str]) -> dict[str, Any]:
    """``{"dump_sha256", "report_json", "verdict", "document_number_hash"}`` or ``{"status", "slug", "detail"}``.

    ``dump_sha256`` is the lower-case hex SHA-256 of ``raw``; the report names the dump
    ``sha256:<that digest>`` (a body has no file name).
    """
    if not raw.strip():
        return dict(EMPTY_BODY)
    digest = hashlib.sha256(raw).hexdigest()
    try:
        doc = parse_dump(raw, _STATE["max_depth"])
    except BodyError as e:
        return {"status": e.status, "slug": e.slug, "detail": e.detail}
    except DumpFormatError as e:
        return {"status": 422, "slug": "invalid-dump", "detail": e.message}
    policy: Policy = _STATE["policy"]
    try:
        if at_iso is not None:
            policy = dataclasses.replace(policy, at=dt.datetime.fromisoformat(at_iso))
        report = verify_document(doc, _STATE["store"], policy=policy)
    except CccdError as e:  # verification raises nothing for bad data; a dump it cannot take is 422
        return {"status": 422, "slug": "invalid-dump", "detail": e.message}
    text = json.dumps(verify_json(report, f"sha256:{digest}"), ensure_ascii=False, separators=(",", ":"))
    return {"dump_sha256": digest, "report_json": text, "verdict": report.overall.value,
            "document_number_hash": _docnum_hash(doc.files.get("DG1"))}


def _docnum_hash(dg1: Optional[bytes]) -> Optional[str]:
    key = _STATE.get("hash_key")
    if key is None or not dg1:
        return None
    from ..lds import dg1 as dg1mod

    try:
        v = dg1mod.parse(dg1)
    except CccdError:
        return None
    if not v.document_number:
        return None
    return document_number_hash(key, v.issuing_state or "", v.document_number)


# --- the process: framed messages on stdin/stdout (verifier.py is the other end) ----------------------

FRAME_HEADER = 4  # big-endian length of the pickled message that follows


def read_frame(stream: IO[bytes]) -> Optional[bytes]:
    """One framed message from a blocking stream; None at a clean end of the stream."""
    head = stream.read(FRAME_HEADER)
    if not head:
        return None
    if len(head) != FRAME_HEADER:
        raise EOFError("truncated frame header")
    size = int.from_bytes(head, "big")
    data = stream.read(size)
    if len(data) != size:
        raise EOFError("truncated frame")
    return data


def frame(payload: bytes) -> bytes:
    return len(payload).to_bytes(FRAME_HEADER, "big") + payload


def main() -> None:
    """``python -m cccd_chip.service.work``: the init message, then one request after another until EOF.

    The requests come from the server only (the pipe is private to it), so they are
    pickles; the answer is :func:`verify_body`'s dict. Standard output is the answer
    channel: anything else that prints goes to standard error instead.
    """
    out = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)
    inp = sys.stdin.buffer
    first = read_frame(inp)
    if first is None:
        return
    init(*pickle.loads(first))
    gc.collect()  # the trust store and the modules live as long as the process: out of the collector's passes
    gc.freeze()
    out.write(frame(pickle.dumps(os.getpid())))
    while True:
        msg = read_frame(inp)
        if msg is None:  # the server closed the pipe (retired this worker, or ended)
            return
        raw, at_iso = pickle.loads(msg)
        try:
            result = verify_body(raw, at_iso)
        except Exception as e:  # noqa: BLE001 - a bug: the request gets a 500, the worker lives on
            result = {"status": 500, "slug": "internal", "detail": f"internal error ({type(e).__name__})"}
        out.write(frame(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)))


if __name__ == "__main__":
    main()
