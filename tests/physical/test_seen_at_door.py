"""person_seen_at_door follows physical_event: each (door, person) once, whoever inserts."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.physical.models import PhysicalEvent
from app.physical.seen_at_door import PersonSeenAtDoor
from tests.physical.factories import make_badge, make_door, make_reader, stored_swipe
from tests.presence.factories import Script, at, build_site, holder


def pairs(session: Session) -> set[tuple[int, int]]:
    """Every (door, person) pair the table holds."""
    rows = session.execute(select(PersonSeenAtDoor.door_id, PersonSeenAtDoor.person_id))
    return {(door, person) for door, person in rows}


def test_each_identified_person_once_per_door(session: Session) -> None:
    door, other = make_door(session), make_door(session)
    make_reader(session, door=door)
    make_reader(session, door=other)
    known = make_badge(session)
    for _ in range(3):
        stored_swipe(session, door, known)
    stored_swipe(session, other, known)
    stored_swipe(session, door)  # an unknown badge names nobody
    assert pairs(session) == {(door.id, known.person_id), (other.id, known.person_id)}


def test_batches_posted_by_readers_are_summarised(session: Session, settings: Settings) -> None:
    # Batches of 500 go through COPY on PostgreSQL (ingest's fast path), one statement for
    # the whole batch: the trigger must see every row of it.
    site = build_site(session)
    script = Script(site)
    people = [holder(session) for _ in range(6)]
    for hour, (_, badge) in enumerate(people):
        script.walk_in(badge, at(7 + hour))
        script.through("rack", "in", badge, at(8 + hour))
    script.readers_alive(at(23))
    script.post_all(session, settings, batch=500)
    expected = {
        (door, person)
        for door, person in session.execute(
            select(PhysicalEvent.door_id, PhysicalEvent.person_id).where(
                PhysicalEvent.person_id.is_not(None)
            )
        )
    }
    assert len(expected) == 6 * 4  # entrance, airlock's two doors, rack door
    assert pairs(session) == expected
