"""The decision endpoint: every reason through HTTP, identity checks, one fact per ask."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.access import service
from app.access.antipassback import Opinion, Passback, Whereabouts
from app.ledger import service as ledger
from app.topology.models import Badge, Person, Zone
from tests.access.factories import DECIDE, ask, grant, make_group, make_reader_into, make_room
from tests.physical.factories import TestReader, make_badge, make_person
from tests.physical.signing import post_signed

# A Tuesday, 10:00 in Paris (UTC+1 in November).
TUESDAY_10 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
OFFICE = [{"days": [0, 1, 2, 3, 4], "start": "08:00", "end": "18:00"}]
DAY = timedelta(days=1)


@pytest.fixture
def room(session: Session) -> tuple[Zone, Zone]:
    """A corridor and the room behind it."""
    return make_room(session)


@pytest.fixture
def reader(session: Session, room: tuple[Zone, Zone]) -> TestReader:
    """The "in" reader of the room's door."""
    corridor, inner = room
    return make_reader_into(session, inner, outer=corridor)


def holder(session: Session, **badge: Any) -> tuple[Person, Badge]:
    """A person and their badge."""
    person = make_person(session)
    return person, make_badge(session, person=person, **badge)


def answer(
    client: TestClient, reader: TestReader, uid: str, at: datetime = TUESDAY_10
) -> dict[str, Any]:
    response = ask(client, reader, uid, at)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_personal_right_grants_and_is_recorded(
    client: TestClient, session: Session, room: tuple[Zone, Zone], reader: TestReader
) -> None:
    person, badge = holder(session)
    grant(session, room[1], person=person, schedule=OFFICE)
    before = ledger.size(session)
    assert answer(client, reader, badge.uid) == {
        "decision": "grant",
        "reason": "ok",
        "escort_required": False,
        "person": person.code,
        "zone": room[1].code,
    }
    fact = ledger.decode(ledger.get(session, before))
    assert fact is not None and fact["type"] == "access.decision"
    assert fact["actor"]["subject"] == reader.code
    assert fact["body"] == {
        "reader": reader.code,
        "door": reader.door.code,
        "direction": "in",
        "badge": badge.uid,
        "person": person.code,
        "zone": room[1].code,
        "decision": "grant",
        "reason": "ok",
        "escort_required": False,
        "at": "2026-11-24T09:00:00.000000Z",
    }


def test_unknown_badge_is_denied_and_recorded(
    client: TestClient, session: Session, reader: TestReader
) -> None:
    before = ledger.size(session)
    body = answer(client, reader, "NO:SUCH:BADGE")
    assert (body["decision"], body["reason"], body["person"]) == ("deny", "unknown_badge", None)
    fact = ledger.decode(ledger.get(session, before))
    assert fact is not None
    assert fact["body"]["badge"] == "NO:SUCH:BADGE"
    assert fact["body"]["reason"] == "unknown_badge"


@pytest.mark.parametrize("status", ["revoked", "lost", "suspended"])
def test_badge_status_denies(
    client: TestClient, session: Session, room: tuple[Zone, Zone], reader: TestReader, status: str
) -> None:
    person, badge = holder(session, status=status)
    grant(session, room[1], person=person)
    assert answer(client, reader, badge.uid)["reason"] == status


def test_badge_validity_is_half_open(
    client: TestClient, session: Session, room: tuple[Zone, Zone], reader: TestReader
) -> None:
    person, badge = holder(session, valid_from=TUESDAY_10, valid_until=TUESDAY_10 + DAY)
    grant(session, room[1], person=person)
    assert answer(client, reader, badge.uid, TUESDAY_10 - timedelta(seconds=1))["reason"] == (
        "not_yet_valid"
    )
    assert answer(client, reader, badge.uid, TUESDAY_10)["reason"] == "ok"
    assert answer(client, reader, badge.uid, TUESDAY_10 + DAY)["reason"] == "expired"


def test_inactive_holder_is_denied(
    client: TestClient, session: Session, room: tuple[Zone, Zone], reader: TestReader
) -> None:
    person, badge = holder(session)
    person.active = False
    session.flush()
    grant(session, room[1], person=person)
    assert answer(client, reader, badge.uid)["reason"] == "person_inactive"


def test_no_right_for_this_zone_nor_from_its_parent(
    client: TestClient, session: Session, room: tuple[Zone, Zone], reader: TestReader
) -> None:
    person, badge = holder(session)
    grant(session, room[0], person=person)  # the corridor around the room
    body = answer(client, reader, badge.uid)
    assert (body["decision"], body["reason"], body["person"]) == ("deny", "no_right", person.code)


def test_unassigned_badge_has_no_right(
    client: TestClient, session: Session, reader: TestReader
) -> None:
    badge = Badge(uid="SPARE:1", person_id=None)
    session.add(badge)
    session.flush()
    assert answer(client, reader, "SPARE:1")["reason"] == "no_right"


