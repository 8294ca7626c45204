"""Presence intervals of one person, folded from their passages; anti-passback findings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.alerts.service import Finding
from app.db import insert_rows
from app.presence.events import Event
from app.presence.models import Passage, PresenceInterval
from app.presence.zones import ZoneTree

UNTRACKED = ("outside",)  # being outdoors is not presence anywhere


def refold_person(
    session: Session, *, person_id: int, since: datetime, tree: ZoneTree
) -> list[Finding]:
    """Redo the person's intervals from their passages at or after `since`, oldest first.

    A passage leaves the zones around its start that do not also hold its end (through a
    cage door back into the room, one leaves the cage only) and enters its end zone unless
    that zone already holds the start. An exit never badged leaves the interval open;
    evidence that the person must have left (entering the zone again, leaving a zone
    around it) bounds it (`bound_at`) and marks it uncertain, never inventing an end.

    The fold before `since` stands: its state there is the intervals then still open, so
    what `since` or later closed is opened again, what began then is dropped, and the fold
    resumes with the passages from `since` on (the same result as folding the whole
    history, for the cost of what changed).
    """
    mine = PresenceInterval.person_id == person_id
    session.execute(delete(PresenceInterval).where(mine, PresenceInterval.start_at >= since))
    session.execute(
        update(PresenceInterval)
        .where(mine, PresenceInterval.end_at >= since)
        .values(end_at=None, exit_passage_id=None, uncertain=False)
    )
    session.execute(
        update(PresenceInterval)
        .where(mine, PresenceInterval.bound_at >= since)
        .values(bound_at=None, uncertain=False)
    )
    still_open = session.scalars(
        select(PresenceInterval).where(
            mine, PresenceInterval.end_at.is_(None), PresenceInterval.bound_at.is_(None)
        )
    )
    inside = {
        stored.zone_id: _Stay(stored.zone_id, stored.start_at, stored.entry_passage_id, stored)
        for stored in still_open
    }
    passages = session.execute(
        select(*_PASSAGE)
        .where(
            Passage.person_id == person_id,
            Passage.status == "passed",
            Passage.passed_at >= since,
        )
        .order_by(Passage.passed_at, Passage.swiped_at, Passage.reader_id, Passage.badge_uid)
    ).all()
    stays = list(inside.values())
    findings: list[Finding] = []
    for passage in passages:
        at = passage.passed_at
        start, end = tree.chain(passage.from_zone_id), tree.chain(passage.to_zone_id)
        for zone in (z for z in start if z not in end):
            stay = inside.pop(zone, None)
            if stay is not None:
                stay.end_at, stay.exit_passage_id, stay.uncertain = at, passage.id, False
            elif zone == passage.from_zone_id:
                findings += _anti_passback(tree, passage, zone, "left without entering")
            for nested in [z for z in inside if z != zone and tree.inside(z, zone)]:
                inside.pop(nested).bound(at)
        if passage.to_zone_id in start or tree.kind.get(passage.to_zone_id) in UNTRACKED:
            continue
        earlier = inside.pop(passage.to_zone_id, None)
        if earlier is not None:
            earlier.bound(at)
            findings += _anti_passback(tree, passage, passage.to_zone_id, "entered again")
        stay = _Stay(passage.to_zone_id, at, passage.id)
        stays.append(stay)
        inside[passage.to_zone_id] = stay
    rows = [stay.stored_as(person_id) for stay in stays]
    if new := [row for row in rows if row is not None]:
        insert_rows(session, _TABLE, new)
    session.flush()
    return findings


# Plain rows and objects in the fold: it handles every passage of the refolded stretch,
# and ORM objects cost several times more to build and flush (measured on 30 days).
_PASSAGE = (
    Passage.id,
    Passage.swipe_event_id,
    Passage.swipe_index,
    Passage.door_id,
    Passage.person_id,
    Passage.from_zone_id,
    Passage.to_zone_id,
    Passage.passed_at,
)
_TABLE = PresenceInterval.metadata.tables[PresenceInterval.__tablename__]


@dataclass(slots=True)
class _Stay:
    """An interval during the fold; `stored` when it was open before `since` (kept, updated)."""

    zone_id: int
    start_at: datetime
    entry_passage_id: int
    stored: PresenceInterval | None = None
    end_at: datetime | None = None
    exit_passage_id: int | None = None
    bound_at: datetime | None = None
    uncertain: bool = False

    def bound(self, at: datetime) -> None:
        """The person must have left by `at`, exit unknown."""
        self.bound_at, self.uncertain = at, True

    def stored_as(self, person_id: int) -> dict[str, Any] | None:
        """The row to insert, or None after updating the stored interval it continues."""
        if self.stored is not None:
            self.stored.end_at, self.stored.exit_passage_id = self.end_at, self.exit_passage_id
            self.stored.bound_at, self.stored.uncertain = self.bound_at, self.uncertain
            return None
        return {
            "person_id": person_id,
            "zone_id": self.zone_id,
            "start_at": self.start_at,
            "end_at": self.end_at,
            "bound_at": self.bound_at,
            "uncertain": self.uncertain,
            "entry_passage_id": self.entry_passage_id,
            "exit_passage_id": self.exit_passage_id,
        }


def _anti_passback(tree: ZoneTree, passage: Event, zone: int, what: str) -> list[Finding]:
    if tree.anti_passback.get(zone, "off") == "off":
        return []
    return [
        Finding(
            kind="anti_passback",
            severity="warning",
            occurrence=f"anti_passback:{passage.swipe_event_id}:{zone}",
            occurred_at=passage.passed_at,
            summary=f"anti-passback: person {passage.person_id} {what} zone {zone}",
            subjects={"person_id": passage.person_id, "zone_id": zone, "door_id": passage.door_id},
            fact_indexes=(passage.swipe_index,),
        )
    ]
