"""Small builders of findings and raised alerts."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.alerts import service
from app.alerts.models import Alert
from app.auth.principal import SYSTEM
from app.ledger import service as ledger

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
_serial = itertools.count(1)


def finding(
    kind: str = "door_forced",
    *,
    door: int = 7,
    minutes: int = 0,
    occurrence: str | None = None,
    severity: str = "critical",
) -> service.Finding:
    """A finding on a door, `minutes` after T0."""
    return service.Finding(
        kind=kind,
        severity=severity,
        occurrence=occurrence or f"test:{next(_serial)}",
        occurred_at=T0 + timedelta(minutes=minutes),
        summary=f"{kind} at door {door}",
        subjects={"door_id": door},
        fact_indexes=(minutes,),
    )


def raise_alerts(session: Session, *findings: service.Finding) -> list[Alert]:
    """Raise findings as the system would, facts appended; every alert afterwards."""
    facts = service.raise_findings(session, findings=findings, actor=SYSTEM)
    ledger.append_many(session, facts)
    session.flush()
    return list(session.scalars(select(Alert).order_by(Alert.id)))
