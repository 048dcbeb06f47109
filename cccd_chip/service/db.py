"""Database engine and schema migrations (SQLAlchemy 2 + Alembic), SQLite or PostgreSQL.

``engine_for(url)`` accepts ``sqlite:///path`` (the default: ``cccd-service.db`` in
the working folder) and ``postgresql://...`` (driven by psycopg v3). SQLite runs in
WAL mode with ``synchronous=FULL``: a committed record survives a crash of the
process or the machine. ``migrate(engine)`` brings the schema to the newest Alembic
revision; ``cccd serve`` calls it on start-up.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, create_engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from ..errors import DatabaseError, UsageError

from . import DEFAULT_DB_URL as DEFAULT_URL

__all__ = ["DEFAULT_URL", "DatabaseError", "describe", "engine_for", "migrate", "normalise_url", "ping"]
MIGRATIONS = Path(__file__).parent / "migrations"
CONNECT_TIMEOUT_S = 10  # seconds to reach PostgreSQL before the database counts as unreachable


def normalise_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` mean psycopg v3; SQLite URLs as given."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def engine_for(url: str, *, pool_size: int = 8) -> Engine:
    """An Engine for ``url``; the URL's password never appears in an error text."""
    try:
        u = make_url(normalise_url(url))
    except ArgumentError:
        raise UsageError("the database needs a URL such as sqlite:///records.db or postgresql://user@host/db") from None
    if u.get_backend_name() == "sqlite":
        eng = create_engine(u, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(eng, "connect", _sqlite_pragmas)
        return eng
    if u.get_backend_name() != "postgresql":
        raise UsageError(f"unsupported database '{u.get_backend_name()}' (use sqlite or postgresql)")
    # libpq's connect_timeout: a server that accepts the connection and never answers (a black
    # hole, a wrong port that some other program listens on) ends as "unreachable", not a hang
    connect_args = {} if "connect_timeout" in u.query else {"connect_timeout": CONNECT_TIMEOUT_S}
    return create_engine(u, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True,
                         connect_args=connect_args)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def migrate(engine: Engine) -> str:
    """Upgrade the schema to the newest revision; return that revision id."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            return str(conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one())
    except SQLAlchemyError as e:
        raise DatabaseError(f"cannot migrate the database: {describe(e)}") from None


def describe(e: BaseException) -> str:
    """A one-line, credential-free description of a database error."""
    orig = getattr(e, "orig", None)
    name = type(orig).__name__ if orig is not None else type(e).__name__
    return f"{name} ({getattr(e, 'code', None) or 'no code'})"


def ping(engine: Engine) -> bool:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError:
        return False
