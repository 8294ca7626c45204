"""Anti-passback for decisions in "deny" zones: is the person in the zone right now?

Answered from the presence read model, which the projector builds a few seconds behind
ingest (a cursor over physical_event). A reader asking right after a passage must not be
fooled by that lag, so the person's granted swipes beyond the projector's cursor count
too, each paired with its door's opening exactly as the projector will pair it (the first
opening within VIGIE_PASSAGE_WINDOW_S). A grant whose opening has not reached vigie yet is
no passage: the door may never have opened (an unused grant).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.config import Settings
from app.physical.models import PhysicalEvent
from app.presence.models import PresenceInterval, ProjectionCursor
from app.presence.projector import CURSOR
from app.presence.zones import load_tree


class Passback(StrEnum):
    """What anti-passback says of a passage."""

    no_opinion = "no_opinion"
    deny = "deny"


@dataclass(frozen=True)
class Whereabouts:
    """Whether the person is in the zone at a moment, since when, and what says so.

    `inside` is None when the record cannot tell: an open stay (exit never badged, nothing
    seen since) older than VIGIE_ANTI_PASSBACK_OPEN_STAY_S.
    """

    inside: bool | None
    since: datetime | None  # the entry, exit or bound that settled it; None: never seen
    source: Literal["presence", "events", "none"]

    def fact(self) -> dict[str, Any]:
        """As recorded in the decision's fact."""
        return {"inside": self.inside, "since": self.since, "source": self.source}


@dataclass(frozen=True)
class Opinion:
    """Anti-passback's answer and the whereabouts it stands on."""

    passback: Passback
    whereabouts: Whereabouts


def passback_opinion(
    session: Session,
    *,
    person_id: int,
    zone_id: int,
    direction: Literal["in", "out"],
    at: datetime,
    settings: Settings,
) -> Opinion:
    """Deny entering a zone the person is in, or leaving one they are not in."""
    where = whereabouts(session, person_id=person_id, zone_id=zone_id, at=at, settings=settings)
    if where.inside is None or where.inside != (direction == "in"):
        return Opinion(Passback.no_opinion, where)
    return Opinion(Passback.deny, where)


def whereabouts(
    session: Session, *, person_id: int, zone_id: int, at: datetime, settings: Settings
) -> Whereabouts:
    """The person in or out of the zone at `at`: presence, then the events not projected yet."""
    # The cursor first: read later, presence can only be newer than it, never older.
    position = session.scalar(
        select(ProjectionCursor.position).where(ProjectionCursor.name == CURSOR)
    )
    known = _projected(session, person_id=person_id, zone_id=zone_id, at=at, settings=settings)
    pending = _pending(
        session, person_id=person_id, zone_id=zone_id, at=at, after=position or 0, settings=settings
    )
    if pending is not None and (known.since is None or pending.since > known.since):
        return Whereabouts(inside=pending.inside, since=pending.since, source="events")
    return known


@dataclass(frozen=True)
class _Crossing:
    inside: bool
    since: datetime


def _projected(
    session: Session, *, person_id: int, zone_id: int, at: datetime, settings: Settings
) -> Whereabouts:
    # A person's stays in one zone never overlap (entering again bounds the earlier one):
    # the last one begun by `at` tells.
    stay = session.scalars(
        select(PresenceInterval)
        .where(
            PresenceInterval.person_id == person_id,
            PresenceInterval.zone_id == zone_id,
            PresenceInterval.start_at <= at,
        )
        .order_by(PresenceInterval.start_at.desc(), PresenceInterval.id.desc())
        .limit(1)
    ).first()
    if stay is None:
        return Whereabouts(inside=False, since=None, source="none")
    left = stay.end_at or stay.bound_at  # a badged exit, or the latest they can have left
    if left is not None and left <= at:
        return Whereabouts(inside=False, since=left, source="presence")
    stale = at - stay.start_at > timedelta(seconds=settings.anti_passback_open_stay_s)
    if left is None and stale:
        return Whereabouts(inside=None, since=stay.start_at, source="presence")
    return Whereabouts(inside=True, since=stay.start_at, source="presence")


def _pending(
    session: Session,
    *,
    person_id: int,
    zone_id: int,
    at: datetime,
    after: int,
    settings: Settings,
) -> _Crossing | None:
    """The person's last crossing of the zone's boundary among events beyond the cursor."""
    swipes = session.scalars(
        select(PhysicalEvent).where(
            PhysicalEvent.id > after,
            PhysicalEvent.person_id == person_id,
            PhysicalEvent.kind == "swipe",
            PhysicalEvent.result == "granted",
            PhysicalEvent.occurred_at <= at,
        )
    ).all()
    if not swipes:
        return None
    tree = load_tree(session)
    window = timedelta(seconds=settings.passage_window_s)
    last: _Crossing | None = None
    for swipe in swipes:
        way = tree.crossing(swipe.from_zone_id, swipe.to_zone_id, zone_id)
        if way is None:
            continue
        opened = session.scalar(
            select(func.min(PhysicalEvent.occurred_at)).where(
                PhysicalEvent.door_id == swipe.door_id,
                PhysicalEvent.kind == "door",
                PhysicalEvent.state == "opened",
                PhysicalEvent.occurred_at >= swipe.occurred_at,
                PhysicalEvent.occurred_at <= min(swipe.occurred_at + window, at),
            )
        )
        if opened is not None and (last is None or opened > last.since):
            last = _Crossing(inside=way == "in", since=opened)
    return last
