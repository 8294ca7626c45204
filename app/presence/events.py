"""The physical events as the projector reads them: plain rows, in device order."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, select

from app.physical.models import PhysicalEvent

# Rows, not ORM objects: the projector reads every event at least once, and building an
# ORM object costs several times what reading the row does.
Event = Row[*tuple[Any, ...]]

_COLUMNS = (
    PhysicalEvent.id,
    PhysicalEvent.ledger_index,
    PhysicalEvent.reader_id,
    PhysicalEvent.door_id,
    PhysicalEvent.from_zone_id,
    PhysicalEvent.to_zone_id,
    PhysicalEvent.kind,
    PhysicalEvent.seq,
    PhysicalEvent.occurred_at,
    PhysicalEvent.skew_ms,
    PhysicalEvent.clock_skew,
    PhysicalEvent.badge_uid,
    PhysicalEvent.person_id,
    PhysicalEvent.result,
    PhysicalEvent.badge_status,
    PhysicalEvent.state,
    PhysicalEvent.status,
)


def select_events() -> Select[*tuple[Any, ...]]:
    """The columns the projector's rules read, of physical_event."""
    return select(*_COLUMNS)


def device_order(event: Event) -> tuple[datetime, int, int]:
    """Device time, then the device's own identity: the same order whatever the arrival order."""
    return (event.occurred_at, event.reader_id, event.seq)
