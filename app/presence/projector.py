"""The projector: reads new physical events by id and redoes what they change.

Each new event redoes only what it can change: the passages it starts or the swipes its
opening serves, the door's open spell around it, its airlock's cycles since the last one
completed before it, and the presence of the people whose passages changed, from the
earliest change on. An event replayed an hour late redoes its part of that hour: the
read models depend on the events alone, not on the order they arrived in. Reading by id
misses nothing: ingest inserts its rows after taking the ledger head lock, held until
commit, so ids are assigned in commit order.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.alerts import service as alerts
from app.alerts.service import Finding
from app.auth.principal import Principal, Role
from app.config import Settings
from app.ledger import service as ledger
from app.physical.models import PhysicalEvent
from app.presence import airlocks
from app.presence.events import Event, device_order, select_events
from app.presence.intervals import refold_person
from app.presence.models import AirlockCycle, Passage, PresenceInterval, ProjectionCursor
from app.presence.passages import project_door
from app.presence.rules import door_findings, offline_findings
from app.presence.zones import load_tree

CURSOR = "physical"
PROJECTOR = Principal(kind="system", subject="projector", role=Role.admin)
PENDING_CAP = 100_000  # counting stops there: an index-only scan of at most this many ids


def pending(session: Session) -> int:
    """How many stored events the projector has not read yet (at most PENDING_CAP)."""
    position = select(ProjectionCursor.position).where(ProjectionCursor.name == CURSOR)
    ahead = (
        select(PhysicalEvent.id)
        .where(PhysicalEvent.id > func.coalesce(position.scalar_subquery(), 0))
        .limit(PENDING_CAP)
        .subquery()
    )
    return session.scalar(select(func.count()).select_from(ahead)) or 0


def run_once(session: Session, *, settings: Settings, now: datetime | None = None) -> int:
    """Project the next batch of events and check for silent readers; events read."""
    now = now or datetime.now(UTC)
    cursor = _cursor(session)
    batch = session.execute(
        select_events()
        .where(PhysicalEvent.id > cursor.position)
        .order_by(PhysicalEvent.id)
        .limit(settings.projector_batch)
    ).all()
    findings: list[Finding] = []
    if batch:
        findings += _project(session, batch=batch, settings=settings)
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


def _project(session: Session, *, batch: Sequence[Event], settings: Settings) -> list[Finding]:
    by_door: dict[int, list[Event]] = {}
    for event in batch:
        by_door.setdefault(event.door_id, []).append(event)
    findings: list[Finding] = []
    changed: dict[int, datetime] = {}  # person: earliest passage time that changed
    for door_id, new in sorted(by_door.items()):
        new.sort(key=device_order)
        passed = project_door(session, door_id=door_id, new=new, window_s=settings.passage_window_s)
        for person_id, moment in passed.items():
            changed[person_id] = min(moment, changed.get(person_id, moment))
        findings += door_findings(
            session, door_id=door_id, new=new, held_open_s=settings.held_open_s
        )
    earliest = {door_id: new[0].occurred_at for door_id, new in by_door.items()}
    findings += airlocks.recompute(session, earliest=earliest)
    if changed:
        tree = load_tree(session)
        for person_id, since in sorted(changed.items()):
            findings += refold_person(session, person_id=person_id, since=since, tree=tree)
    return findings


def _cursor(session: Session) -> ProjectionCursor:
    # The row lock makes concurrent projectors (one per worker) take turns.
    stmt = select(ProjectionCursor).where(ProjectionCursor.name == CURSOR).with_for_update()
    cursor = session.scalars(stmt).first()
    if cursor is None:
        cursor = ProjectionCursor(name=CURSOR, position=0)
        session.add(cursor)
        session.flush()
    return cursor
