"""Airlock cycles from the two doors' events, and the interlock, tailgating, unfinished rules.

No occupancy sensor event exists in the ingest contract yet, so tailgating is judged from
what the doors report: a door of the cycle opened more often than badges were granted
there (someone went through on another's opening).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from app.alerts.service import Finding
from app.physical.models import PhysicalEvent
from app.presence.events import Event, device_order, select_events
from app.presence.models import AirlockCycle, Passage
from app.topology.models import Airlock, Reader

OPENING = ("opened", "forced")


@dataclass
class _Cycle:
    entry: int
    first: Event
    openings: dict[int, int] = field(default_factory=dict)


def recompute(session: Session, *, earliest: dict[int, datetime]) -> list[Finding]:
    """Redo the cycles of airlocks whose doors have new events; their findings."""
    doors = list(earliest)
    airlocks = session.scalars(
        select(Airlock)
        .where(or_(Airlock.outer_door_id.in_(doors), Airlock.inner_door_id.in_(doors)))
        .order_by(Airlock.id)
    ).all()
    findings: list[Finding] = []
    for airlock in airlocks:
        pair = (airlock.outer_door_id, airlock.inner_door_id)
        first = min(earliest[d] for d in pair if d in earliest)
        findings += _recompute_airlock(session, airlock, first)
    return findings


def _recompute_airlock(session: Session, airlock: Airlock, first: datetime) -> list[Finding]:
    # Cycles that ended well before the new events stand; the rest are redone from there.
    limit = timedelta(seconds=airlock.max_cycle_s)
    kept = select(AirlockCycle.ended_at).where(
        AirlockCycle.airlock_id == airlock.id,
        AirlockCycle.ended_at < first - limit,
        AirlockCycle.outcome == "completed",
    )
    resume = session.scalar(kept.order_by(AirlockCycle.ended_at.desc()).limit(1))
    stale = delete(AirlockCycle).where(AirlockCycle.airlock_id == airlock.id)
    if resume is not None:
        stale = stale.where(AirlockCycle.started_at > resume)
    session.execute(stale)
    pair = (airlock.outer_door_id, airlock.inner_door_id)
    after = () if resume is None else (PhysicalEvent.occurred_at > resume,)
    watermark = _watermark(session, pair)
    if watermark is None:
        return []
    doors = session.execute(
        select_events().where(
            PhysicalEvent.door_id.in_(pair),
            PhysicalEvent.kind == "door",
            PhysicalEvent.occurred_at <= watermark,
            *after,
        )
    )
    events = sorted(doors, key=device_order)
    if not events:
        return []
    limit = timedelta(seconds=airlock.max_cycle_s)
    # Every grant the cycles below can count, read once rather than once per cycle.
    passed = session.execute(
        select(Passage.passed_at, Passage.door_id, Passage.person_id)
        .where(
            Passage.door_id.in_(pair),
            Passage.status == "passed",
            Passage.passed_at.between(events[0].occurred_at, watermark + limit),
        )
        .order_by(Passage.passed_at)
    ).all()
    return _run(session, airlock, events, watermark, _Grants(passed))


def _watermark(session: Session, pair: tuple[int, int]) -> datetime | None:
    """How far every reader at the two doors has reported (heartbeats included).

    A reader sends its buffer in order, and both readers of a door report its states, so
    past the last event of one of them, another's events may be ahead of a replay still
    to come: cycles are judged up to there only, and late buffers leave no false alert.
    A reader silent since the cycles kept holds the rest back until it reports again, and
    so does an enabled reader never heard from: its buffer may hold the airlock's start.
    """
    # One walk down each reader's (reader_id, occurred_at) index: no scan of the doors'
    # history, which the swipes make long.
    readers = session.scalars(
        select(Reader.id).where(Reader.door_id.in_(pair), Reader.enabled.is_(True))
    ).all()
    last = [
        session.scalar(
            select(func.max(PhysicalEvent.occurred_at)).where(
                PhysicalEvent.reader_id == reader_id, PhysicalEvent.door_id.in_(pair)
            )
        )
        for reader_id in readers
    ]
    if not last or None in last:
        return None
    return min(moment for moment in last if moment is not None)


class _Grants:
    """The granted passages through the airlock's doors, in time order."""

    def __init__(self, rows: Sequence[Event]) -> None:
        self.rows = rows
        self.times = [row.passed_at for row in rows]

    def during(
        self, doors: Iterable[int], start: datetime, until: datetime
    ) -> list[tuple[int, int | None]]:
        """(door, person) of the passages through `doors` from `start` to `until`."""
        low, high = bisect.bisect_left(self.times, start), bisect.bisect_right(self.times, until)
        wanted = set(doors)
        return [(r.door_id, r.person_id) for r in self.rows[low:high] if r.door_id in wanted]


