"""What runs in the verification processes: one request body -> the verify document.

The pool initializer (:func:`init`) receives the trust store, the policy and the
document-number key once per process; :func:`verify_body` then parses one body,
verifies it with ``verify_document`` and renders the report with the CLI's own
``verify_json`` (the response's ``report`` is exactly what ``cccd verify --json``
prints). Results are plain dicts (picklable); errors never escape as exceptions.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any, Optional

from ..errors import CccdError, DumpFormatError
from ..pki.trust_store import TrustStore
from ..verify.document_check import verify_document
from ..verify.passive import Policy
from ..verify.report import verify_json
from .body import BodyError, parse_dump
from .privacy import document_number_hash

_STATE: dict[str, Any] = {}


def init(store: TrustStore, policy: Policy, hash_key: Optional[bytes], max_depth: int) -> None:
    """Pool initializer: the per-process state (and warm caches, as in verify/batch.py)."""
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


def ping() -> int:
    """A no-op task, used to start every process of a new pool before it takes requests."""
    import os

    return os.getpid()


def verify_body(raw: bytes, at_iso: Optional[str], label: str) -> dict[str, Any]:
    """``{"report_json", "verdict", "document_number_hash"}`` or ``{"status", "slug", "detail"}``."""
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
    text = json.dumps(verify_json(report, label), ensure_ascii=False, separators=(",", ":"))
    return {"report_json": text, "verdict": report.overall.value,
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
