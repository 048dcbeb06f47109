"""Alembic environment: run by :func:`cccd_chip.service.db.migrate` on a given connection (no alembic.ini)."""

from __future__ import annotations

from alembic import context

from cccd_chip.service.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
