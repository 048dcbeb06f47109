"""The service's tables (SQLAlchemy Core). Alembic revisions in ``migrations/`` create them.

Changing a table means a new Alembic revision, never an edit of an applied one.
Documented for other readers of the database (``cccd reverify --db``) in
docs/service.md "Database schema".

- ``api_keys``: one row per API key; the key itself is never stored, only
  ``secret_sha256`` (hex SHA-256 of the whole key) and its public ``key_id``.
- ``verifications``: one row per verification record. ``report`` is the JSON text
  of the ``cccd verify --json`` document; ``document_number_hash`` is an HMAC (key
  from the environment) or NULL; ``dump_ciphertext`` only with ``--store-dumps``.
  Idempotency: unique (client, dump digest, trust version, time reference).
- ``trust_material``: CRLs and master lists added over the API (re-applied on start-up).
"""

from __future__ import annotations

from sqlalchemy import (BigInteger, Column, DateTime, Index, Integer, LargeBinary, MetaData, String, Table, Text,
                        UniqueConstraint)

metadata = MetaData()

# BIGINT on PostgreSQL, INTEGER (the rowid alias, so it autoincrements) on SQLite
_SEQ = BigInteger().with_variant(Integer(), "sqlite")

api_keys = Table(
    "api_keys",
    metadata,
    Column("seq", _SEQ, primary_key=True, autoincrement=True),
    Column("key_id", String(16), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    Column("scope", String(16), nullable=False),
    Column("secret_sha256", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)

verifications = Table(
    "verifications",
    metadata,
    Column("seq", _SEQ, primary_key=True, autoincrement=True),
    Column("id", String(32), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("client", String(16), nullable=False),
    Column("dump_sha256", String(64), nullable=False),
    Column("trust_version", String(200), nullable=False),
    Column("time_reference", String(32), nullable=False),
    Column("verdict", String(16), nullable=False),
    Column("document_number_hash", String(64), nullable=True),
    Column("report", Text, nullable=False),
    Column("dump_ciphertext", LargeBinary, nullable=True),
    Column("dump_key_id", String(16), nullable=True),
    UniqueConstraint("client", "dump_sha256", "trust_version", "time_reference", name="uq_verifications_idempotency"),
    Index("ix_verifications_created_at", "created_at"),
    Index("ix_verifications_verdict_seq", "verdict", "seq"),
    Index("ix_verifications_document_number_hash", "document_number_hash"),
)

trust_material = Table(
    "trust_material",
    metadata,
    Column("seq", _SEQ, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("data", LargeBinary, nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False),
    Column("added_by", String(16), nullable=False),
)
