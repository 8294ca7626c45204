"""Issue 5's scenarios played by badge_readers' own reader clients over HTTP, end to end.

Each reader of the test site is a `badge_readers.client.ReaderClient` (the simulator's
firmware-grade client: durable queue, signed batches) posting to the app's ingest route;
the projector then runs, and each scenario states exactly the passages, presence and
alerts that must come out, nothing more.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.alerts.models import Alert
from app.config import Settings
from app.presence.models import Passage, PresenceInterval
from app.topology.models import Badge
from badge_readers.client import ReaderClient
from badge_readers.events import DoorEvent, Event, Heartbeat, Swipe
from tests.presence.factories import TestSite, at, holder, project_all

S = timedelta(seconds=1)


class Readers:
    """The site's readers as badge_readers clients; events recorded, then flushed."""

    def __init__(self, session: Session, client: TestClient, site: TestSite, queues: Path):
        self.site = site
        self.clients: dict[str, ReaderClient] = {}
        self.pending: dict[str, list[Event]] = {}
        for role, reader in site.readers.items():
            key = Ed25519PrivateKey.generate()
            reader.public_key = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
            self.clients[role] = ReaderClient(
                "http://testserver", reader.code, key, queues / f"{role}.sqlite", http=client
            )
            self.pending[role] = []
        session.flush()

    def swipe(self, role: str, badge: Badge, moment: datetime, result: str = "granted") -> None:
        """A badge presented at a reader."""
        reason = None if result == "granted" else "revoked"
        self.pending[role].append(Swipe(moment, badge.uid, result, reason))  # type: ignore[arg-type]

    def door(self, role: str, state: str, moment: datetime) -> None:
        """A door state, reported by the door's "in" reader (its controller)."""
        self.pending[role].append(DoorEvent(moment, state))  # type: ignore[arg-type]

    def through(self, door: str, way: str, badge: Badge, moment: datetime) -> None:
        """Badge; the door opens 2 s later and closes 6 s after that."""
        self.swipe(f"{door}-{way}", badge, moment)
        self.door(f"{door}-in", "opened", moment + 2 * S)
        self.door(f"{door}-in", "closed", moment + 8 * S)

    def walk_in(self, badge: Badge, moment: datetime) -> None:
        """Entrance, then the airlock's outer and inner doors, 30 s apart."""
        for n, door in enumerate(("main", "outer", "inner")):
            self.through(door, "in", badge, moment + 30 * n * S)

    def walk_out(self, badge: Badge, moment: datetime) -> None:
        """Airlock inner and outer doors, then the entrance."""
        for n, door in enumerate(("inner", "outer", "main")):
            self.through(door, "out", badge, moment + 30 * n * S)

    def alive(self, moment: datetime) -> None:
        """A heartbeat of every reader: their buffers are complete up to `moment`."""
        for role in self.clients:
            self.pending[role].append(Heartbeat(moment))

    def flush(self, *roles: str) -> None:
        """Record each reader's events in device order and send them (all readers by default)."""
        for role in roles or tuple(self.clients):
            events = sorted(self.pending[role], key=lambda e: e.occurred_at)
            self.pending[role] = []
            self.clients[role].record_many(events)
            report = self.clients[role].flush(retry_budget_s=0)
            assert (report.dead_lettered, report.remaining) == (0, 0)


def read_models(session: Session, site: TestSite) -> dict[str, list[tuple[Any, ...]]]:
    """Passages, stays and alerts, named by the site's roles and the people's codes."""
    doors = {door.id: name for name, door in site.doors.items()}
    zones = {zone.id: name for name, zone in site.zones.items()}
    readers = {reader.id: role for role, reader in site.readers.items()}
    return {
        "passages": sorted(
            (doors[p.door_id], p.badge_uid, p.passed_at or p.swiped_at, p.status)
            for p in session.scalars(select(Passage))
        ),
        "stays": sorted(
            (zones[i.zone_id], i.person_id, i.start_at, i.end_at, i.bound_at, i.uncertain)
            for i in session.scalars(select(PresenceInterval))
        ),
        "alerts": sorted(
            (
                a.kind,
                a.severity,
                a.count,
                doors.get(a.door_id or 0),
                readers.get(a.reader_id or 0),
                a.first_at,
            )
            for a in session.scalars(select(Alert))
        ),
    }


