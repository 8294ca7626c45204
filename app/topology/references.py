"""Foreign keys read from the schema: a row may only name rows that exist, and may only be
deleted when nothing names it (rows deleted with it, ON DELETE CASCADE, aside).

Reading them from the metadata keeps both checks right when another area adds a table
that points at the topology (say, events naming a reader): deleting that reader then
answers 409 without anyone touching this module. A column may also name its target
without a constraint, `info={"references": "reader.id"}`, where the constraint's check
costs too much on a hot insert path (physical_event.reader_id): deleting is refused all
the same, the deleted row being locked first so that no writer adds a reference between
the count and the delete (ingest holds its reader's row lock, FOR NO KEY UPDATE, until
it commits; see app.physical.ingest._lock_reader).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Column, Table, func, select
from sqlalchemy.orm import Session

from app.errors import Conflict, Invalid
from app.model_registry import metadata

COUNT_CAP = 1000


def check_targets_exist(session: Session, row: Any) -> None:
    """Raise Invalid (422) when a foreign key of the row names a row that does not exist."""
    for fk in sorted(row.__table__.foreign_keys, key=lambda fk: fk.parent.name):
        value = getattr(row, fk.parent.key)
        if value is None:
            continue
        if session.scalar(select(fk.column).where(fk.column == value)) is None:
            raise Invalid(f"{fk.parent.name}: there is no {fk.column.table.name} with id {value}")


def _naming(table: Table) -> Iterator[tuple[Table, Column[Any]]]:
    """The columns of other tables that name rows of `table`: foreign keys (but those
    deleted with it, ON DELETE CASCADE) and declared references."""
    for other in metadata.sorted_tables:
        for fk in other.foreign_keys:
            if fk.column.table is table and fk.ondelete != "CASCADE":
                yield other, fk.parent
        for column in other.columns:
            if column.info.get("references") == f"{table.name}.id":
                yield other, column


def check_unreferenced(session: Session, row: Any, label: str) -> None:
    """Raise Conflict (409) when other rows still name this one; call it with the row
    locked (FOR UPDATE), as its delete will be."""
    users: dict[str, int] = {}
    for other, column in _naming(row.__table__):
        # Counting stops at COUNT_CAP: fact tables may hold millions of rows naming a reader.
        named_by = select(column).where(column == row.id).limit(COUNT_CAP).subquery()
        count = session.scalar(select(func.count()).select_from(named_by))
        if count:
            users[f"{other.name}.{column.name}"] = count
    if users:
        named = ", ".join(
            f"{count}{'+' if count == COUNT_CAP else ''} by {where}"
            for where, count in sorted(users.items())
        )
        raise Conflict(
            f"{label} is still referenced ({named}); remove or move those first",
            details={"referenced_by": users},
        )
