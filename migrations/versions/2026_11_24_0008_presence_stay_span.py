"""presence stay span

A GiST index over (zone, stay range) on PostgreSQL, for "who was in zone Z at T".
SQLite keeps walking (zone_id, start_at).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 19:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The same expression as app.presence.models.stay_span (the query builds it that way).
SPAN = "tstzrange(start_at, coalesce(end_at, bound_at))"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # btree_gist lets one GiST index hold the zone (an integer) beside the range. It is a
    # trusted extension (PostgreSQL 13+): a database owner may create it.
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.execute(
        f"CREATE INDEX ix_presence_interval_zone_span ON presence_interval"
        f" USING gist (zone_id, ({SPAN}))"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_presence_interval_zone_span")