def test_a_normal_shift(
    session: Session, settings: Settings, client: TestClient, site: TestSite, tmp_path: Path
) -> None:
    person, badge = holder(session)
    readers = Readers(session, client, site, tmp_path)
    readers.walk_in(badge, at(7))
    readers.through("rack", "in", badge, at(9))
    readers.walk_out(badge, at(15))
    readers.alive(at(25, 3000))
    readers.flush()
    project_all(session, settings)
    assert read_models(session, site) == shift(person.id, badge, at(7), at(15))


def shift(person: int, badge: Badge, start: datetime, end: datetime) -> dict[str, list[Any]]:
    """What a walk in at `start`, the rack at 9:00 and a walk out at `end` come to."""
    uid, rack = badge.uid, at(9, 2)
    walk_in = [start + 2 * S, start + 32 * S, start + 62 * S]
    walk_out = [end + 2 * S, end + 32 * S, end + 62 * S]
    return {
        "passages": sorted(
            [
                *(
                    (door, uid, t, "passed")
                    for door, t in zip(("main", "outer", "inner"), walk_in, strict=True)
                ),
                ("rack", uid, rack, "passed"),
                *(
                    (door, uid, t, "passed")
                    for door, t in zip(("inner", "outer", "main"), walk_out, strict=True)
                ),
            ]
        ),
        "stays": sorted(
            [
                ("building", person, walk_in[0], walk_out[2], None, False),
                ("sas", person, walk_in[1], walk_in[2], None, False),
                ("hall", person, walk_in[2], walk_out[0], None, False),
                # No exit reader at the rack: leaving the hall bounds the rack stay.
                ("rack", person, rack, None, walk_out[0], True),
                ("sas", person, walk_out[0], walk_out[1], None, False),
            ]
        ),
        "alerts": [],
    }


def test_a_tailgate_in_the_airlock(
    session: Session, settings: Settings, client: TestClient, site: TestSite, tmp_path: Path
) -> None:
    person, badge = holder(session)
    readers = Readers(session, client, site, tmp_path)
    readers.through("outer", "in", badge, at(10))
    readers.door("outer-in", "opened", at(10, 12))  # someone else, on no badge
    readers.door("outer-in", "closed", at(10, 16))
    readers.through("inner", "in", badge, at(10, 30))
    readers.alive(at(25, 3000))
    readers.flush()
    project_all(session, settings)
    assert read_models(session, site) == {
        "passages": [
            ("inner", badge.uid, at(10, 32), "passed"),
            ("outer", badge.uid, at(10, 2), "passed"),
        ],
        "stays": [
            ("hall", person.id, at(10, 32), None, None, False),
            ("sas", person.id, at(10, 2), at(10, 32), None, False),
        ],
        "alerts": [("airlock_tailgating", "critical", 1, None, None, at(10, 2))],
    }


def test_a_forced_door_at_night(
    session: Session, settings: Settings, client: TestClient, site: TestSite, tmp_path: Path
) -> None:
    readers = Readers(session, client, site, tmp_path)
    readers.door("main-in", "forced", at(2))
    readers.door("main-in", "closed", at(2, 40))
    readers.flush()
    project_all(session, settings)
    assert read_models(session, site) == {
        "passages": [],
        "stays": [],
        "alerts": [("door_forced", "critical", 1, "main", "main-in", at(2))],
    }


