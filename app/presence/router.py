"""Presence API: who is in a zone, where a person was, occupancy, passages, airlock cycles."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query

from app.audit.deps import EvidenceViewer
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

# Every person's role: a tenant auditor gets the movements at its own rooms, cages and
# racks (app.auth.scope); each answer is a recorded read of evidence.
router = APIRouter(prefix="/api/v1/presence", tags=["presence"])
Id = Annotated[int, Path(ge=1, lt=INT32_LIMIT)]


@router.get("/zones/{zone_id}/muster")
def muster(
    zone_id: Id,
    session: SessionDep,
    viewer: EvidenceViewer,
    at: Annotated[UTCTimestamp | None, Query()] = None,
) -> Muster:
    """Who is (or was, at `at`) in the zone: the muster list."""
    moment = at or datetime.now(UTC)
    return service.muster(session, zone_id=zone_id, at=moment, viewer=viewer)


@router.get("/zones/{zone_id}/occupancy")
def occupancy(
    zone_id: Id, day: Annotated[date, Query()], session: SessionDep, viewer: EvidenceViewer
) -> Occupancy:
    """People in the zone hour by hour over a UTC day."""
    return service.occupancy(session, zone_id=zone_id, day=day, viewer=viewer)


@router.get("/people/{person_id}")
def whereabouts(
    person_id: Id, window: Annotated[Window, Query()], session: SessionDep, viewer: EvidenceViewer
) -> Whereabouts:
    """Where the person was between since and until."""
    return service.whereabouts(session, person_id=person_id, window=window, viewer=viewer)


@router.get("/passages")
def passages(
    query: Annotated[PassageQuery, Query()], session: SessionDep, viewer: EvidenceViewer
) -> PassagePage:
    """Passages and unused grants, filtered, newest first."""
    return service.passages(session, query=query, viewer=viewer)


@router.get("/airlocks/{airlock_id}/cycles")
def cycles(
    airlock_id: Id, window: Annotated[Window, Query()], session: SessionDep, viewer: EvidenceViewer
) -> list[CycleOut]:
    """The airlock's cycles started in the window."""
    return list(service.cycles(session, airlock_id=airlock_id, window=window, viewer=viewer))
