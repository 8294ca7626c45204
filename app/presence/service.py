"""Questions asked of the read models: muster list, whereabouts, occupancy, passages, cycles."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from app.errors import Invalid, NotFound
from app.presence.models import AirlockCycle, Passage, PresenceInterval, stay_span
from app.presence.schemas import (
    CycleOut,
    Hour,
    Muster,
    Occupancy,
    PassageOut,
    PassagePage,
    PassageQuery,
    Stay,
    Whereabouts,
    Window,
)
from app.topology.models import Airlock, Person, Zone

HOUR = timedelta(hours=1)


def muster(session: Session, *, zone_id: int, at: datetime) -> Muster:
    """Who was in the zone at `at`, open stays included and flagged."""
    _exists(session, Zone, zone_id)
    here = PresenceInterval.zone_id == zone_id
    begun = PresenceInterval.start_at <= at
    if session.get_bind().dialect.name == "postgresql":
        # The GiST index on (zone, span) finds the stays containing `at` directly; the
        # span is [start, end or bound), exactly what _stays keeps.
        begun = and_(begun, stay_span().contains(at))
    stays = _stays(session, and_(here, begun), at)
    return Muster(
        zone_id=zone_id,
        at=at,
        count=len(stays),
        uncertain=sum(stay.uncertain or stay.open for stay in stays),
        people=stays,
    )


def whereabouts(session: Session, *, person_id: int, window: Window) -> Whereabouts:
    """The person's stays overlapping the window, oldest first."""
    _exists(session, Person, person_id)
    who = PresenceInterval.person_id == person_id
    stays = _stays(session, and_(who, PresenceInterval.start_at < window.until), window.since)
    return Whereabouts(person_id=person_id, since=window.since, until=window.until, stays=stays)


def occupancy(session: Session, *, zone_id: int, day: date) -> Occupancy:
    """Distinct people in the zone during each hour of a UTC day."""
    _exists(session, Zone, zone_id)
    if day >= date.max:
        raise Invalid("day out of range")
    start = datetime.combine(day, time(0), UTC)
    here = PresenceInterval.zone_id == zone_id
    stays = _stays(session, and_(here, PresenceInterval.start_at < start + 24 * HOUR), start)
    hours = []
    for hour in range(24):
        begin = start + hour * HOUR
        present = [s for s in stays if s.start < begin + HOUR and _until(s) > begin]
        hours.append(
            Hour(
                start=begin,
                people=len({s.person_id for s in present}),
                uncertain=len({s.person_id for s in present if s.uncertain or s.open}),
            )
        )
    return Occupancy(zone_id=zone_id, day=day, hours=hours)


def passages(session: Session, *, query: PassageQuery) -> PassagePage:
    """Passages matching the filters, newest first (keyset on id)."""
    stmt = select(Passage)
    filters: dict[str, Any] = {
        "door_id": query.door,
        "person_id": query.person,
        "to_zone_id": query.zone,
        "status": query.status,
    }
    for column, value in filters.items():
        if value is not None:
            stmt = stmt.where(getattr(Passage, column) == value)
    if query.since is not None:
        stmt = stmt.where(Passage.swiped_at >= query.since)
    if query.until is not None:
        stmt = stmt.where(Passage.swiped_at < query.until)
    if query.cursor is not None:
        stmt = stmt.where(Passage.id < query.cursor)
    rows = session.scalars(stmt.order_by(Passage.id.desc()).limit(query.limit + 1)).all()
    items = [PassageOut.model_validate(row) for row in rows[: query.limit]]
    return PassagePage(items=items, next_cursor=items[-1].id if len(rows) > query.limit else None)


def cycles(session: Session, *, airlock_id: int, window: Window) -> Sequence[CycleOut]:
    """The airlock's cycles started within the window, oldest first (at most 1000)."""
    _exists(session, Airlock, airlock_id)
    rows = session.scalars(
        select(AirlockCycle)
        .where(
            AirlockCycle.airlock_id == airlock_id,
            AirlockCycle.started_at >= window.since,
            AirlockCycle.started_at < window.until,
        )
        .order_by(AirlockCycle.started_at, AirlockCycle.id)
        .limit(1000)
    ).all()
    return [CycleOut.model_validate(row) for row in rows]


def _stays(session: Session, where: ColumnElement[bool], since: datetime) -> list[Stay]:
    """Stays matching `where` (which bounds their start) still running after `since`.

    An open stay runs until its bound, or on when it has none.
    """
    interval = PresenceInterval
    still_there = or_(
        interval.end_at > since,
        and_(
            interval.end_at.is_(None), or_(interval.bound_at.is_(None), interval.bound_at > since)
        ),
    )
    rows = session.execute(
        select(interval, Person.code, Zone.code)
        .join(Person, Person.id == interval.person_id)
        .join(Zone, Zone.id == interval.zone_id)
        .where(where, still_there)
        .order_by(interval.start_at, interval.person_id, interval.id)
    ).all()
    return [
        Stay(
            person_id=row.person_id,
            person=person,
            zone_id=row.zone_id,
            zone=zone,
            start=row.start_at,
            end=row.end_at,
            open=row.end_at is None,
            uncertain=row.uncertain,
            latest_end=row.end_at or row.bound_at,
        )
        for row, person, zone in rows
    ]


def _until(stay: Stay) -> datetime:
    return stay.latest_end or datetime.max.replace(tzinfo=UTC)


def _exists(session: Session, model: type[Zone] | type[Person] | type[Airlock], id_: int) -> None:
    if session.get(model, id_) is None:
        raise NotFound(f"no {model.__tablename__} {id_}")
