"""Door and reader rules: forced, held open, tamper, clock skew, revoked badge, offline."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.alerts.service import Finding
from app.physical.models import PhysicalEvent
from app.presence.events import Event, device_order, select_events
from app.topology.models import Reader

WITHDRAWN = ("revoked", "lost", "suspended")
OPENING = ("opened", "forced")


def door_findings(
    session: Session, *, door_id: int, new: Sequence[Event], held_open_s: int
) -> list[Finding]:
    """What the door's new events (in device order) show; deriving them twice changes nothing.

    Each event's own findings come from it alone. An opening is judged held open by the
    door's next state (closed too late, or the reader's own held_open report), never by
    the clock: the closing may still be in the reader's buffer, and a reader sends its
    buffer in order. New door states can only change that judgement for the openings from
    the one still unclosed at the first of them to the first closing after the last.
    """
    findings = [finding for event in new for finding in _event_findings(event, door_id)]
    states = [event for event in new if event.kind == "door"]
    if not states:
        return findings
    first, last = states[0].occurred_at, states[-1].occurred_at
    held = timedelta(seconds=held_open_s)
    since = min(first - held, _open_since(session, door_id, first) or first)
    query = select_events().where(
        PhysicalEvent.door_id == door_id,
        PhysicalEvent.kind == "door",
        PhysicalEvent.occurred_at >= since,
    )
    closing = session.scalar(
        select(func.min(PhysicalEvent.occurred_at)).where(
            PhysicalEvent.door_id == door_id,
            PhysicalEvent.kind == "door",
            PhysicalEvent.state == "closed",
            PhysicalEvent.occurred_at >= last,
        )
    )
    if closing is not None:
        query = query.where(PhysicalEvent.occurred_at <= closing)
    opened: Event | None = None  # the opening not yet followed by a closing
    for event in sorted(session.execute(query), key=device_order):
        if event.state in OPENING:
            opened = opened or event
        elif event.state == "held_open" or (
            event.state == "closed" and opened and event.occurred_at - opened.occurred_at > held
        ):
            findings.append(_held(opened or event, door_id, event))
        if event.state == "closed":
            opened = None
    return findings


def _open_since(session: Session, door_id: int, moment: datetime) -> datetime | None:
    """When the door opened, if it was still not closed at `moment`.

    The window starts there, so that whatever reports it held open (the reader's
    held_open, a late closing) is keyed by that same opening.
    """
    door = (PhysicalEvent.door_id == door_id, PhysicalEvent.kind == "door")
    closed = session.scalar(
        select(func.max(PhysicalEvent.occurred_at)).where(
            *door, PhysicalEvent.state == "closed", PhysicalEvent.occurred_at <= moment
        )
    )
    opening = select(func.min(PhysicalEvent.occurred_at)).where(
        *door, PhysicalEvent.state.in_(OPENING), PhysicalEvent.occurred_at <= moment
    )
    if closed is not None:
        opening = opening.where(PhysicalEvent.occurred_at > closed)
    return session.scalar(opening)


def _event_findings(event: Event, door_id: int) -> list[Finding]:
    out = []
    place = {"door_id": door_id, "reader_id": event.reader_id}
    if event.kind == "door" and event.state in ("forced", "tamper"):
        kind = "door_forced" if event.state == "forced" else "door_tamper"
        out.append(_finding(kind, "critical", event, place, f"door {door_id}: {event.state}"))
    if event.kind == "heartbeat" and event.status == "tamper":
        out.append(_finding("door_tamper", "critical", event, place, "reader reports tamper"))
    if event.clock_skew:
        text = f"reader {event.reader_id} clock off by {event.skew_ms} ms"
        out.append(_finding("clock_skew", "warning", event, {"reader_id": event.reader_id}, text))
    if event.kind == "swipe" and event.badge_status in WITHDRAWN:
        granted = event.result == "granted"
        subjects = {**place, **({"person_id": event.person_id} if event.person_id else {})}
        text = f"{event.badge_status} badge {event.badge_uid} {event.result} at door {door_id}"
        severity = "critical" if granted else "warning"
        out.append(_finding("revoked_badge", severity, event, subjects, text))
    return out


def _held(opened: Event, door_id: int, seen: Event) -> Finding:
    # Keyed by the opening, so the reader's held_open report and a late closing are one.
    return Finding(
        kind="door_held_open",
        severity="warning",
        occurrence=f"door_held_open:{opened.id}",
        occurred_at=opened.occurred_at,
        summary=f"door {door_id} held open",
        subjects={"door_id": door_id},
        fact_indexes=tuple(sorted({opened.ledger_index, seen.ledger_index})),
    )


def _finding(
    kind: str, severity: str, event: Event, subjects: dict[str, int], summary: str
) -> Finding:
    return Finding(
        kind=kind,
        severity=severity,
        occurrence=f"{kind}:{event.id}",
        occurred_at=event.occurred_at,
        summary=summary,
        subjects=subjects,
        fact_indexes=(event.ledger_index,),
    )


def offline_findings(session: Session, *, offline_s: int, now: datetime) -> list[Finding]:
    """Enabled readers with no heartbeat (device time) for longer than `offline_s`.

    Readers that never sent one are left out (not installed yet, or no heartbeats in their
    firmware). One finding per silence: keyed by the last heartbeat heard.
    """
    readers = session.scalars(select(Reader.id).where(Reader.enabled.is_(True))).all()
    # One walk down the (reader_id, occurred_at, id) index per reader (heartbeats come
    # every few minutes, so it stops early): no scan of the table.
    rows = [
        session.scalars(
            select(PhysicalEvent)
            .where(PhysicalEvent.reader_id == reader_id, PhysicalEvent.kind == "heartbeat")
            .order_by(PhysicalEvent.occurred_at.desc(), PhysicalEvent.id.desc())
            .limit(1)
        ).first()
        for reader_id in readers
    ]
    cutoff = now - timedelta(seconds=offline_s)
    return [
        Finding(
            kind="reader_offline",
            severity="critical",
            occurrence=f"reader_offline:{event.reader_id}:{event.id}",
            occurred_at=event.occurred_at + timedelta(seconds=offline_s),
            summary=f"reader {event.reader_id} silent since {event.occurred_at.isoformat()}",
            subjects={"reader_id": event.reader_id, "door_id": event.door_id},
            fact_indexes=(event.ledger_index,),
        )
        for event in rows
        if event is not None and event.occurred_at < cutoff
    ]
