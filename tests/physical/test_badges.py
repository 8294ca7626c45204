"""Swipes of unknown, revoked, lost, expired or not yet valid badges are stored, flagged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.ledger import service as ledger
from app.physical.models import PhysicalEvent
from tests.physical.factories import make_badge, make_reader, swipe
from tests.physical.test_signatures import EVENT

NOW = datetime.now(UTC)


def swiped(client: TestClient, session: Session, uid: str) -> PhysicalEvent:
    reader = make_reader(session)
    response = reader.post(client, EVENT, swipe(1, uid, result="denied"))
    assert response.status_code == 201, response.text
    return session.scalars(
        select(PhysicalEvent).where(PhysicalEvent.reader_id == reader.row.id)
    ).one()


def test_unknown_badge_is_stored_and_flagged(client: TestClient, session: Session) -> None:
    row = swiped(client, session, "NEVER:SEEN")
    assert (row.badge_status, row.badge_id, row.person_id) == ("unknown", None, None)
    fact = ledger.decode(ledger.get(session, row.ledger_index))
    assert fact is not None
    assert fact["type"] == "badge.swipe"
    assert fact["body"]["badge_status"] == "unknown"


def test_valid_badge_names_its_holder(client: TestClient, session: Session) -> None:
    badge = make_badge(session, valid_from=NOW - timedelta(days=1))
    row = swiped(client, session, badge.uid)
    assert (row.badge_status, row.badge_id, row.person_id) == ("valid", badge.id, badge.person_id)


@pytest.mark.parametrize(
    ("status", "valid_from", "valid_until", "expected"),
    [
        ("revoked", None, None, "revoked"),
        ("lost", None, None, "lost"),
        ("suspended", None, None, "suspended"),
        ("active", None, NOW - timedelta(hours=1), "expired"),
        ("active", NOW + timedelta(days=1), None, "not_yet_valid"),
        ("revoked", None, NOW - timedelta(hours=1), "revoked"),
    ],
)
def test_badge_standing_is_flagged_and_the_swipe_kept(
    client: TestClient,
    session: Session,
    status: str,
    valid_from: datetime | None,
    valid_until: datetime | None,
    expected: str,
) -> None:
    badge = make_badge(session, status=status, valid_from=valid_from, valid_until=valid_until)
    row = swiped(client, session, badge.uid)
    assert row.badge_status == expected
    assert row.person_id == badge.person_id
