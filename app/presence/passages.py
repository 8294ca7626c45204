"""Passages of one door: each granted swipe paired with the door's next opening, if any."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.physical.models import PhysicalEvent
from app.presence.models import Passage


def device_order(event: PhysicalEvent) -> tuple[datetime, int, int]:
    """Device time, then the device's own identity: the same order whatever the arrival order."""
    return (event.occurred_at, event.reader_id, event.seq)


def recompute_door(
    session: Session,
    *,
    door_id: int,
    since: datetime,
    events: Sequence[PhysicalEvent],
    window_s: int,
) -> set[int]:
    """Redo the door's passages of swipes from `since`; the people whose passages changed.

    `events` are the door's events from `since` on, in device order. A swipe's pairing only
    depends on the openings after it, so the passages before `since` stand.
    """
    window = timedelta(seconds=window_s)
    stale = select(Passage.person_id).where(Passage.door_id == door_id, Passage.swiped_at >= since)
    people = {person for person in session.scalars(stale.distinct()) if person is not None}
    session.execute(delete(Passage).where(Passage.door_id == door_id, Passage.swiped_at >= since))
    openings = [e for e in events if e.kind == "door" and e.state == "opened"]
    times = [e.occurred_at for e in openings]
    for swipe in events:
        if swipe.kind != "swipe" or swipe.result != "granted" or swipe.badge_uid is None:
            continue
        at = bisect.bisect_left(times, swipe.occurred_at)
        opening = openings[at] if at < len(openings) else None
        if opening is not None and opening.occurred_at - swipe.occurred_at > window:
            opening = None
        session.add(
            Passage(
                swipe_event_id=swipe.id,
                swipe_index=swipe.ledger_index,
                open_index=opening.ledger_index if opening else None,
                door_id=door_id,
                reader_id=swipe.reader_id,
                person_id=swipe.person_id,
                badge_uid=swipe.badge_uid,
                from_zone_id=swipe.from_zone_id,
                to_zone_id=swipe.to_zone_id,
                swiped_at=swipe.occurred_at,
                passed_at=opening.occurred_at if opening else None,
                status="passed" if opening else "unused",
            )
        )
        if swipe.person_id is not None:
            people.add(swipe.person_id)
    session.flush()
    return people
