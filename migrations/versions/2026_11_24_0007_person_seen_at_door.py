"""person seen at door

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 19:40:00

Each (door, person) pair identified by a swipe, once: what a tenant auditor's scope reads
instead of scanning physical_event. An AFTER INSERT trigger on physical_event keeps it
(statement-level with a transition table on PostgreSQL: one INSERT per batch; per row on
SQLite), and the upgrade fills it from the events already stored.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PG_FUNCTION = """
CREATE FUNCTION physical_event_person_seen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO person_seen_at_door (door_id, person_id)
    SELECT DISTINCT door_id, person_id FROM inserted_events WHERE person_id IS NOT NULL
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$
"""
PG_TRIGGER = """
CREATE TRIGGER physical_event_person_seen AFTER INSERT ON physical_event
REFERENCING NEW TABLE AS inserted_events
FOR EACH STATEMENT EXECUTE FUNCTION physical_event_person_seen()
"""
SQLITE_TRIGGER = """
CREATE TRIGGER physical_event_person_seen AFTER INSERT ON physical_event
WHEN NEW.person_id IS NOT NULL
BEGIN
    INSERT OR IGNORE INTO person_seen_at_door (door_id, person_id)
    VALUES (NEW.door_id, NEW.person_id);
END
"""


def upgrade() -> None:
    op.create_table(
        "person_seen_at_door",
        sa.Column("door_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("person_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("door_id", "person_id", name=op.f("pk_person_seen_at_door")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        op.execute(PG_TRIGGER)
    else:
        op.execute(SQLITE_TRIGGER)
    op.execute(
        "INSERT INTO person_seen_at_door (door_id, person_id) "
        "SELECT DISTINCT door_id, person_id FROM physical_event WHERE person_id IS NOT NULL"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS physical_event_person_seen ON physical_event")
        op.execute("DROP FUNCTION IF EXISTS physical_event_person_seen()")
    else:
        op.execute("DROP TRIGGER IF EXISTS physical_event_person_seen")
    op.drop_table("person_seen_at_door")
