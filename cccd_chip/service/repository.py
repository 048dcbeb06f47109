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
import threading
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
        self._insert_lock = threading.Lock()
        self._inserter: Optional[_RecordInserter] = None

    @classmethod
    def open(cls, url: str, *, migrate_schema: bool = True) -> "Repository":
        eng = engine_for(url)
        if migrate_schema:
            migrate(eng)
        return cls(eng)

    def close(self) -> None:
        with self._insert_lock:
            if self._inserter is not None:
                self._inserter.close()
                self._inserter = None
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
        rows go in as ``INSERT ... ON CONFLICT DO NOTHING`` through the driver's
        ``executemany`` (:class:`_RecordInserter`), so a duplicate never aborts the others;
        the records that were there already are read after the commit (records are never
        changed, only purged). Nothing is returned as written unless it committed.
        """
        if not news:
            return []
        now = utcnow()
        ids = [n.id or uuid.uuid4().hex for n in news]
        with self._insert_lock:
            if self._inserter is None:
                self._inserter = _RecordInserter(self.engine)
            written = self._inserter.insert(now, ids, news)
        out: list[tuple[VerificationRecord, bool]] = []
        for rid, n in zip(ids, news):
            seq = written.get(rid)
            if seq is not None:
                out.append((VerificationRecord(seq, rid, now, n.client, n.dump_sha256, n.trust_version,
                                               n.time_reference, n.verdict, n.document_number_hash, n.report_json,
                                               n.dump_ciphertext is not None), True))
                continue
            existing = self.find_verification(n.client, n.dump_sha256, n.trust_version, n.time_reference)
            if existing is None:  # not a duplicate request: the random id itself collided
                raise DatabaseError("record insert refused by the database")
            out.append((existing, False))
        return out

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


_INSERT_COLUMNS = ("id", "created_at", "client", "dump_sha256", "trust_version", "time_reference", "verdict",
                   "document_number_hash", "report", "dump_ciphertext", "dump_key_id")


class _RecordInserter:
    """Verification records in through the driver's ``executemany``, on one connection it keeps.

    The statement is SQLAlchemy Core's ``INSERT ... ON CONFLICT DO NOTHING`` for the
    engine's dialect (SQLite, PostgreSQL), compiled once; values go through the
    column types' own bind processors, so the rows are stored exactly as the Core
    path stores them. Per batch: one ``executemany``, one ``SELECT id, seq ... WHERE
    id IN (...)`` for the rows written, one commit. Holding the connection saves the
    pool check-out (and PostgreSQL's pre-ping round trip) per batch; after an error
    it is dropped and the next batch takes a fresh one.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        d = engine.dialect
        if d.name == "postgresql":
            from sqlalchemy.dialects import postgresql

            stmt: Any = postgresql.insert(verifications).inline().on_conflict_do_nothing()
        else:
            from sqlalchemy.dialects import sqlite

            stmt = sqlite.insert(verifications).inline().on_conflict_do_nothing()
        compiled = stmt.compile(dialect=d, column_keys=list(_INSERT_COLUMNS))
        self.sql = str(compiled)
        self.order: Optional[list[str]] = list(compiled.positiontup or ()) if compiled.positional else None
        self.procs = [(name, proc) for name in _INSERT_COLUMNS
                      if (proc := verifications.c[name].type.dialect_impl(d).bind_processor(d)) is not None]
        self.mark = "?" if d.paramstyle == "qmark" else "%s"
        self.errors: tuple[type[BaseException], ...] = (SQLAlchemyError, d.loaded_dbapi.Error)
        self._conn: Any = None

    def _bind_created(self, now: dt.datetime) -> Any:
        """``now`` as the driver takes it (one value for the whole batch)."""
        for name, proc in self.procs:
            if name == "created_at":
                return proc(now)
        return now

    def insert(self, now: dt.datetime, ids: list[str], news: Sequence[NewVerification]) -> dict[str, int]:
        """Insert, commit; ``{id: seq}`` of the rows written (a conflicting row is not in it)."""
        rows = []
        created = self._bind_created(now)
        for rid, n in zip(ids, news):
            row = {"id": rid, "created_at": created, "client": n.client, "dump_sha256": n.dump_sha256,
                   "trust_version": n.trust_version, "time_reference": n.time_reference, "verdict": n.verdict,
                   "document_number_hash": n.document_number_hash, "report": n.report_json,
                   "dump_ciphertext": n.dump_ciphertext, "dump_key_id": n.dump_key_id}
            for name, proc in self.procs:
                if name != "created_at":
                    row[name] = proc(row[name])
            rows.append(row)
        params: list[Any] = rows if self.order is None else [tuple(r[k] for k in self.order) for r in rows]
        try:
            conn = self._conn
            if conn is None:
                conn = self._conn = self.engine.raw_connection()
            cur = conn.cursor()
            try:
                cur.executemany(self.sql, params)
                cur.execute(f"SELECT id, seq FROM verifications WHERE id IN ({', '.join([self.mark] * len(ids))})",
                            ids)
                written = {r[0]: int(r[1]) for r in cur.fetchall()}
            finally:
                cur.close()
            conn.commit()
        except self.errors as e:
            self._drop()
            raise DatabaseError(f"database error: {describe(e)}") from None
        return written

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.rollback()
        except self.errors:
            pass
        try:
            conn.invalidate()  # a failed connection is not given back to the pool
        except self.errors:
            pass

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()  # back to the pool (which rolls back anything open)
            except self.errors:
                pass


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
