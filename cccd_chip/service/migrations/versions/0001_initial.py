"""Initial schema: api_keys, verifications, trust_material.

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("key_id", sa.String(16), nullable=False, unique=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("secret_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "verifications",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(32), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("client", sa.String(16), nullable=False),
        sa.Column("dump_sha256", sa.String(64), nullable=False),
        sa.Column("trust_version", sa.String(200), nullable=False),
        sa.Column("time_reference", sa.String(32), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("document_number_hash", sa.String(64), nullable=True),
        sa.Column("report", sa.Text, nullable=False),
        sa.Column("dump_ciphertext", sa.LargeBinary, nullable=True),
        sa.Column("dump_key_id", sa.String(16), nullable=True),
        sa.UniqueConstraint("client", "dump_sha256", "trust_version", "time_reference",
                            name="uq_verifications_idempotency"),
    )
    op.create_index("ix_verifications_created_at", "verifications", ["created_at"])
    op.create_index("ix_verifications_verdict_seq", "verifications", ["verdict", "seq"])
    op.create_index("ix_verifications_document_number_hash", "verifications", ["document_number_hash"])
    op.create_table(
        "trust_material",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.String(16), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("trust_material")
    op.drop_index("ix_verifications_document_number_hash", "verifications")
    op.drop_index("ix_verifications_verdict_seq", "verifications")
    op.drop_index("ix_verifications_created_at", "verifications")
    op.drop_table("verifications")
    op.drop_table("api_keys")
