"""evidence reads

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 17:12:28.561842

The evidence_read read model of `evidence.viewed` facts: who read which evidence, when,
with which query, from where.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import app.orm

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "evidence_read",
        sa.Column("ledger_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("recorded_at", app.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", JSON, nullable=False),
        sa.Column("actor_subject", sa.String(length=255), nullable=False),
        sa.Column("resource", sa.String(length=64), nullable=False),
        sa.Column("query", JSON, nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("item_indexes", JSON, nullable=False),
        sa.Column("client_address", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=256), nullable=True),
        sa.ForeignKeyConstraint(
            ["ledger_index"],
            ["ledger_entry.index"],
            name=op.f("fk_evidence_read_ledger_index_ledger_entry"),
        ),
        sa.PrimaryKeyConstraint("ledger_index", name=op.f("pk_evidence_read")),
    )
    with op.batch_alter_table("evidence_read", schema=None) as batch_op:
        batch_op.create_index(
            "ix_evidence_read_actor_subject_index", ["actor_subject", "ledger_index"], unique=False
        )
        batch_op.create_index("ix_evidence_read_recorded_at", ["recorded_at"], unique=False)
        batch_op.create_index(
            "ix_evidence_read_resource_index", ["resource", "ledger_index"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("evidence_read", schema=None) as batch_op:
        batch_op.drop_index("ix_evidence_read_resource_index")
        batch_op.drop_index("ix_evidence_read_recorded_at")
        batch_op.drop_index("ix_evidence_read_actor_subject_index")
    op.drop_table("evidence_read")
