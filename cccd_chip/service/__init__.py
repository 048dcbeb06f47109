"""``cccd serve``: the verification HTTP service for eKYC back-ends (docs/service.md).

Layers (an arrow only ever points down):

- :mod:`.app` (FastAPI routes, limits, problem+json errors) -> :mod:`.verifier`
  (worker processes over pipes, atomic trust-store swap) -> :mod:`.work` (runs in a worker:
  dump -> Report -> the ``cccd verify --json`` document);
- :mod:`.repository` (the small database API, also used by ``cccd reverify``)
  -> :mod:`.schema` (tables) + :mod:`.db` (engine, Alembic migrations on start-up);
- :mod:`.keys` (API keys), :mod:`.privacy` (keyed document-number hash, dump
  encryption), :mod:`.ratelimit`, :mod:`.metrics`, :mod:`.logs`, :mod:`.problems`.

Only :mod:`.app` and :mod:`.server` import FastAPI/uvicorn; the database modules
need SQLAlchemy + Alembic (the ``service`` extra), nothing else of the web stack.
"""

DEFAULT_DB_URL = "sqlite:///cccd-service.db"  # a SQLite file in the working folder (zero set-up)
