"""Small builders of the rows that ingest needs (site, zones, door, reader, badges) and of
stored events."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.principal import Principal, Role
from app.ledger import service as ledger
from app.ledger.service import NewFact
from app.physical.devices import DevicePost, find_reader
from app.physical.models import PhysicalEvent
from app.topology.models import Badge, Door, Person, Reader, Site, Zone
from tests.physical.signing import post_signed

_numbers = itertools.count(1)


def _code(prefix: str) -> str:
    return f"{prefix}-{next(_numbers)}"


def make_zone(session: Session, *, site: Site | None = None, kind: str = "room") -> Zone:
    """A zone (in a new site unless one is given)."""
    if site is None:
        site = Site(code=_code("site"), name="Test site")
        session.add(site)
        session.flush()
    zone = Zone(site_id=site.id, code=_code("zone"), name="Test zone", kind=kind)
    session.add(zone)
    session.flush()
    return zone


def make_door(session: Session) -> Door:
    """A door from a corridor into a room of a new site."""
    outside = make_zone(session, kind="area")
    room = make_zone(session, site=session.get(Site, outside.site_id))
    door = Door(
        code=_code("door"),
        name="Test door",
        kind="door",
        from_zone_id=outside.id,
        to_zone_id=room.id,
    )
    session.add(door)
    session.flush()
    return door


@dataclass
class TestReader:
    """A reader row and the private key only the device holds."""

    __test__ = False
    row: Reader
    door: Door
    key: Ed25519PrivateKey

    @property
    def code(self) -> str:
        """The reader's code, its signature keyid."""
        return self.row.code

    def post(self, client: TestClient, path: str, payload: object, **options: object) -> Response:
        """POST a payload signed by this reader."""
        return post_signed(client, path, payload, key=self.key, key_id=self.code, **options)


def make_reader(
    session: Session, *, door: Door | None = None, direction: str = "in", enabled: bool = True
) -> TestReader:
    """A reader with a fresh Ed25519 key pair, at a new door unless one is given."""
    door = door or make_door(session)
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    reader = Reader(
        code=_code("reader"),
        door_id=door.id,
        direction=direction,
        public_key=public,
        enabled=enabled,
    )
    session.add(reader)
    session.flush()
    return TestReader(row=reader, door=door, key=key)


def post_for(session: Session, code: str, body: bytes, *, lock: bool = False) -> DevicePost:
    """A verified post of this reader now, as the signature check hands it to ingest."""
    reader = find_reader(session, code=code, lock=lock)
    assert reader is not None
    now = datetime.now(UTC)
    return DevicePost(
        reader=reader,
        principal=Principal(kind="device", subject=code, role=Role.device),
        body=body,
        received_at=now,
        created=now,
        reader_locked=lock,
    )


def make_person(session: Session) -> Person:
    """A staff member."""
    person = Person(code=_code("person"), full_name="Test Person")
    session.add(person)
    session.flush()
    return person


def make_badge(
    session: Session,
    *,
    person: Person | None = None,
    status: str = "active",
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
) -> Badge:
    """A badge, held by a new person unless one is given."""
    person = person or make_person(session)
    badge = Badge(
        uid=_code("UID").replace("-", ":"),
        person_id=person.id,
        status=status,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    session.add(badge)
    session.flush()
    return badge


def swipe(
    seq: int, badge_uid: str = "UID:0", *, at: datetime | None = None, **fields: object
) -> dict[str, object]:
    """A swipe event as a reader sends it."""
    return {
        "kind": "swipe",
        "seq": seq,
        "occurred_at": _stamp(at),
        "badge_uid": badge_uid,
        "result": "granted",
        "reason": None,
        **fields,
    }


def door_event(
    seq: int, state: str = "opened", *, at: datetime | None = None, **fields: object
) -> dict[str, object]:
    """A door state change as a reader sends it."""
    return {"kind": "door", "seq": seq, "occurred_at": _stamp(at), "state": state, **fields}


def heartbeat(seq: int, *, at: datetime | None = None, **fields: object) -> dict[str, object]:
    """A heartbeat as a reader sends it."""
    return {
        "kind": "heartbeat",
        "seq": seq,
        "occurred_at": _stamp(at),
        "status": "ok",
        "firmware": "1.2.3",
        "queue_depth": 0,
        **fields,
    }


def _stamp(at: datetime | None) -> str:
    return (at or datetime.now(UTC)).isoformat()


def stored_swipe(session: Session, door: Door, badge: Badge | None = None) -> PhysicalEvent:
    """A granted swipe at the door's first reader, stored as ingest stores it (fact and row)."""
    reader = session.scalars(select(Reader).where(Reader.door_id == door.id).limit(1)).one()
    now = datetime.now(UTC)
    actor = {"kind": "device", "subject": reader.code, "role": "device"}
    fact = ledger.append(
        session, NewFact(type="badge.swipe", actor=actor, body={"door": door.code})
    )
    row = PhysicalEvent(
        ledger_index=fact.index,
        reader_id=reader.id,
        door_id=door.id,
        zone_id=door.to_zone_id,
        from_zone_id=door.from_zone_id,
        to_zone_id=door.to_zone_id,
        kind="swipe",
        seq=next(_numbers),
        occurred_at=now,
        received_at=now,
        skew_ms=0,
        clock_skew=False,
        content_hash=bytes(32),
        badge_uid=badge.uid if badge else "UID:UNKNOWN",
        badge_id=badge.id if badge else None,
        person_id=badge.person_id if badge else None,
        result="granted",
        badge_status="valid" if badge else "unknown",
    )
    session.add(row)
    session.flush()
    return row
