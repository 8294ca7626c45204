"""Rows of the read models (passages, stays, airlock cycles, alerts) written directly, so
that scope tests can place them exactly where they need them."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.alerts.models import Alert
from app.presence.models import AirlockCycle, Passage, PresenceInterval
from app.topology.models import Airlock, Door, Person, Reader, Zone

R = TypeVar("R")
T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
_serial = itertools.count(1)


def add(session: Session, row: R) -> R:
    """Insert a row and return it with its id."""
    session.add(row)
    session.flush()
    return row


def passage(session: Session, passed: Door, person: Person) -> Passage:
    """A passage of a person through a door."""
    n = next(_serial)
    reader = session.scalars(select(Reader.id).where(Reader.door_id == passed.id)).one()
    return add(
        session,
        Passage(
            swipe_event_id=10_000 + n,
            swipe_index=n,
            door_id=passed.id,
            reader_id=reader,
            person_id=person.id,
            badge_uid=f"uid-{n}",
            from_zone_id=passed.from_zone_id,
            to_zone_id=passed.to_zone_id,
            swiped_at=T0,
            passed_at=T0,
            status="passed",
        ),
    )


def stay(session: Session, person: Person, zone: Zone) -> PresenceInterval:
    """An open stay of a person in a zone."""
    return add(
        session,
        PresenceInterval(
            person_id=person.id,
            zone_id=zone.id,
            start_at=T0,
            uncertain=False,
            entry_passage_id=next(_serial),
        ),
    )


def cycle(session: Session, airlock: Airlock, people: list[int]) -> AirlockCycle:
    """A completed cycle of an airlock."""
    return add(
        session,
        AirlockCycle(
            airlock_id=airlock.id,
            entry_door_id=airlock.outer_door_id,
            started_at=T0,
            ended_at=T0,
            outcome="completed",
            openings=2,
            grants=len(people),
            person_ids=people,
            first_event_id=next(_serial),
        ),
    )


def alert(session: Session, places: dict[str, int]) -> Alert:
    """An open alert naming these subjects."""
    return add(
        session,
        Alert(
            kind="door_forced",
            severity="critical",
            state="open",
            dedup_key=f"test:{next(_serial)}",
            summary="s",
            first_at=T0,
            last_at=T0,
            raised_at=T0,
            fact_indexes=[],
            **places,
        ),
    )