def _run(
    session: Session,
    airlock: Airlock,
    events: Sequence[Event],
    watermark: datetime,
    grants: _Grants,
) -> list[Finding]:
    limit = timedelta(seconds=airlock.max_cycle_s)
    findings: list[Finding] = []
    is_open: set[int] = set()
    cycle: _Cycle | None = None
    for event in events:
        if cycle and event.occurred_at - cycle.first.occurred_at > limit:
            findings += _close(session, airlock, grants, cycle, _timed_out(cycle, is_open), None)
            cycle = None
        if event.state in OPENING:
            if is_open and event.door_id not in is_open:
                findings.append(_alert(airlock, event, "interlock_breach", "both doors open"))
            is_open.add(event.door_id)
            cycle = cycle or _Cycle(entry=event.door_id, first=event)
            cycle.openings[event.door_id] = cycle.openings.get(event.door_id, 0) + 1
        elif event.state == "closed":
            is_open.discard(event.door_id)
            if cycle and not is_open and len(cycle.openings) > 1:
                findings += _close(session, airlock, grants, cycle, "completed", event.occurred_at)
                cycle = None
    if cycle is not None:
        late = watermark - cycle.first.occurred_at > limit
        outcome = _timed_out(cycle, is_open) if late else "open"
        findings += _close(session, airlock, grants, cycle, outcome, None)
    return findings


def _timed_out(cycle: _Cycle, is_open: set[int]) -> str:
    # Only the entry door was used, several times, and it is shut: someone went back out.
    if not is_open and len(cycle.openings) == 1 and cycle.openings[cycle.entry] > 1:
        return "returned"
    return "unfinished"


def _close(
    session: Session,
    airlock: Airlock,
    passed: _Grants,
    cycle: _Cycle,
    outcome: str,
    ended_at: datetime | None,
) -> list[Finding]:
    start = cycle.first.occurred_at
    until = ended_at or start + timedelta(seconds=airlock.max_cycle_s)
    during = passed.during(cycle.openings, start, until)
    grants = {door: sum(1 for d, _ in during if d == door) for door in cycle.openings}
    people = sorted({person for _, person in during if person is not None})
    session.add(
        AirlockCycle(
            airlock_id=airlock.id,
            entry_door_id=cycle.entry,
            started_at=start,
            ended_at=ended_at,
            outcome=outcome,
            openings=sum(cycle.openings.values()),
            grants=sum(grants.values()),
            person_ids=people,
            first_event_id=cycle.first.id,
        )
    )
    findings = []
    if outcome == "unfinished":
        findings.append(_alert(airlock, cycle.first, "airlock_unfinished", "cycle unfinished"))
    if any(0 < grants[door] < count for door, count in cycle.openings.items()):
        text = f"{sum(cycle.openings.values())} openings for {sum(grants.values())} badges"
        findings.append(_alert(airlock, cycle.first, "airlock_tailgating", text))
    return findings


def _alert(airlock: Airlock, event: Event, kind: str, text: str) -> Finding:
    return Finding(
        kind=kind,
        severity="critical",
        occurrence=f"{kind}:{airlock.id}:{event.id}",
        occurred_at=event.occurred_at,
        summary=f"airlock {airlock.code}: {text}",
        subjects={"airlock_id": airlock.id},
        fact_indexes=(event.ledger_index,),
    )
