"""Presence intervals of one person, folded from their passages; anti-passback findings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.alerts.service import Finding
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
    inside = {interval.zone_id: interval for interval in still_open}
    passages = session.scalars(
        select(Passage)
        .where(
            Passage.person_id == person_id,
            Passage.status == "passed",
            Passage.passed_at >= since,
        )
        .order_by(Passage.passed_at, Passage.swiped_at, Passage.reader_id, Passage.badge_uid)
    ).all()
    findings: list[Finding] = []
    for passage in passages:
        at = passage.passed_at
        assert at is not None  # status "passed" has its opening time
        start, end = tree.chain(passage.from_zone_id), tree.chain(passage.to_zone_id)
        for zone in (z for z in start if z not in end):
            interval = inside.pop(zone, None)
            if interval is not None:
                interval.end_at, interval.exit_passage_id = at, passage.id
                interval.uncertain = False
            elif zone == passage.from_zone_id:
                findings += _anti_passback(tree, passage, zone, "left without entering")
            for nested in [z for z in inside if z != zone and tree.inside(z, zone)]:
                _bound(inside.pop(nested), passage)
        if passage.to_zone_id in start or tree.kind.get(passage.to_zone_id) in UNTRACKED:
            continue
        earlier = inside.pop(passage.to_zone_id, None)
        if earlier is not None:
            _bound(earlier, passage)
            findings += _anti_passback(tree, passage, passage.to_zone_id, "entered again")
        interval = PresenceInterval(
            person_id=person_id,
            zone_id=passage.to_zone_id,
            start_at=at,
            uncertain=False,
            entry_passage_id=passage.id,
        )
        session.add(interval)
        inside[passage.to_zone_id] = interval
    session.flush()
    return findings


def _bound(interval: PresenceInterval, passage: Passage) -> None:
    interval.bound_at, interval.uncertain = passage.passed_at, True


def _anti_passback(tree: ZoneTree, passage: Passage, zone: int, what: str) -> list[Finding]:
    if tree.anti_passback.get(zone, "off") == "off":
        return []
    assert passage.passed_at is not None and passage.person_id is not None
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
