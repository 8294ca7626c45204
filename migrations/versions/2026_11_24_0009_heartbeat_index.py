"""heartbeat index

A partial index of the readers' heartbeats, for the projector's reader-offline sweep.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 19:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HEARTBEAT = sa.text("kind = 'heartbeat'")


def upgrade() -> None:
    with op.batch_alter_table("physical_event", schema=None) as batch_op:
        batch_op.create_index(
            "ix_physical_event_heartbeat",
            ["reader_id", "occurred_at", "id"],
            unique=False,
            postgresql_where=HEARTBEAT,
            sqlite_where=HEARTBEAT,
        )


def downgrade() -> None:
    with op.batch_alter_table("physical_event", schema=None) as batch_op:
        batch_op.drop_index("ix_physical_event_heartbeat")