def test_a_held_open_rack_door(
    session: Session, settings: Settings, client: TestClient, site: TestSite, tmp_path: Path
) -> None:
    person, badge = holder(session)
    readers = Readers(session, client, site, tmp_path)
    readers.swipe("rack-in", badge, at(14))
    readers.door("rack-in", "opened", at(14, 2))
    readers.door("rack-in", "held_open", at(14, 62))
    readers.door("rack-in", "closed", at(14, 300))
    readers.flush()
    project_all(session, settings)
    assert read_models(session, site) == {
        "passages": [("rack", badge.uid, at(14, 2), "passed")],
        "stays": [("rack", person.id, at(14, 2), None, None, False)],
        # The reader's report and the late closing are one occurrence of one opening.
        "alerts": [("door_held_open", "warning", 1, "rack", None, at(14, 2))],
    }


def test_a_badge_used_after_revocation(
    session: Session, settings: Settings, client: TestClient, site: TestSite, tmp_path: Path
) -> None:
    person, badge = holder(session, status="revoked")
    readers = Readers(session, client, site, tmp_path)
    readers.swipe("main-in", badge, at(9), result="denied")
    readers.through("main", "in", badge, at(9, 20))  # a reader with a stale list lets it in
    readers.flush()
    project_all(session, settings)
    assert read_models(session, site) == {
        "passages": [("main", badge.uid, at(9, 22), "passed")],
        "stays": [("building", person.id, at(9, 22), None, None, False)],
        "alerts": [("revoked_badge", "warning", 2, "main", "main-in", at(9))],
    }


def test_a_reader_that_goes_silent(
    session: Session, settings: Settings, client: TestClient, site: TestSite, tmp_path: Path
) -> None:
    readers = Readers(session, client, site, tmp_path)
    for minute in range(0, 30, 5):
        readers.pending["main-in"].append(Heartbeat(at(6, minute * 60)))
        readers.pending["main-out"].append(Heartbeat(at(6, minute * 60)))
    readers.pending["main-out"].append(Heartbeat(at(25, 50 * 60)))
    readers.flush("main-in", "main-out")
    project_all(session, settings)
    silent_since = at(6, 25 * 60) + timedelta(seconds=settings.reader_offline_s)
    expected = {
        "passages": [],
        "stays": [],
        "alerts": [("reader_offline", "critical", 1, "main", "main-in", silent_since)],
    }
    assert read_models(session, site) == expected
    project_all(session, settings)  # still silent: the same silence, not a new alert
    assert read_models(session, site) == expected


def test_a_replay_after_an_outage(
    session: Session, settings: Settings, client: TestClient, site: TestSite, tmp_path: Path
) -> None:
    first, first_badge = holder(session)
    second, second_badge = holder(session)
    readers = Readers(session, client, site, tmp_path)
    readers.alive(at(6))
    readers.flush()  # every reader is heard at 6:00
    readers.walk_in(first_badge, at(7))
    readers.walk_in(second_badge, at(8))
    for badge in (first_badge, second_badge):
        readers.through("rack", "in", badge, at(9))
    readers.walk_out(first_badge, at(15))
    readers.walk_out(second_badge, at(16))
    readers.alive(at(25, 3000))
    # Then the airlock's inner door readers lose the network for the day: the others
    # deliver, the projector runs on what it has, then the inner door's buffers arrive.
    readers.flush("main-in", "main-out", "outer-in", "outer-out", "rack-in")
    project_all(session, settings)
    one, two = (
        shift(first.id, first_badge, at(7), at(15)),
        shift(second.id, second_badge, at(8), at(16)),
    )
    in_order = {name: sorted(one[name] + two[name]) for name in ("passages", "stays")}
    assert read_models(session, site)["passages"] != in_order["passages"]
    readers.flush("inner-in", "inner-out")
    project_all(session, settings)
    # The same passages and stays as if nothing had been late. The outage's own alerts
    # stay: those readers were silent (reader_offline is about arrival itself).
    silent = at(6) + timedelta(seconds=settings.reader_offline_s)
    assert read_models(session, site) == {
        **in_order,
        "alerts": [
            ("reader_offline", "critical", 1, "inner", "inner-in", silent),
            ("reader_offline", "critical", 1, "inner", "inner-out", silent),
        ],
    }
