"""Alerts fold repeats, ignore re-derived findings, and record each state change as a fact."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.alerts import service
from app.audit.service import Viewer
from app.auth.principal import Principal, Role
from app.errors import Conflict, NotFound
from app.ledger import service as ledger
from app.ledger.models import LedgerEntry
from tests.alerts.factories import T0, finding, raise_alerts

GUARD = Principal(kind="user", subject="guard", role=Role.security)


def _fact_types(session: Session) -> list[str]:
    return list(session.scalars(select(LedgerEntry.type).order_by(LedgerEntry.index)))


def test_repeats_fold_into_one_alert_with_count_and_times(session: Session) -> None:
    alerts = raise_alerts(session, finding(minutes=5), finding(minutes=1), finding(minutes=9))
    assert len(alerts) == 1
    alert = alerts[0]
    assert (alert.count, alert.first_at, alert.last_at) == (
        3,
        T0 + timedelta(minutes=1),
        T0 + timedelta(minutes=9),
    )
    assert alert.fact_indexes == [1, 5, 9]
    assert alert.dedup_key == "door_forced:door_id=7"
    assert _fact_types(session).count("alert.raised") == 1


def test_other_subjects_or_kinds_raise_their_own_alerts(session: Session) -> None:
    alerts = raise_alerts(session, finding(door=1), finding(door=2), finding("door_tamper", door=1))
    assert len(alerts) == 3


def test_a_finding_derived_again_changes_nothing(session: Session) -> None:
    raise_alerts(session, finding(occurrence="same"))
    alerts = raise_alerts(session, finding(occurrence="same", minutes=3))
    assert [a.count for a in alerts] == [1]


def test_acknowledge_then_resolve_records_who_why_and_facts(session: Session) -> None:
    (alert,) = raise_alerts(session, finding())
    acked = service.acknowledge(session, alert_id=alert.id, note="on my way", principal=GUARD)
    assert (acked.state, acked.acknowledged_by, acked.acknowledged_note) == (
        "acknowledged",
        "user:guard",
        "on my way",
    )
    done = service.resolve(session, alert_id=alert.id, note="door repaired", principal=GUARD)
    assert (done.state, done.resolved_note) == ("resolved", "door repaired")
    assert _fact_types(session)[-3:] == ["alert.raised", "alert.acknowledged", "alert.resolved"]
    body = ledger.decode(ledger.get(session, ledger.size(session) - 1))
    assert body is not None
    assert body["actor"]["subject"] == "guard"


def test_state_changes_out_of_order_are_conflicts(session: Session) -> None:
    (alert,) = raise_alerts(session, finding())
    service.resolve(session, alert_id=alert.id, note="false alarm", principal=GUARD)
    with pytest.raises(Conflict):
        service.acknowledge(session, alert_id=alert.id, note="late", principal=GUARD)
    with pytest.raises(Conflict):
        service.resolve(session, alert_id=alert.id, note="again", principal=GUARD)
    with pytest.raises(NotFound):
        service.get(
            session, alert_id=alert.id + 1000, viewer=Viewer(GUARD, address=None, user_agent=None)
        )


def test_a_repeat_after_resolution_opens_a_new_alert(session: Session) -> None:
    (alert,) = raise_alerts(session, finding())
    service.resolve(session, alert_id=alert.id, note="handled", principal=GUARD)
    alerts = raise_alerts(session, finding(minutes=30))
    assert [(a.state, a.count) for a in alerts] == [("resolved", 1), ("open", 1)]
