"""physical_event without foreign keys to ledger_entry and reader

Ingest writes each event's row and its ledger entry in one transaction, under the ledger
head lock; each foreign key's check took a key-share lock per row (of the entry, of the
reader) inside that lock, 3.4 ms of a 500-event batch's 18.5 ms hold. Entries are never
updated nor deleted (0001's triggers) and ledger_index stays unique; a reader with events
is still refused deletion, by the registry (app.topology.references, the column's
`references`), under the reader's row lock.

SQLite rebuilds the table to drop a constraint, and its triggers with it: the one of 0007
(person_seen_at_door) is made again, as 0007 wrote it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24 22:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FKS = {
    "fk_physical_event_ledger_index_ledger_entry": ("ledger_entry", "ledger_index", "index"),
    "fk_physical_event_reader_id_reader": ("reader", "reader_id", "id"),
}
SQLITE_TRIGGER = """
CREATE TRIGGER physical_event_person_seen AFTER INSERT ON physical_event
WHEN NEW.person_id IS NOT NULL
BEGIN
    INSERT OR IGNORE INTO person_seen_at_door (door_id, person_id)
    VALUES (NEW.door_id, NEW.person_id);
END
"""


def _sqlite_trigger_again() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS physical_event_person_seen")
        op.execute(SQLITE_TRIGGER)


def upgrade() -> None:
    with op.batch_alter_table("physical_event", schema=None) as batch_op:
        for name in FKS:
            batch_op.drop_constraint(name, type_="foreignkey")
    _sqlite_trigger_again()


def downgrade() -> None:
    with op.batch_alter_table("physical_event", schema=None) as batch_op:
        for name, (target, column, key) in FKS.items():
            batch_op.create_foreign_key(name, target, [column], [key])
    _sqlite_trigger_again()