def test_right_validity_period(
    client: TestClient, session: Session, room: tuple[Zone, Zone], reader: TestReader
) -> None:
    person, badge = holder(session)
    grant(session, room[1], person=person, valid_from=TUESDAY_10, valid_until=TUESDAY_10 + DAY)
    assert answer(client, reader, badge.uid, TUESDAY_10 - DAY)["reason"] == "no_right"
    assert answer(client, reader, badge.uid, TUESDAY_10)["reason"] == "ok"
    assert answer(client, reader, badge.uid, TUESDAY_10 + DAY)["reason"] == "no_right"


def test_outside_the_schedule_is_denied(
    client: TestClient, session: Session, room: tuple[Zone, Zone], reader: TestReader
) -> None:
    person, badge = holder(session)
    grant(session, room[1], person=person, schedule=OFFICE)
    assert answer(client, reader, badge.uid, TUESDAY_10 + timedelta(hours=9))["reason"] == (
        "schedule"
    )


def test_group_rights_count_and_escort_only_when_every_open_right_needs_it(
    client: TestClient, session: Session, room: tuple[Zone, Zone], reader: TestReader
) -> None:
    person, badge = holder(session)
    other, _ = holder(session)
    escorted = make_group(session, person, other)
    grant(session, room[1], group=escorted, escort=True)
    body = answer(client, reader, badge.uid)
    assert (body["reason"], body["escort_required"]) == ("ok", True)
    grant(session, room[1], group=make_group(session, person), schedule=OFFICE)
    assert answer(client, reader, badge.uid)["escort_required"] is False
    evening = TUESDAY_10 + timedelta(hours=10)  # only the escorted right is open
    assert answer(client, reader, badge.uid, evening)["escort_required"] is True


def test_leaving_is_granted_without_a_right(
    client: TestClient, session: Session, room: tuple[Zone, Zone]
) -> None:
    exit_reader = make_reader_into(session, room[1], outer=room[0], direction="out")
    _, badge = holder(session, status="revoked")
    body = answer(client, exit_reader, badge.uid)
    assert (body["decision"], body["reason"], body["zone"]) == ("grant", "ok", room[1].code)


@pytest.mark.parametrize("direction", ["in", "out"])
def test_antipassback_is_asked_only_in_deny_zones(
    client: TestClient,
    session: Session,
    room: tuple[Zone, Zone],
    monkeypatch: pytest.MonkeyPatch,
    direction: str,
) -> None:
    calls: list[dict[str, Any]] = []
    nowhere = Whereabouts(inside=None, since=None, source="none")

    def deny(_session: Session, **passage: Any) -> Opinion:
        calls.append(passage)
        return Opinion(Passback.deny, nowhere)

    monkeypatch.setattr(service, "passback_opinion", deny)
    reader = make_reader_into(session, room[1], outer=room[0], direction=direction)
    person, badge = holder(session)
    grant(session, room[1], person=person)
    for mode in ("off", "alert"):
        room[1].anti_passback = mode
        session.flush()
        assert answer(client, reader, badge.uid)["reason"] == "ok"
    assert calls == []
    room[1].anti_passback = "deny"
    session.flush()
    body = answer(client, reader, badge.uid)
    assert (body["decision"], body["reason"]) == ("deny", "antipassback")
    assert [(c["person_id"], c["zone_id"], c["direction"], c["at"]) for c in calls] == [
        (person.id, room[1].id, direction, TUESDAY_10)
    ]


def test_another_door_is_forbidden(
    client: TestClient, session: Session, room: tuple[Zone, Zone], reader: TestReader
) -> None:
    other = make_reader_into(session, room[1], outer=room[0])
    before = ledger.size(session)
    response = ask(client, reader, "ANY", door=other.door.code)
    assert response.status_code == 403
    assert ask(client, reader, "ANY", door=reader.door.code).status_code == 200
    assert ledger.size(session) == before + 1


def test_unsigned_or_badly_signed_asks_are_refused(
    client: TestClient, session: Session, reader: TestReader
) -> None:
    before = ledger.size(session)
    assert client.post(DECIDE, json={"badge_uid": "X"}).status_code == 401
    forged = post_signed(
        client, DECIDE, {"badge_uid": "X"}, key=Ed25519PrivateKey.generate(), key_id=reader.code
    )
    assert forged.status_code == 401
    assert ledger.size(session) == before


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"badge_uid": ""},
        {"badge_uid": "bad uid"},
        {"badge_uid": "X", "at": "2026-11-24T10:00:00"},
        {"badge_uid": "X", "at": 1700000000},
        {"badge_uid": "X", "extra": 1},
        b"not json",
    ],
)
def test_malformed_asks_are_422(
    client: TestClient, reader: TestReader, payload: dict[str, Any] | bytes
) -> None:
    response = reader.post(client, DECIDE, payload)
    assert response.status_code == 422, response.text
    assert response.json()["code"]
