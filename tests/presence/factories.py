"""A small site (entrance, airlock, hall, rack) and a way to post its readers' events."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.alerts.models import Alert
from app.auth.principal import Principal, Role
from app.config import Settings
from app.physical import ingest
from app.physical.devices import DevicePost, find_reader
from app.physical.schemas import EVENT
from app.presence import projector
from app.presence.models import AirlockCycle, Passage, PresenceInterval
from app.topology.models import Airlock, Badge, Door, Person, Reader, Site, Zone

DAY = datetime(2026, 11, 23, tzinfo=UTC)
NIGHT = DAY + timedelta(hours=26)  # the next night, when the projector looks at the day
_serial = itertools.count(1)


def at(hour: float, seconds: float = 0) -> datetime:
    """A moment of the test day, UTC."""
    return DAY + timedelta(hours=hour, seconds=seconds)


@dataclass
class TestSite:
    """Zones, doors, readers (by role) and the airlock of the test site."""

    __test__ = False
    zones: dict[str, Zone]
    doors: dict[str, Door]
    readers: dict[str, Reader]
    airlock: Airlock


def _code(prefix: str) -> str:
    return f"{prefix}-{next(_serial)}"


def build_site(session: Session, *, anti_passback: str = "off") -> TestSite:
    """outside > building > (airlock, hall > rack); readers in and out except at the rack."""
    site = Site(code=_code("site"), name="Site")
    session.add(site)
    session.flush()
    zones: dict[str, Zone] = {}
    for name, kind, parent in (
        ("outside", "outside", None),
        ("building", "building", None),
        ("sas", "airlock", "building"),
        ("hall", "room", "building"),
        ("rack", "rack", "hall"),
    ):
        zones[name] = Zone(
            site_id=site.id,
            code=_code(name),
            name=name,
            kind=kind,
            parent_id=zones[parent].id if parent else None,
            anti_passback=anti_passback if name == "hall" else "off",
        )
        session.add(zones[name])
        session.flush()
    doors: dict[str, Door] = {}
    for name, kind, start, end in (
        ("main", "door", "outside", "building"),
        ("outer", "airlock_outer", "building", "sas"),
        ("inner", "airlock_inner", "sas", "hall"),
        ("rack", "rack_door", "hall", "rack"),
    ):
        doors[name] = Door(
            code=_code(name),
            name=name,
            kind=kind,
            from_zone_id=zones[start].id,
            to_zone_id=zones[end].id,
        )
        session.add(doors[name])
    session.flush()
    readers: dict[str, Reader] = {}
    for door in doors:
        for direction in ("in", "out") if door != "rack" else ("in",):
            reader = Reader(
                code=_code(f"{door}-{direction}"),
                door_id=doors[door].id,
                direction=direction,
                public_key=bytes(32),
            )
            readers[f"{door}-{direction}"] = reader
            session.add(reader)
    airlock = Airlock(
        code=_code("sas"),
        zone_id=zones["sas"].id,
        outer_door_id=doors["outer"].id,
        inner_door_id=doors["inner"].id,
        max_cycle_s=120,
    )
    session.add(airlock)
    session.flush()
    return TestSite(zones=zones, doors=doors, readers=readers, airlock=airlock)


def holder(session: Session, *, status: str = "active") -> tuple[Person, Badge]:
    """A person and their badge."""
    person = Person(code=_code("person"), full_name="Staff")
    session.add(person)
    session.flush()
    badge = Badge(uid=_code("UID"), person_id=person.id, status=status)
    session.add(badge)
    session.flush()
    return person, badge


def post(
    session: Session,
    settings: Settings,
    site: TestSite,
    reader: str,
    events: list[dict[str, Any]],
    *,
    skew_s: float = 0,
) -> None:
    """Store events as the reader `reader` (e.g. "main-in") posting them in one batch."""
    identity = find_reader(session, code=site.readers[reader].code)
    assert identity is not None
    now = datetime.now(UTC)
    device = Principal(kind="device", subject=identity.code, role=Role.device)
    request = DevicePost(
        reader=identity,
        principal=device,
        body=b"",
        received_at=now,
        created=now - timedelta(seconds=skew_s),
    )
    parsed = [EVENT.validate_json(orjson.dumps(event)) for event in events]
    ingest.store_batch(session, post=request, events=parsed, settings=settings)


class Script:
    """Readers' events written as a day's story, numbered per reader, posted in any order."""

    def __init__(self, site: TestSite) -> None:
        self.site = site
        self.written: list[tuple[str, dict[str, Any]]] = []

    def _add(self, reader: str, event: dict[str, Any]) -> None:
        self.written.append((reader, event))

    @property
    def events(self) -> list[tuple[str, dict[str, Any]]]:
        """Every event in time order, numbered per reader as its device would."""
        seqs: dict[str, int] = {}
        out = []
        for reader, event in sorted(self.written, key=lambda item: item[1]["occurred_at"]):
            seqs[reader] = seqs.get(reader, 0) + 1
            out.append((reader, {**event, "seq": seqs[reader]}))
        return out

    def swipe(self, reader: str, badge: Badge, moment: datetime, result: str = "granted") -> None:
        """A badge presented at a reader."""
        self._add(
            reader,
            {
                "kind": "swipe",
                "occurred_at": moment.isoformat(),
                "badge_uid": badge.uid,
                "result": result,
                "reason": None,
            },
        )

    def door(self, reader: str, state: str, moment: datetime) -> None:
        """A door state reported by a reader."""
        self._add(reader, {"kind": "door", "occurred_at": moment.isoformat(), "state": state})

    def heartbeat(self, reader: str, moment: datetime) -> None:
        """A reader's sign of life."""
        self._add(reader, {"kind": "heartbeat", "occurred_at": moment.isoformat(), "status": "ok"})

    def readers_alive(self, moment: datetime) -> None:
        """A heartbeat of every reader: their buffers are complete up to `moment`."""
        for reader in self.site.readers:
            self.heartbeat(reader, moment)

    def through(self, door: str, direction: str, badge: Badge, moment: datetime) -> None:
        """Badge, the door opens 2 s later and closes 6 s after that.

        The door's "in" reader is its controller: it reports the door's states, as in the
        badge_readers simulator.
        """
        self.swipe(f"{door}-{direction}", badge, moment)
        self.door(f"{door}-in", "opened", moment + timedelta(seconds=2))
        self.door(f"{door}-in", "closed", moment + timedelta(seconds=8))

    def walk_in(self, badge: Badge, moment: datetime) -> None:
        """Entrance, then the airlock's outer and inner doors."""
        for offset, door in enumerate(("main", "outer", "inner")):
            self.through(door, "in", badge, moment + timedelta(seconds=30 * offset))

    def walk_out(self, badge: Badge, moment: datetime) -> None:
        """Airlock inner and outer doors, then the entrance."""
        for offset, door in enumerate(("inner", "outer", "main")):
            self.through(door, "out", badge, moment + timedelta(seconds=30 * offset))

    def replay_order(self, seed: int) -> list[int]:
        """The readers' events interleaved at random, each reader's own kept in seq order.

        That is how buffers replayed after an outage arrive: a reader sends its queue in
        order, but readers come back whenever they do.
        """
        queues: dict[str, list[int]] = {}
        for number, (reader, _) in enumerate(self.events):
            queues.setdefault(reader, []).append(number)
        rng = random.Random(seed)
        order = []
        while queues:
            reader = rng.choice(sorted(queues))
            order.append(queues[reader].pop(0))
            if not queues[reader]:
                del queues[reader]
        return order

    def post_all(
        self,
        session: Session,
        settings: Settings,
        order: list[int] | None = None,
        batch: int = 5,
        then: Callable[[], None] | None = None,
    ) -> None:
        """Post every event, per reader in batches of `batch`, in `order` (default: as written)."""
        events = self.events
        picked = [events[i] for i in (order or range(len(events)))]
        for start in range(0, len(picked), batch):
            chunk = picked[start : start + batch]
            for reader in dict.fromkeys(r for r, _ in chunk):
                post(session, settings, self.site, reader, [e for r, e in chunk if r == reader])
            if then is not None:
                then()


def snapshot(session: Session) -> dict[str, Any]:
    """The read models and alerts, without ids that depend on arrival order."""
    return {
        "passages": sorted(
            (p.door_id, p.person_id, p.badge_uid, p.swiped_at, p.passed_at, p.status)
            for p in session.scalars(select(Passage))
        ),
        "presence": sorted(
            (
                i.person_id,
                i.zone_id,
                i.start_at,
                i.end_at or i.start_at,
                i.bound_at is None,
                i.uncertain,
            )
            for i in session.scalars(select(PresenceInterval))
        ),
        "cycles": sorted(
            (
                c.airlock_id,
                c.started_at,
                c.ended_at or c.started_at,
                c.outcome,
                c.openings,
                c.grants,
                tuple(c.person_ids),
            )
            for c in session.scalars(select(AirlockCycle))
        ),
        "alerts": sorted(
            (a.kind, a.dedup_key, a.count, a.first_at, a.last_at, a.state)
            for a in session.scalars(select(Alert))
        ),
    }


def project_all(session: Session, settings: Settings) -> None:
    """Run the projector until it has caught up, as if at NIGHT."""
    while projector.run_once(session, settings=settings, now=NIGHT):
        pass
