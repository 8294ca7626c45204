"""Anti-passback in "deny" zones through the decision endpoint, from presence and its lag."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.config import Settings
from app.ledger import service as ledger
from app.presence import projector
from app.topology.models import Badge, Person, Zone
from tests.access.factories import ask, grant, make_reader_into, make_room
from tests.physical.factories import TestReader, make_badge, make_person, make_reader

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
BATCH = "/api/v1/ingest/batch"
_seq = itertools.count(1)


class Room:
    """street > corridor > room (anti-passback `mode`); readers in and out at both doors."""

    def __init__(self, session: Session, mode: str = "deny") -> None:
        self.corridor, self.room = make_room(session)
        self.street = Zone(
            site_id=self.corridor.site_id,
            code=f"apb-street-{next(_seq)}",
            name="Street",
            kind="outside",
        )
        session.add(self.street)
        self.room.anti_passback = mode
        session.flush()
        room_in = make_reader_into(session, self.room, outer=self.corridor)
        corridor_in = make_reader_into(session, self.corridor, outer=self.street)
        self.readers = {
            "room-in": room_in,
            "room-out": make_reader(session, door=room_in.door, direction="out"),
            "corridor-in": corridor_in,
            "corridor-out": make_reader(session, door=corridor_in.door, direction="out"),
        }


@pytest.fixture
def site(session: Session) -> Room:
    """A corridor and a deny-mode room inside it."""
    return Room(session)


@pytest.fixture
def staff(session: Session, site: Room) -> tuple[Person, Badge]:
    """A person with rights on the corridor and the room."""
    person = make_person(session)
    badge = make_badge(session, person=person)
    grant(session, site.room, person=person)
    grant(session, site.corridor, person=person)
    return person, badge


def _post(client: TestClient, reader: TestReader, *events: dict[str, Any]) -> None:
    numbered = [{**event, "seq": next(_seq)} for event in events]
    response = reader.post(client, BATCH, {"events": numbered})
    assert response.status_code == 200, response.text


def through(
    client: TestClient, site: Room, way: str, badge: Badge, moment: datetime, opens: bool = True
) -> None:
    """Badge at a reader ("room-in", ...); the door opens 2 s later unless `opens` is false.

    The door's "in" reader reports the door's states.
    """
    swipe = {"kind": "swipe", "occurred_at": moment.isoformat(), "badge_uid": badge.uid}
    _post(client, site.readers[way], {**swipe, "result": "granted", "reason": None})
    if opens:
        controller = site.readers[way.replace("-out", "-in")]
        opened = (moment + timedelta(seconds=2)).isoformat()
        closed = (moment + timedelta(seconds=7)).isoformat()
        _post(
            client,
            controller,
            {"kind": "door", "occurred_at": opened, "state": "opened"},
            {"kind": "door", "occurred_at": closed, "state": "closed"},
        )


def project(session: Session, settings: Settings) -> None:
    """Run the projector until it has caught up."""
    while projector.run_once(session, settings=settings, now=T0 + timedelta(days=2)):
        pass


def decide(client: TestClient, site: Room, way: str, badge: Badge, at: datetime) -> dict[str, Any]:
    """The reader's decision on the badge at `at`."""
    response = ask(client, site.readers[way], badge.uid, at)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def last_fact(session: Session) -> dict[str, Any]:
    """The body of the newest ledger entry."""
    fact = ledger.decode(ledger.get(session, ledger.size(session) - 1))
    assert fact is not None and fact["type"] == "access.decision"
    body: dict[str, Any] = fact["body"]
    return body


def reasons(client: TestClient, site: Room, badge: Badge, at: datetime) -> tuple[str, str]:
    """The reasons given at the room's in and out readers at `at`."""
    return (
        decide(client, site, "room-in", badge, at)["reason"],
        decide(client, site, "room-out", badge, at)["reason"],
    )


def test_entering_again_is_denied_and_recorded(
    client: TestClient,
    session: Session,
    settings: Settings,
    site: Room,
    staff: tuple[Person, Badge],
) -> None:
    _, badge = staff
    through(client, site, "room-in", badge, T0)
    project(session, settings)
    body = decide(client, site, "room-in", badge, T0 + timedelta(minutes=5))
    assert (body["decision"], body["reason"]) == ("deny", "antipassback")
    assert last_fact(session)["reason"] == "antipassback"
    assert last_fact(session)["anti_passback"] == {
        "inside": True,
        "since": "2026-11-23T08:00:02.000000Z",
        "source": "presence",
    }
    assert decide(client, site, "room-out", badge, T0 + timedelta(minutes=5))["reason"] == "ok"
    # Before the entry the person was out: a question about that moment is answered so.
    assert reasons(client, site, badge, T0 - timedelta(minutes=1)) == ("ok", "antipassback")


