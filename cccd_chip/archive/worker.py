"""The batch task every engine runs, and the per-process trust registry.

Trust material (a :class:`~cccd_chip.pki.trust_store.TrustStore` and the
:class:`~cccd_chip.verify.passive.Policy`) is installed once per worker
process under a *token* (:func:`install`: the process pool's initializer, or
the Dask worker plugin of :mod:`.dask_engine`); tasks carry only the token
and a batch of :class:`~.source.DumpRef`. The verifier's caches
(certificates, keys, DSC -> CSCA verdicts per trust version) are module-level
in ``pki`` / ``crypto`` / ``verify`` and therefore live per worker process,
warm across every batch it runs.

A task never fails because of a dump: a dump that cannot be read or parsed is
an ``error`` result line (exit-6 class), and an unexpected exception while
verifying one dump is an ``error`` line with reason ``INTERNAL`` for that dump
only (its type is named, never its message).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import pickle
from dataclasses import replace
from typing import Sequence

from ..errors import CccdError
from ..pki.trust_store import TrustStore
from ..verify.document_check import verify_document
from ..verify.passive import Policy
from ..verify.report import Report, Verdict, verify_json
from . import loader
from .results import ERROR, ResultLine
from .source import DumpRef

_TRUST: dict[str, tuple[TrustStore, Policy]] = {}
_BAD = (Verdict.FAILED, Verdict.UNDETERMINED)


class TrustNotInstalledError(RuntimeError):
    """A task reached a worker that has not received the trust material (the engine retries it)."""


def trust_token(store: TrustStore, policy: Policy) -> str:
    """Names one (trust material, policy) pair: the store's version and the policy's value."""
    h = hashlib.sha256(store.version.encode() + b"|" + pickle.dumps(policy, protocol=4))
    return h.hexdigest()[:24]


def install(token: str, store: TrustStore, policy: Policy) -> None:
    """Keep the trust material of ``token`` in this process (called once per worker)."""
    _TRUST[token] = (store, policy)


def installed(token: str) -> bool:
    return token in _TRUST


def verify_batch(token: str, refs: Sequence[DumpRef], with_report: bool = False) -> list[ResultLine]:
    """Load and verify every dump of a batch, one result line each, in order.

    ``with_report``: each line also carries the ``cccd verify --json`` document of its
    report (labelled ``sha256:<digest>``, as ``cccd serve`` stores it).
    """
    try:
        store, policy = _TRUST[token]
    except KeyError:
        raise TrustNotInstalledError(f"trust material {token} is not installed on this worker") from None
    return [verify_ref(ref, store, policy, with_report) for ref in refs]


def verify_ref(ref: DumpRef, store: TrustStore, policy: Policy, with_report: bool = False) -> ResultLine:
    now = _now()
    if ref.problem:
        return ResultLine(ref.id, None, ERROR, ("DUMP_FORMAT",), store.version, now, ref.problem)
    digest, loaded = loader.load(ref)
    if isinstance(loaded, CccdError):
        return ResultLine(ref.id, digest, ERROR, (loaded.reason,), store.version, now, loaded.message)
    try:
        report = verify_document(loaded, store, policy=policy)
    except CccdError as e:
        return ResultLine(ref.id, digest, ERROR, (e.reason,), store.version, now, e.message)
    except Exception as e:  # a verifier bug on this dump: one error line, the batch goes on
        return ResultLine(ref.id, digest, ERROR, ("INTERNAL",), store.version, now,
                          f"internal error ({type(e).__name__})")
    line = from_report(ref.id, digest, report, now)
    if with_report:
        doc = verify_json(report, f"sha256:{digest}")
        line = replace(line, report_json=json.dumps(doc, ensure_ascii=False, separators=(",", ":")))
    return line


def from_report(rid: str, digest: str | None, report: Report, now: str) -> ResultLine:
    reasons = tuple(f"{c.check}{'/' + c.subject if c.subject else ''}:{c.reason.value}"
                    for c in report.checks if c.verdict in _BAD)
    return ResultLine(rid, digest, report.overall.value, reasons, report.trust_store_version, now)


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
