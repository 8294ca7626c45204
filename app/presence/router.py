"""Presence API: who is in a zone, where a person was, occupancy, passages, airlock cycles."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query

from app.auth.policy import allow
from app.auth.principal import Role
from app.deps import SessionDep
from app.physical.schemas import INT32_LIMIT, UTCTimestamp
from app.presence import service
from app.presence.schemas import (
    CycleOut,
    Muster,
    Occupancy,
    PassagePage,
    PassageQuery,
    Whereabouts,
    Window,
)

# Staff only: tenant auditors see their servers' touches through the audit area, not the
# movements of every person on site.
router = APIRouter(
    prefix="/api/v1/presence",
    tags=["presence"],
    dependencies=[allow(Role.admin, Role.security, Role.auditor)],
)
Id = Annotated[int, Path(ge=1, lt=INT32_LIMIT)]


@router.get("/zones/{zone_id}/muster")
def muster(
    zone_id: Id, session: SessionDep, at: Annotated[UTCTimestamp | None, Query()] = None
) -> Muster:
    """Who is (or was, at `at`) in the zone: the muster list."""
    return service.muster(session, zone_id=zone_id, at=at or datetime.now(UTC))


@router.get("/zones/{zone_id}/occupancy")
def occupancy(zone_id: Id, day: Annotated[date, Query()], session: SessionDep) -> Occupancy:
    """People in the zone hour by hour over a UTC day."""
    return service.occupancy(session, zone_id=zone_id, day=day)


@router.get("/people/{person_id}")
def whereabouts(
    person_id: Id, window: Annotated[Window, Query()], session: SessionDep
) -> Whereabouts:
    """Where the person was between since and until."""
    return service.whereabouts(session, person_id=person_id, window=window)


@router.get("/passages")
def passages(query: Annotated[PassageQuery, Query()], session: SessionDep) -> PassagePage:
    """Passages and unused grants, filtered, newest first."""
    return service.passages(session, query=query)


@router.get("/airlocks/{airlock_id}/cycles")
def cycles(
    airlock_id: Id, window: Annotated[Window, Query()], session: SessionDep
) -> list[CycleOut]:
    """The airlock's cycles started in the window."""
    return list(service.cycles(session, airlock_id=airlock_id, window=window))
