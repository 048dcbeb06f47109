"""The service's database API: API keys, verification records, trust material.

This is the one module that reads and writes the tables of :mod:`.schema`; the
HTTP layer, ``cccd keys``/``cccd purge`` and other tools (``cccd reverify --db``)
go through it. Every method is one short transaction; values cross the API as
frozen dataclasses with UTC-aware datetimes.

    repo = Repository.open("postgresql://cccd@db/cccd")     # migrates to the newest schema
    for rec in repo.iter_verifications(verdict="successful"):
        report = rec.report()                                # the `cccd verify --json` document
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Iterator, Literal, Optional, Sequence

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from . import keys as keymod
from .db import describe, engine_for, migrate
from .schema import api_keys, trust_material, verifications
from ..errors import DatabaseError, UsageError

MAX_PAGE = 500
TRUST_KINDS = ("crl", "masterlist")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _utc(t: Optional[dt.datetime]) -> Optional[dt.datetime]:
    if t is None:
        return None
    return t.replace(tzinfo=dt.timezone.utc) if t.tzinfo is None else t.astimezone(dt.timezone.utc)


def _utc_set(t: Optional[dt.datetime]) -> dt.datetime:
    """A NOT NULL timestamp column in UTC."""
    out = _utc(t)
    if out is None:
        raise ValueError("a NOT NULL timestamp column is NULL")
    return out


@dataclass(frozen=True)
class ApiKey:
    """A stored API key (never its secret)."""

    key_id: str
    name: str
    scope: str
    created_at: dt.datetime
    revoked_at: Optional[dt.datetime] = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def to_json(self) -> dict[str, Optional[str]]:
        return {"key_id": self.key_id, "name": self.name, "scope": self.scope,
                "created_at": self.created_at.isoformat(timespec="seconds"),
                "revoked_at": self.revoked_at.isoformat(timespec="seconds") if self.revoked_at else None}


@dataclass(frozen=True)
class NewVerification:
    """What the service writes for one verified dump."""

    client: str  # key_id of the API key that sent it
    dump_sha256: str  # lower-case hex SHA-256 of the request body
    trust_version: str
    time_reference: str  # the normalised ``?at=`` value, "" for the time of verification
    verdict: str
    report_json: str  # JSON text of the `cccd verify --json` document
    document_number_hash: Optional[str] = None
    dump_ciphertext: Optional[bytes] = None
    dump_key_id: Optional[str] = None
    id: str = ""  # empty: a new random id


@dataclass(frozen=True)
class VerificationRecord:
    """One stored verification (``seq`` orders records; ``id`` is the public name)."""

    seq: int
    id: str
    created_at: dt.datetime
    client: str
    dump_sha256: str
    trust_version: str
    time_reference: str
    verdict: str
    document_number_hash: Optional[str]
    report_json: str
    dump_stored: bool

    def report(self) -> dict[str, Any]:
        out: dict[str, Any] = json.loads(self.report_json)
        return out

    def summary(self) -> dict[str, str]:
        return {"id": self.id, "created_at": self.created_at.isoformat(timespec="milliseconds"),
                "verdict": self.verdict, "dump_sha256": self.dump_sha256, "trust_version": self.trust_version}


_RECORD_COLUMNS = (verifications.c.seq, verifications.c.id, verifications.c.created_at, verifications.c.client,
                   verifications.c.dump_sha256, verifications.c.trust_version, verifications.c.time_reference,
                   verifications.c.verdict, verifications.c.document_number_hash, verifications.c.report,
                   (verifications.c.dump_ciphertext.is_not(None)).label("dump_stored"))


def _record(row: Any) -> VerificationRecord:
    return VerificationRecord(row.seq, row.id, _utc_set(row.created_at), row.client, row.dump_sha256, row.trust_version,
                              row.time_reference, row.verdict, row.document_number_hash, row.report,
                              bool(row.dump_stored))


def _same_request(n: NewVerification) -> Any:
    """The idempotency key of ``n`` as a WHERE clause (the unique constraint's columns)."""
    return and_(verifications.c.client == n.client, verifications.c.dump_sha256 == n.dump_sha256,
                verifications.c.trust_version == n.trust_version,
                verifications.c.time_reference == n.time_reference)


def _key(row: Any) -> ApiKey:
    return ApiKey(row.key_id, row.name, row.scope, _utc_set(row.created_at), _utc(row.revoked_at))


class Repository:
    """Short transactions over one SQLAlchemy Engine; database failures raise :class:`DatabaseError`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str, *, migrate_schema: bool = True) -> "Repository":
        eng = engine_for(url)
        if migrate_schema:
            migrate(eng)
        return cls(eng)

    def close(self) -> None:
        self.engine.dispose()

    # --- API keys ----------------------------------------------------------------
    def create_key(self, name: str, scope: str = "verify") -> tuple[ApiKey, str]:
        """A new key: its record and the key itself (shown once, never stored)."""
        if scope not in keymod.SCOPES:
            raise UsageError(f"scope must be one of {', '.join(keymod.SCOPES)}")
        name = name.strip()
        if not (1 <= len(name) <= 100) or not name.isprintable():
            raise UsageError("key name must be 1-100 printable characters")
        full, key_id = keymod.new_key()
        now = utcnow()
        with self._tx() as conn:
            conn.execute(insert(api_keys).values(key_id=key_id, name=name, scope=scope,
                                                 secret_sha256=keymod.digest(full), created_at=now))
        return ApiKey(key_id, name, scope, now), full

    def list_keys(self) -> list[ApiKey]:
        with self._tx() as conn:
            rows = conn.execute(select(api_keys).order_by(api_keys.c.seq)).all()
        return [_key(r) for r in rows]

    def revoke_key(self, key_id_or_name: str) -> int:
        """Revoke the active key(s) with this key_id or name; the number revoked."""
        with self._tx() as conn:
            res = conn.execute(update(api_keys)
                               .where(and_(api_keys.c.revoked_at.is_(None),
                                           (api_keys.c.key_id == key_id_or_name) | (api_keys.c.name == key_id_or_name)))
                               .values(revoked_at=utcnow()))
            return int(res.rowcount or 0)

    def authenticate(self, presented: str) -> Optional[ApiKey]:
        """The active key ``presented`` is, else None (constant-time digest comparison)."""
        key_id = keymod.key_id_of(presented)
        row = None
        if key_id is not None:
            with self._tx() as conn:
                row = conn.execute(select(api_keys).where(api_keys.c.key_id == key_id)).first()
        ok = keymod.matches(presented, row.secret_sha256 if row is not None else None)
        if not ok or row is None or row.revoked_at is not None:
            return None
        return _key(row)

    # --- verification records ------------------------------------------------------
    def find_verification(self, client: str, dump_sha256: str, trust_version: str,
                          time_reference: str) -> Optional[VerificationRecord]:
        """The record of this idempotency key (client, dump, trust version, time reference), if any."""
        key = NewVerification(client, dump_sha256, trust_version, time_reference, "", "")
        with self._tx() as conn:
            row = conn.execute(select(*_RECORD_COLUMNS).where(_same_request(key))).first()
        return _record(row) if row is not None else None

    def insert_verification(self, new: NewVerification) -> tuple[VerificationRecord, bool]:
        """Write one record in one transaction; ``(record, True)``, or the existing one and False.

        The unique (client, dump, trust version, time reference) constraint makes two
        concurrent identical requests end with one record, both answered with it.
        """
        return self.insert_verifications([new])[0]

    def insert_verifications(self, news: Sequence[NewVerification]) -> list[tuple[VerificationRecord, bool]]:
        """Write several records in ONE transaction (one commit, one fsync: a group commit).

        Each result is ``(record, True)`` for a row written now, or ``(existing, False)``
        when a record with the same idempotency key (client, dump, trust version, time
        reference) was already there, also one written earlier in the same batch. The
        rows go in as ``INSERT ... ON CONFLICT DO NOTHING RETURNING id, seq`` (SQLite
        >= 3.35 and PostgreSQL), so a duplicate never aborts the others; the existing
        records are read in the same transaction. Nothing is visible before the commit,
        and nothing is returned unless it committed.
        """
        if not news:
            return []
        now = utcnow()
        ids = [n.id or uuid.uuid4().hex for n in news]
        rows = [dict(id=rid, created_at=now, client=n.client, dump_sha256=n.dump_sha256,
                     trust_version=n.trust_version, time_reference=n.time_reference, verdict=n.verdict,
                     document_number_hash=n.document_number_hash, report=n.report_json,
                     dump_ciphertext=n.dump_ciphertext, dump_key_id=n.dump_key_id)
                for rid, n in zip(ids, news)]
        stmt = self._insert_ignoring_duplicates().returning(verifications.c.id, verifications.c.seq)
        out: list[tuple[VerificationRecord, bool]] = []
        try:
            with self.engine.begin() as conn:
                written = {r.id: int(r.seq) for r in conn.execute(stmt, rows)}
                for rid, n in zip(ids, news):
                    if rid in written:
                        out.append((VerificationRecord(written[rid], rid, now, n.client, n.dump_sha256,
                                                       n.trust_version, n.time_reference, n.verdict,
                                                       n.document_number_hash, n.report_json,
                                                       n.dump_ciphertext is not None), True))
                        continue
                    row = conn.execute(select(*_RECORD_COLUMNS).where(_same_request(n))).first()
                    if row is None:  # not a duplicate request: the random id itself collided
                        raise DatabaseError("record insert refused by the database")
                    out.append((_record(row), False))
        except SQLAlchemyError as e:
            raise DatabaseError(f"database error: {describe(e)}") from None
        return out

    def _insert_ignoring_duplicates(self) -> Any:
        """``INSERT INTO verifications ... ON CONFLICT DO NOTHING`` in this engine's dialect."""
        if self.engine.dialect.name == "postgresql":
            from sqlalchemy.dialects import postgresql

            return postgresql.insert(verifications).on_conflict_do_nothing()
        from sqlalchemy.dialects import sqlite

        return sqlite.insert(verifications).on_conflict_do_nothing()

    def get_verification(self, record_id: str, *, client: Optional[str] = None) -> Optional[VerificationRecord]:
        """The record ``record_id`` (only if it belongs to ``client``, when given)."""
        cond = verifications.c.id == record_id
        if client is not None:
            cond = and_(cond, verifications.c.client == client)
        with self._tx() as conn:
            row = conn.execute(select(*_RECORD_COLUMNS).where(cond)).first()
        return _record(row) if row is not None else None

    def list_verifications(self, *, client: Optional[str] = None, since: Optional[dt.datetime] = None,
                           verdict: Optional[str] = None, after: Optional[int] = None,
                           limit: int = 50) -> tuple[list[VerificationRecord], Optional[int]]:
        """One page, oldest first: records after cursor ``after``; returns (records, next cursor or None)."""
        limit = max(1, min(int(limit), MAX_PAGE))
        conds = []
        if client is not None:
            conds.append(verifications.c.client == client)
        if since is not None:
            conds.append(verifications.c.created_at >= _utc(since))
        if verdict is not None:
            conds.append(verifications.c.verdict == verdict)
        if after is not None:
            conds.append(verifications.c.seq > after)
        q = select(*_RECORD_COLUMNS).where(and_(True, *conds)).order_by(verifications.c.seq).limit(limit + 1)
        with self._tx() as conn:
            rows = conn.execute(q).all()
        recs = [_record(r) for r in rows[:limit]]
        return recs, (recs[-1].seq if len(rows) > limit else None)

    def iter_verifications(self, *, verdict: Optional[str] = None, since: Optional[dt.datetime] = None,
                           batch: int = MAX_PAGE) -> Iterator[VerificationRecord]:
        """Every record (all clients), oldest first, fetched page by page."""
        after = None
        while True:
            recs, after = self.list_verifications(since=since, verdict=verdict, after=after, limit=batch)
            yield from recs
            if after is None:
                return

    def sealed_dump(self, record_id: str) -> Optional[tuple[bytes, Optional[str]]]:
        """``(sealed dump, dump_key_id)`` of a record stored with ``--store-dumps``, else None."""
        with self._tx() as conn:
            row = conn.execute(select(verifications.c.dump_ciphertext, verifications.c.dump_key_id)
                               .where(verifications.c.id == record_id)).first()
        if row is None or row.dump_ciphertext is None:
            return None
        return bytes(row.dump_ciphertext), row.dump_key_id

    def count_verifications(self) -> int:
        with self._tx() as conn:
            return int(conn.execute(select(func.count()).select_from(verifications)).scalar_one())

    def purge(self, before: dt.datetime, *, dumps_only: bool = False) -> int:
        """Delete records created before ``before`` (or only their stored dumps); the number touched."""
        cond = verifications.c.created_at < _utc(before)
        with self._tx() as conn:
            if dumps_only:
                res = conn.execute(update(verifications).where(and_(cond, verifications.c.dump_ciphertext.is_not(None)))
                                   .values(dump_ciphertext=None, dump_key_id=None))
            else:
                res = conn.execute(delete(verifications).where(cond))
            return int(res.rowcount or 0)

    # --- trust material added over the API ---------------------------------------------
    def add_trust_material(self, kind: str, data: bytes, added_by: str) -> bool:
        """Remember a verified CRL / master list; False when the same bytes were already there."""
        if kind not in TRUST_KINDS:
            raise UsageError(f"trust material kind must be one of {', '.join(TRUST_KINDS)}")
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(trust_material).values(kind=kind, sha256=hashlib.sha256(data).hexdigest(),
                                                           data=data, added_at=utcnow(), added_by=added_by))
        except IntegrityError:
            return False
        except SQLAlchemyError as e:
            raise DatabaseError(f"database error: {describe(e)}") from None
        return True

    def trust_materials(self) -> list[tuple[str, bytes]]:
        """Every stored ``(kind, data)``, in the order added."""
        with self._tx() as conn:
            rows = conn.execute(select(trust_material.c.kind, trust_material.c.data).order_by(trust_material.c.seq)).all()
        return [(r.kind, bytes(r.data)) for r in rows]

    # --- plumbing ------------------------------------------------------------------------
    def _tx(self) -> "_Tx":
        return _Tx(self.engine)


class _Tx:
    """``with repo._tx() as conn``: one transaction; SQLAlchemy errors become DatabaseError."""

    def __init__(self, engine: Engine) -> None:
        self._cm = engine.begin()

    def __enter__(self) -> Connection:
        try:
            return self._cm.__enter__()
        except SQLAlchemyError as e:
            raise DatabaseError(f"database unavailable: {describe(e)}") from None

    def __exit__(self, et: Optional[type[BaseException]], ev: Optional[BaseException], tb: Optional[TracebackType]) -> Literal[False]:
        try:
            self._cm.__exit__(et, ev, tb)
        except SQLAlchemyError as e:
            raise DatabaseError(f"database error: {describe(e)}") from None
        if isinstance(ev, SQLAlchemyError):
            raise DatabaseError(f"database error: {describe(ev)}") from None
        return False
