"""The projector: reads new physical events by id and redoes the read models they touch.

Each batch widens to the earliest device time it holds per door, so an event replayed an
hour late redoes that door's last hour: the read models depend on the events alone, not
on the order they arrived in. Reading by id misses nothing: ingest inserts its rows after
taking the ledger head lock, held until commit, so ids are assigned in commit order.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.alerts import service as alerts
from app.alerts.service import Finding
from app.auth.principal import Principal, Role
from app.config import Settings
from app.ledger import service as ledger
from app.physical.models import PhysicalEvent
from app.presence import airlocks
from app.presence.intervals import recompute_person
from app.presence.models import AirlockCycle, Passage, PresenceInterval, ProjectionCursor
from app.presence.passages import device_order, recompute_door
from app.presence.rules import door_findings, offline_findings
from app.presence.zones import load_tree

CURSOR = "physical"
PROJECTOR = Principal(kind="system", subject="projector", role=Role.admin)


def run_once(session: Session, *, settings: Settings, now: datetime | None = None) -> int:
    """Project the next batch of events and check for silent readers; events read."""
    now = now or datetime.now(UTC)
    cursor = _cursor(session)
    batch = session.scalars(
        select(PhysicalEvent)
        .where(PhysicalEvent.id > cursor.position)
        .order_by(PhysicalEvent.id)
        .limit(settings.projector_batch)
    ).all()
    findings: list[Finding] = []
    if batch:
        earliest: dict[int, datetime] = {}
        for event in batch:
            known = earliest.get(event.door_id)
            earliest[event.door_id] = min(known, event.occurred_at) if known else event.occurred_at
        findings += _project(session, earliest=earliest, settings=settings)
        cursor.position = batch[-1].id
    findings += offline_findings(session, offline_s=settings.reader_offline_s, now=now)
    facts = alerts.raise_findings(session, findings=findings, actor=PROJECTOR)
    ledger.append_many(session, facts)  # last: it takes the ledger head lock
    return len(batch)


def rebuild(session: Session, *, settings: Settings, now: datetime | None = None) -> int:
    """Empty the read models and project every event again; events read.

    Alerts stay: raising, acknowledging and resolving them are facts of their own, and
    each finding derived again is recognised by its occurrence key and changes nothing.
    """
    for table in (PresenceInterval, AirlockCycle, Passage):
        session.execute(delete(table))
    _cursor(session).position = 0
    total = 0
    while read := run_once(session, settings=settings, now=now):
        total += read
    return total


def _project(
    session: Session, *, earliest: dict[int, datetime], settings: Settings
) -> list[Finding]:
    window = timedelta(seconds=settings.passage_window_s)
    margin = max(window, timedelta(seconds=settings.held_open_s))
    findings: list[Finding] = []
    people: set[int] = set()
    for door_id, first in sorted(earliest.items()):
        start = min(first - margin, _open_since(session, door_id, first) or first)
        events = sorted(
            session.scalars(
                select(PhysicalEvent).where(
                    PhysicalEvent.door_id == door_id, PhysicalEvent.occurred_at >= start
                )
            ),
            key=device_order,
        )
        since = first - window
        people |= recompute_door(
            session,
            door_id=door_id,
            since=since,
            events=[e for e in events if e.occurred_at >= since],
            window_s=settings.passage_window_s,
        )
        findings += door_findings(events, door_id=door_id, held_open_s=settings.held_open_s)
    findings += airlocks.recompute(session, earliest=earliest)
    tree = load_tree(session)
    for person_id in sorted(people):
        findings += recompute_person(session, person_id=person_id, tree=tree)
    return findings


def _open_since(session: Session, door_id: int, moment: datetime) -> datetime | None:
    """When the door last opened, if it was still not closed at `moment`.

    The window starts there too, so that whatever reports it held open (the reader's
    held_open, a late closing) is keyed by that same opening.
    """
    states = (
        select(PhysicalEvent.state, PhysicalEvent.occurred_at)
        .where(
            PhysicalEvent.door_id == door_id,
            PhysicalEvent.occurred_at <= moment,
            PhysicalEvent.kind == "door",
        )
        .order_by(PhysicalEvent.occurred_at.desc())
    )
    last = session.execute(states.limit(1)).first()
    if last is None or last.state == "closed":
        return None
    opening = states.where(PhysicalEvent.state.in_(("opened", "forced"))).limit(1)
    row = session.execute(opening).first()
    return row.occurred_at if row else None


def _cursor(session: Session) -> ProjectionCursor:
    # The row lock makes concurrent projectors (one per worker) take turns.
    stmt = select(ProjectionCursor).where(ProjectionCursor.name == CURSOR).with_for_update()
    cursor = session.scalars(stmt).first()
    if cursor is None:
        cursor = ProjectionCursor(name=CURSOR, position=0)
        session.add(cursor)
        session.flush()
    return cursor
