"""Read models derived from physical_event: rebuildable at any time by `vigie rebuild`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ColumnElement,
    Index,
    String,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import TSTZRANGE, Range
from sqlalchemy.orm import Mapped, mapped_column

from app.orm import Base, JSONType
from app.physical.models import PhysicalEvent

# Rows are deleted and derived again: on SQLite an id must never come back, or a session
# that still holds the deleted row would take the new one for it.
NEVER_REUSED = {"sqlite_autoincrement": True}


class ProjectionCursor(Base):
    """How far the projector has read physical_event (by id)."""

    __tablename__ = "projection_cursor"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger, default=0)


class Passage(Base):
    """A granted swipe and the door opening that followed it (or none: unused grant)."""

    __tablename__ = "passage"

    id: Mapped[int] = mapped_column(primary_key=True)
    swipe_event_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    swipe_index: Mapped[int] = mapped_column(BigInteger)
    open_index: Mapped[int | None] = mapped_column(BigInteger)
    door_id: Mapped[int]
    reader_id: Mapped[int]
    person_id: Mapped[int | None]
    badge_uid: Mapped[str] = mapped_column(String(64))
    from_zone_id: Mapped[int]
    to_zone_id: Mapped[int]
    swiped_at: Mapped[datetime]
    passed_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(8))

    __table_args__ = (
        CheckConstraint("status IN ('passed','unused')", name="status"),
        Index("ix_passage_door_time", "door_id", "swiped_at"),
        Index("ix_passage_person_time", "person_id", "passed_at"),
        NEVER_REUSED,
    )


class PresenceInterval(Base):
    """A person in a zone from an entry; end NULL when no exit was badged.

    `bound_at` is the latest the person can have left when the exit is unknown (they were
    next seen entering it again, or leaving a zone around it); `uncertain` says the end
    is not a badged exit.
    """

    __tablename__ = "presence_interval"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int]
    zone_id: Mapped[int]
    start_at: Mapped[datetime]
    end_at: Mapped[datetime | None]
    bound_at: Mapped[datetime | None]
    uncertain: Mapped[bool] = mapped_column(Boolean)
    entry_passage_id: Mapped[int] = mapped_column(BigInteger)
    exit_passage_id: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (
        Index("ix_presence_interval_zone_time", "zone_id", "start_at"),
        Index("ix_presence_interval_person_time", "person_id", "start_at"),
        NEVER_REUSED,
    )


def stay_span() -> ColumnElement[Range[datetime]]:
    """PostgreSQL: the stay as a range [start, end or bound); open-ended when neither is known.

    The index below is on this very expression, so a query must build it the same way.
    A stay ending before it starts cannot be indexed (PostgreSQL refuses the range): the
    projector never writes one, its ends come from later passages.
    """
    until = func.coalesce(PresenceInterval.end_at, PresenceInterval.bound_at)
    return func.tstzrange(PresenceInterval.start_at, until, type_=TSTZRANGE)


# Who was in zone Z at T: a GiST index over (zone, stay range) finds the stays containing
# T without walking every earlier stay of the zone (btree_gist provides the zone's part).
# PostgreSQL only (migration 0008): SQLite, for small sites, walks (zone_id, start_at);
# Alembic cannot reflect expression indexes there and leaves it out of its comparison.
Index(
    "ix_presence_interval_zone_span",
    PresenceInterval.zone_id,
    stay_span(),
    postgresql_using="gist",
)


class AirlockCycle(Base):
    """One use of an airlock: from a door opening until the airlock is closed again."""

    __tablename__ = "airlock_cycle"

    id: Mapped[int] = mapped_column(primary_key=True)
    airlock_id: Mapped[int]
    entry_door_id: Mapped[int]
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    outcome: Mapped[str] = mapped_column(String(12))
    openings: Mapped[int]
    grants: Mapped[int]
    person_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)
    first_event_id: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        CheckConstraint("outcome IN ('completed','returned','unfinished','open')", name="outcome"),
        Index("ix_airlock_cycle_airlock_time", "airlock_id", "started_at"),
        NEVER_REUSED,
    )


# The reader-offline sweep asks each reader for its last heartbeat. Walking back the
# (reader_id, occurred_at) index, a reader that sends none (or rarely) reads through all
# its swipes first: 75 ms per sweep on 200,000 swipes (measured), growing with the table.
# Partial, so ingest pays for the heartbeat rows only.
HEARTBEATS = Index(
    "ix_physical_event_heartbeat",
    PhysicalEvent.reader_id,
    PhysicalEvent.occurred_at,
    PhysicalEvent.id,
    postgresql_where=text("kind = 'heartbeat'"),
    sqlite_where=text("kind = 'heartbeat'"),
)
