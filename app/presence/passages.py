"""Passages of one door: each granted swipe paired with the door's next opening, if any."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import insert_rows
from app.physical.models import PhysicalEvent
from app.presence.events import Event, device_order, select_events
from app.presence.models import Passage

_TABLE = Passage.metadata.tables[Passage.__tablename__]


def project_door(
    session: Session, *, door_id: int, new: Sequence[Event], window_s: int
) -> dict[int, datetime]:
    """Pair the door's new swipes, re-pair the older ones a new opening may serve.

    A swipe pairs with the door's first opening at or after it, within the window; events
    only ever get added, so a new opening can only take the place of a later one (or of
    none) for the swipes of the window before it, and those are all that is redone: the
    work follows the new events, not the door's history. Returns, per person whose
    passed passages changed, the earliest passage time that changed (presence is folded
    again from there).
    """
    window = timedelta(seconds=window_s)
    swipes = [e for e in new if e.kind == "swipe" and e.result == "granted" and e.badge_uid]
    opened = [e.occurred_at for e in new if e.kind == "door" and e.state == "opened"]
    served: Sequence[Passage] = []
    if opened:
        served = session.scalars(
            select(Passage).where(
                Passage.door_id == door_id,
                Passage.swiped_at.between(min(opened) - window, max(opened)),
            )
        ).all()
    if not swipes and not served:
        return {}
    times = [s.occurred_at for s in swipes] + [p.swiped_at for p in served]
    openings = _openings(session, door_id=door_id, since=min(times), until=max(times) + window)
    pairing = _Pairing(openings, window)
    changed: dict[int, datetime] = {}
    rows = []
    for swipe in swipes:
        opening = pairing.first_after(swipe.occurred_at)
        rows.append(_row(swipe, door_id, opening))
        if opening is not None and swipe.person_id is not None:
            _note(changed, swipe.person_id, opening.occurred_at)
    if rows:
        insert_rows(session, _TABLE, rows)
    for passage in served:
        opening = pairing.first_after(passage.swiped_at)
        if (opening.ledger_index if opening else None) == passage.open_index:
            continue
        if passage.person_id is not None:
            for moment in (passage.passed_at, opening.occurred_at if opening else None):
                if moment is not None:
                    _note(changed, passage.person_id, moment)
        passage.open_index = opening.ledger_index if opening else None
        passage.passed_at = opening.occurred_at if opening else None
        passage.status = "passed" if opening else "unused"
    session.flush()
    return changed


class _Pairing:
    """The door's openings in device order, and which one a swipe at a moment pairs with."""

    def __init__(self, openings: Sequence[Event], window: timedelta) -> None:
        self.openings = openings
        self.times = [e.occurred_at for e in openings]
        self.window = window

    def first_after(self, moment: datetime) -> Event | None:
        at = bisect.bisect_left(self.times, moment)
        if at == len(self.openings) or self.times[at] - moment > self.window:
            return None
        return self.openings[at]


def _openings(session: Session, *, door_id: int, since: datetime, until: datetime) -> list[Event]:
    rows = session.execute(
        select_events().where(
            PhysicalEvent.door_id == door_id,
            PhysicalEvent.occurred_at.between(since, until),
            PhysicalEvent.kind == "door",
            PhysicalEvent.state == "opened",
        )
    )
    return sorted(rows, key=device_order)


def _row(swipe: Event, door_id: int, opening: Event | None) -> dict[str, Any]:
    return {
        "swipe_event_id": swipe.id,
        "swipe_index": swipe.ledger_index,
        "open_index": opening.ledger_index if opening else None,
        "door_id": door_id,
        "reader_id": swipe.reader_id,
        "person_id": swipe.person_id,
        "badge_uid": swipe.badge_uid,
        "from_zone_id": swipe.from_zone_id,
        "to_zone_id": swipe.to_zone_id,
        "swiped_at": swipe.occurred_at,
        "passed_at": opening.occurred_at if opening else None,
        "status": "passed" if opening else "unused",
    }


def _note(changed: dict[int, datetime], person_id: int, moment: datetime) -> None:
    known = changed.get(person_id)
    changed[person_id] = moment if known is None else min(known, moment)
