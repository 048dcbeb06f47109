"""``cccd reverify --db URL``: the records of ``cccd serve`` as an archive (docs/archive.md §5).

The service keeps one record per (API key, dump digest, trust version, time
reference); the dump itself only with ``--store-dumps``, sealed with
AES-256-GCM under ``CCCD_SERVICE_DUMP_KEY`` (:mod:`cccd_chip.service.privacy`).
Everything here goes through :class:`cccd_chip.service.repository.Repository`.

1. Plan: one pass over the records (oldest first) keeps, per (client, dump,
   time reference), the newest record - its verdict is the "previous" one -
   and the newest record that still holds the dump. A dump is re-verified when
   its newest record was made under another trust version than the current
   one and with the same time reference as this run (``--at``, or none).
2. The client opens each sealed dump (the key never leaves it) and sends the
   bytes to the engine in batches (:class:`~.source.DumpRef` kind ``bytes``);
   the workers return the verdict and the ``cccd verify --json`` report.
3. A verdict that differs from the previous one becomes a new record under the
   current trust version (same client, digest, time reference and document
   number hash; the dump is not stored again: the older record keeps it).
   Inserting is idempotent (the table's unique key), so running ``reverify``
   again under the same trust writes nothing twice.

The current trust is the command line's trust material plus every CRL / master
list stored in the database, exactly as ``cccd serve`` builds it
(:func:`cccd_chip.service.trust.initial_store`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional

from ..errors import CccdError
from ..pki.trust_store import TrustStore
from ..verify.passive import Policy
from .results import Previous, ResultLine, Summary
from .run import ArchiveRun, RunOptions
from .source import DumpRef

if TYPE_CHECKING:  # the service extra (database) is imported only by `cccd reverify`
    from ..service.privacy import DumpSealer
    from ..service.repository import Repository


@dataclass(frozen=True)
class Candidate:
    """A stored dump to re-verify, and the newest record about it."""

    client: str
    dump_sha256: str
    time_reference: str
    latest_id: str
    latest_verdict: str
    document_number_hash: Optional[str]
    dump_record_id: str


@dataclass
class Plan:
    records: int = 0
    candidates: list[Candidate] = field(default_factory=list)
    no_dump: int = 0  # newest record of a dump whose bytes are not stored
    current: int = 0  # already verified under the current trust version
    other_time: int = 0  # made for another time reference than this run's

    def to_json(self) -> dict[str, Any]:
        return {"records": self.records, "reverified": len(self.candidates), "skipped_no_dump": self.no_dump,
                "skipped_current_trust": self.current, "skipped_other_time_reference": self.other_time}


def plan(repo: "Repository", trust_version: str, time_reference: str) -> Plan:
    """The dumps to re-verify (newest record per client, dump digest and time reference)."""
    latest: dict[tuple[str, str, str], tuple[int, str, str, Optional[str], Optional[str]]] = {}
    with_dump: dict[tuple[str, str, str], str] = {}
    out = Plan()
    for rec in repo.iter_verifications():
        out.records += 1
        key = (rec.client, rec.dump_sha256, rec.time_reference)
        latest[key] = (rec.seq, rec.id, rec.verdict, rec.trust_version, rec.document_number_hash)
        if rec.dump_stored:
            with_dump[key] = rec.id
    for key, (_seq, rid, verdict, trust, docnum) in sorted(latest.items(), key=lambda kv: kv[1][0]):
        if key[2] != time_reference:
            out.other_time += 1
        elif trust == trust_version:
            out.current += 1
        elif key not in with_dump:
            out.no_dump += 1
        else:
            out.candidates.append(Candidate(key[0], key[1], key[2], rid, verdict, docnum, with_dump[key]))
    return out


class Reverify:
    """One ``cccd reverify`` run: plan, verify on an engine, write a record per changed verdict."""

    def __init__(self, repo: "Repository", store: TrustStore, policy: Policy, sealer: "DumpSealer",
                 options: RunOptions, *,
                 time_reference: str = "", announce: Callable[[str], None] = lambda s: None) -> None:
        self.repo, self.store, self.policy, self.sealer = repo, store, policy, sealer
        self.options, self.time_reference, self.announce = options, time_reference, announce
        self.plan = plan(repo, store.version, time_reference)
        self.by_id = {c.latest_id: c for c in self.plan.candidates}
        self.written = 0

    def refs(self) -> Iterator[DumpRef]:
        for c in self.plan.candidates:
            try:
                sealed = self.repo.sealed_dump(c.dump_record_id)
                if sealed is None:
                    yield DumpRef(c.latest_id, "bytes", "", problem="the dump is no longer stored (purged)")
                    continue
                raw = self.sealer.open(c.dump_record_id, sealed[0], sealed[1])
            except CccdError as e:  # wrong key, altered ciphertext, database error
                yield DumpRef(c.latest_id, "bytes", "", problem=e.message)
                continue
            yield DumpRef(c.latest_id, "bytes", "", data=raw)

    def run(self, emit: Callable[[ResultLine, bool, Optional[str]], None]) -> Summary:
        """Verify every candidate; ``emit(line, changed, new record id)`` for each, in plan order."""
        from ..service.repository import NewVerification

        previous = {c.latest_id: Previous(c.latest_verdict, c.dump_sha256) for c in self.plan.candidates}
        job = ArchiveRun([], self.store, self.policy, self.options, previous=previous, announce=self.announce,
                         source=self.refs, with_report=True)

        def record(line: ResultLine, changed: bool) -> None:
            new_id = None
            c = self.by_id.get(line.id)
            if changed and c is not None and line.report_json is not None and line.digest == c.dump_sha256:
                rec, created = self.repo.insert_verification(NewVerification(
                    client=c.client, dump_sha256=c.dump_sha256, trust_version=self.store.version,
                    time_reference=c.time_reference, verdict=line.verdict, report_json=line.report_json,
                    document_number_hash=c.document_number_hash))
                new_id = rec.id
                self.written += int(created)
            emit(line, changed, new_id)

        try:
            return job.run(record)
        finally:
            self.summary = getattr(job, "summary", None)
