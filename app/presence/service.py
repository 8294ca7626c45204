"""Questions asked of the read models: muster list, whereabouts, occupancy, passages, cycles.

Each answer is limited to the caller's tenant scope (app.auth.scope) and is a read of
evidence, recorded with the facts behind what it shows (app.audit.service.record_view).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.auth.principal import Principal
from app.auth.scope import scoped, visible_ids
from app.errors import Invalid, NotFound
from app.keyset import newest_first
from app.physical.models import PhysicalEvent
from app.presence import projector
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


def muster(session: Session, *, zone_id: int, at: datetime, viewer: audit.Viewer) -> Muster:
    """Who was in the zone at `at`, open stays included and flagged."""
    _exists(session, Zone, zone_id, viewer.principal)
    here = PresenceInterval.zone_id == zone_id
    begun = PresenceInterval.start_at <= at
    if session.get_bind().dialect.name == "postgresql":
        # The GiST index on (zone, span) finds the stays containing `at` directly; the
        # span is [start, end or bound), exactly what _stays keeps.
        begun = and_(begun, stay_span().contains(at))
    found = _stays(session, and_(here, begun), at, viewer.principal)
    _record(session, viewer, "presence_muster", {"zone_id": zone_id, "at": at}, found)
    stays = found.stays
    return Muster(
        zone_id=zone_id,
        at=at,
        count=len(stays),
        uncertain=sum(stay.uncertain or stay.open for stay in stays),
        pending_events=projector.pending(session),
        people=stays,
    )


def whereabouts(
    session: Session, *, person_id: int, window: Window, viewer: audit.Viewer
) -> Whereabouts:
    """The person's stays overlapping the window, oldest first."""
    _exists(session, Person, person_id, viewer.principal)
    who = PresenceInterval.person_id == person_id
    found = _stays(
        session, and_(who, PresenceInterval.start_at < window.until), window.since, viewer.principal
    )
    asked = {"person_id": person_id, **window.model_dump()}
    _record(session, viewer, "presence_whereabouts", asked, found)
    return Whereabouts(
        person_id=person_id, since=window.since, until=window.until, stays=found.stays
    )


def occupancy(session: Session, *, zone_id: int, day: date, viewer: audit.Viewer) -> Occupancy:
    """Distinct people in the zone during each hour of a UTC day."""
    _exists(session, Zone, zone_id, viewer.principal)
    if day >= date.max:
        raise Invalid("day out of range")
    start = datetime.combine(day, time(0), UTC)
    here = PresenceInterval.zone_id == zone_id
    found = _stays(
        session, and_(here, PresenceInterval.start_at < start + 24 * HOUR), start, viewer.principal
    )
    _record(session, viewer, "presence_occupancy", {"zone_id": zone_id, "day": day}, found)
    stays = found.stays
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


def passages(session: Session, *, query: PassageQuery, viewer: audit.Viewer) -> PassagePage:
    """Passages matching the filters, newest first (keyset on id)."""
    stmt = scoped(select(Passage), Passage, viewer.principal)
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
    rows, more = newest_first(session, stmt, key=Passage.id, before=query.cursor, limit=query.limit)
    items = [PassageOut.model_validate(row) for row in rows]
    facts = [i for p in items for i in (p.swipe_index, p.open_index) if i is not None]
    audit.record_view(
        session, viewer=viewer, resource="passage", query=query, indexes=facts, count=len(items)
    )
    return PassagePage(items=items, next_cursor=items[-1].id if more else None)


def cycles(
    session: Session, *, airlock_id: int, window: Window, viewer: audit.Viewer
) -> Sequence[CycleOut]:
    """The airlock's cycles started within the window, oldest first (at most 1000).

    A cycle lists who badged at either door; a tenant auditor gets only the people it may
    see (the outer door of its airlock is usually on a shared floor).
    """
    _exists(session, Airlock, airlock_id, viewer.principal)
    rows = session.scalars(
        scoped(select(AirlockCycle), AirlockCycle, viewer.principal)
        .where(
            AirlockCycle.airlock_id == airlock_id,
            AirlockCycle.started_at >= window.since,
            AirlockCycle.started_at < window.until,
        )
        .order_by(AirlockCycle.started_at, AirlockCycle.id)
        .limit(1000)
    ).all()
    people = visible_ids(
        session, Person, {p for row in rows for p in row.person_ids}, viewer.principal
    )
    out = [
        CycleOut.model_validate(row).model_copy(
            update={"person_ids": [p for p in row.person_ids if p in people]}
        )
        for row in rows
    ]
    first_events = select(PhysicalEvent.ledger_index).where(
        PhysicalEvent.id.in_([row.first_event_id for row in rows])
    )
    audit.record_view(
        session,
        viewer=viewer,
        resource="airlock_cycle",
        query={"airlock_id": airlock_id, **window.model_dump()},
        indexes=sorted(session.scalars(first_events)),
        count=len(out),
    )
    return out


class _Found(NamedTuple):
    """Stays in the order shown, and the passages that began and ended them, in that order."""

    stays: list[Stay]
    passage_ids: list[int]


def _stays(
    session: Session, where: ColumnElement[bool], since: datetime, principal: Principal
) -> _Found:
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
        scoped(select(interval, Person.code, Zone.code), interval, principal)
        .join(Person, Person.id == interval.person_id)
        .join(Zone, Zone.id == interval.zone_id)
        .where(where, still_there)
        .order_by(interval.start_at, interval.person_id, interval.id)
    ).all()
    stays = [
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
    ends = ((row.entry_passage_id, row.exit_passage_id) for row, _person, _zone in rows)
    passage_ids = [i for pair in ends for i in pair if i is not None]
    return _Found(stays, list(dict.fromkeys(passage_ids)))


def _until(stay: Stay) -> datetime:
    return stay.latest_end or datetime.max.replace(tzinfo=UTC)


def _exists(
    session: Session,
    model: type[Zone] | type[Person] | type[Airlock],
    id_: int,
    principal: Principal,
) -> None:
    # Out of the caller's scope answers as absent: guessing ids tells a tenant nothing.
    if session.scalar(scoped(select(model.id).where(model.id == id_), model, principal)) is None:
        raise NotFound(f"no {model.__tablename__} {id_}")


def _record(
    session: Session, viewer: audit.Viewer, resource: str, asked: dict[str, Any], found: _Found
) -> None:
    """Record a read of stays, with the swipes and openings of the passages behind them."""
    audit.record_view(
        session,
        viewer=viewer,
        resource=resource,
        query=asked,
        indexes=_stay_facts(session, found.passage_ids),
        count=len(found.stays),
    )


def _stay_facts(session: Session, passage_ids: list[int]) -> list[int]:
    """Ledger indexes of these passages' swipes and openings, in the passages' order.

    The passages are found by primary key: the stays already name them (an earlier
    version searched each person's stays again by time, which read months of history for
    a muster that lists an open stay).
    """
    if not passage_ids:
        return []
    facts = {
        passage_id: (swipe, opening)
        for passage_id, swipe, opening in session.execute(
            select(Passage.id, Passage.swipe_index, Passage.open_index).where(
                Passage.id.in_(passage_ids)
            )
        )
    }
    ordered = (
        i for pid in passage_ids for i in sorted(x for x in facts.get(pid, ()) if x is not None)
    )
    # Each fact once (a passage both ends one stay and begins the next).
    return list(dict.fromkeys(ordered))
