"""Who was identified at each door: a read model of physical_event kept by the database.

A tenant auditor may name everyone whose badge was swiped at its doors (app.auth.scope);
finding them by scanning physical_event cost about 200 ms per query at a million events.
This table holds each (door, person) pair once. A trigger written by migration 0007 fills
it on every insert into physical_event, whatever inserts (ingest's COPY, a bulk load, a
test factory), so it can never fall behind the events it summarises.
"""

from __future__ import annotations

from sqlalchemy.orm import Mapped, mapped_column

from app.orm import Base


class PersonSeenAtDoor(Base):
    """A person whose badge was swiped (granted or denied) at a door, at least once."""

    __tablename__ = "person_seen_at_door"

    door_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    person_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
