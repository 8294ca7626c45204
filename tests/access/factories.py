"""Builders for access tests: a site's door and reader, groups, rights, signed asks."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.orm import Session

from app.topology.models import AccessRight, Door, GroupMember, Person, PersonGroup, Site, Zone
from tests.physical.factories import TestReader, make_reader
from tests.physical.signing import signed_headers

DECIDE = "/api/v1/access/decide"
SNAPSHOT = "/api/v1/access/snapshot"
_numbers = itertools.count(1)


def make_room(session: Session, *, timezone: str = "Europe/Paris") -> tuple[Zone, Zone]:
    """A corridor and a room inside it, in a new site of that timezone."""
    n = next(_numbers)
    site = Site(code=f"acc-site-{n}", name="Access site", timezone=timezone)
    session.add(site)
    session.flush()
    corridor = Zone(site_id=site.id, code=f"acc-corr-{n}", name="Corridor", kind="area")
    session.add(corridor)
    session.flush()
    room = Zone(
        site_id=site.id, parent_id=corridor.id, code=f"acc-room-{n}", name="Room", kind="room"
    )
    session.add(room)
    session.flush()
    return corridor, room


def make_reader_into(
    session: Session, room: Zone, *, outer: Zone, direction: str = "in"
) -> TestReader:
    """A reader at a new door from `outer` into `room`."""
    door = Door(
        code=f"acc-door-{next(_numbers)}",
        name="Door",
        kind="door",
        from_zone_id=outer.id,
        to_zone_id=room.id,
    )
    session.add(door)
    session.flush()
    return make_reader(session, door=door, direction=direction)


def make_group(session: Session, *members: Person) -> PersonGroup:
    """A group with these members."""
    group = PersonGroup(code=f"acc-group-{next(_numbers)}", name="Group")
    session.add(group)
    session.flush()
    session.add_all(GroupMember(group_id=group.id, person_id=p.id) for p in members)
    session.flush()
    return group


def grant(
    session: Session,
    zone: Zone,
    *,
    person: Person | None = None,
    group: PersonGroup | None = None,
    schedule: list[dict[str, Any]] | None = None,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    escort: bool = False,
) -> AccessRight:
    """A right of a person or a group on a zone."""
    right = AccessRight(
        person_id=person.id if person else None,
        group_id=group.id if group else None,
        zone_id=zone.id,
        schedule=schedule or [],
        valid_from=valid_from,
        valid_until=valid_until,
        escort_required=escort,
    )
    session.add(right)
    session.flush()
    return right


def ask(
    client: TestClient, reader: TestReader, badge_uid: str, at: datetime | None = None, **extra: Any
) -> Response:
    """The reader asks for a decision on a badge."""
    payload: dict[str, Any] = {"badge_uid": badge_uid, **extra}
    if at is not None:
        payload["at"] = at.isoformat()
    return reader.post(client, DECIDE, payload)


def fetch_snapshot(client: TestClient, reader: TestReader, query: str = "") -> Response:
    """GET the reader's snapshot, signed over the empty body."""
    headers = signed_headers(
        key=reader.key, key_id=reader.code, path=SNAPSHOT, body=b"", method="GET"
    )
    response: Response = client.get(SNAPSHOT + query, headers=headers)
    return response