def test_leaving_a_zone_never_entered_is_denied(
    client: TestClient,
    session: Session,
    settings: Settings,
    site: Room,
    staff: tuple[Person, Badge],
) -> None:
    _, badge = staff
    project(session, settings)
    assert reasons(client, site, badge, T0) == ("ok", "antipassback")
    assert last_fact(session)["anti_passback"] == {"inside": False, "since": None, "source": "none"}
    through(client, site, "room-in", badge, T0)
    through(client, site, "room-out", badge, T0 + timedelta(hours=8))
    project(session, settings)
    later = T0 + timedelta(hours=9)
    assert reasons(client, site, badge, later) == ("ok", "antipassback")
    assert last_fact(session)["anti_passback"]["since"] == "2026-11-23T16:00:02.000000Z"


def test_a_passage_the_projector_has_not_read_yet_counts(
    client: TestClient,
    session: Session,
    settings: Settings,
    site: Room,
    staff: tuple[Person, Badge],
) -> None:
    _, badge = staff
    project(session, settings)
    through(client, site, "room-in", badge, T0)  # posted; the projector lags behind
    soon = T0 + timedelta(seconds=10)
    assert reasons(client, site, badge, soon) == ("antipassback", "ok")
    assert last_fact(session)["anti_passback"] == {
        "inside": True,
        "since": "2026-11-23T08:00:02.000000Z",
        "source": "events",
    }
    project(session, settings)
    through(client, site, "room-out", badge, T0 + timedelta(hours=1))  # projected: in; pending: out
    later = T0 + timedelta(hours=1, seconds=10)
    assert reasons(client, site, badge, later) == ("ok", "antipassback")
    assert last_fact(session)["anti_passback"]["source"] == "events"
    project(session, settings)
    assert reasons(client, site, badge, later) == ("ok", "antipassback")
    assert last_fact(session)["anti_passback"]["source"] == "presence"


def test_a_grant_whose_door_never_opened_is_no_passage(
    client: TestClient,
    session: Session,
    settings: Settings,
    site: Room,
    staff: tuple[Person, Badge],
) -> None:
    _, badge = staff
    through(client, site, "room-in", badge, T0, opens=False)
    assert reasons(client, site, badge, T0 + timedelta(seconds=30)) == ("ok", "antipassback")
    project(session, settings)  # the projector records it unused: same answer
    assert reasons(client, site, badge, T0 + timedelta(seconds=30)) == ("ok", "antipassback")


def test_an_exit_never_badged_holds_for_a_while_then_tells_nothing(
    client: TestClient,
    session: Session,
    settings: Settings,
    site: Room,
    staff: tuple[Person, Badge],
) -> None:
    _, badge = staff
    through(client, site, "room-in", badge, T0)
    project(session, settings)
    limit = timedelta(seconds=settings.anti_passback_open_stay_s)
    assert reasons(client, site, badge, T0 + limit) == ("antipassback", "ok")
    assert reasons(client, site, badge, T0 + limit + timedelta(seconds=3)) == ("ok", "ok")
    assert last_fact(session)["anti_passback"] == {
        "inside": None,
        "since": "2026-11-23T08:00:02.000000Z",
        "source": "presence",
    }


def test_leaving_the_zone_around_it_ends_the_stay(
    client: TestClient,
    session: Session,
    settings: Settings,
    site: Room,
    staff: tuple[Person, Badge],
) -> None:
    _, badge = staff
    through(client, site, "corridor-in", badge, T0 - timedelta(minutes=1))
    through(client, site, "room-in", badge, T0)
    through(client, site, "corridor-out", badge, T0 + timedelta(hours=2))  # out, unbadged
    project(session, settings)
    # Leaving the corridor bounds the room stay: uncertain, but over by then.
    assert reasons(client, site, badge, T0 + timedelta(hours=1)) == ("antipassback", "ok")
    assert reasons(client, site, badge, T0 + timedelta(hours=3)) == ("ok", "antipassback")


def test_alert_only_zones_never_deny(
    client: TestClient, session: Session, settings: Settings
) -> None:
    site = Room(session, mode="alert")
    person = make_person(session)
    badge = make_badge(session, person=person)
    grant(session, site.room, person=person)
    through(client, site, "room-in", badge, T0)
    project(session, settings)
    assert reasons(client, site, badge, T0 + timedelta(minutes=5)) == ("ok", "ok")
    assert "anti_passback" not in last_fact(session)
