"""Foreign keys read from the schema: a row may only name rows that exist, and may only be
deleted when nothing names it (rows deleted with it, ON DELETE CASCADE, aside).

Reading them from the metadata keeps both checks right when another area adds a table
that points at the topology (say, events naming a reader): deleting that reader then
answers 409 without anyone touching this module.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
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


def check_unreferenced(session: Session, row: Any, label: str) -> None:
    """Raise Conflict (409) when other rows still name this one."""
    table = row.__table__
    users: dict[str, int] = {}
    for other in metadata.sorted_tables:
        for fk in other.foreign_keys:
            if fk.column.table is not table or fk.ondelete == "CASCADE":
                continue
            # Counting stops at COUNT_CAP: fact tables may hold millions of rows naming a reader.
            named_by = select(fk.parent).where(fk.parent == row.id).limit(COUNT_CAP).subquery()
            count = session.scalar(select(func.count()).select_from(named_by))
            if count:
                users[f"{other.name}.{fk.parent.name}"] = count
    if users:
        named = ", ".join(
            f"{count}{'+' if count == COUNT_CAP else ''} by {where}"
            for where, count in sorted(users.items())
        )
        raise Conflict(
            f"{label} is still referenced ({named}); remove or move those first",
            details={"referenced_by": users},
        )
