"""Tenant scope at the query level: a tenant auditor never receives another tenant's rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from app.auth.principal import Principal, Role
from app.auth.scope import RULES, scoped, visible_ids
from app.topology.models import (
    AccessRight,
    Airlock,
    Badge,
    Camera,
    CameraCoverage,
    Door,
    GroupMember,
    Person,
    PersonGroup,
    Reader,
    Server,
    Tenant,
    Workstation,
    Zone,
)
from tests.auth import factories as f
from tests.auth.read_models import alert, cycle, passage, stay
from tests.physical.factories import stored_swipe

R = TypeVar("R")


ALL_MODELS: list[type[Any]] = [*RULES, Workstation]


@dataclass
class Campus:
    """Two hospitals in one building: a room each, and a room they share."""

    expected: dict[type[Any], set[tuple[Any, ...]]] = field(default_factory=dict)
    a: Tenant | None = None
    b: Tenant | None = None

    def see(self, row: R) -> R:
        """Mark a row as one tenant A must see."""
        key = inspect(row).identity
        self.expected.setdefault(type(row), set()).add(key)
        return row


def add(session: Session, row: R) -> R:
    """Insert a row and return it with its id."""
    session.add(row)
    session.flush()
    return row


def campus(session: Session) -> Campus:
    """Tenant A's servers in room R1 and in the shared room R3; tenant B's in R2 and R3."""
    c = Campus(a=f.tenant(session), b=f.tenant(session))
    assert c.a is not None and c.b is not None
    c.see(c.a)
    site = c.see(f.site(session))
    f.site(session)  # another campus, where A has nothing
    building = c.see(f.zone(session, site, "building"))
    floor = c.see(f.zone(session, site, "floor", building))
    r1 = c.see(f.zone(session, site, "room", floor))
    r2 = f.zone(session, site, "room", floor)
    r3 = c.see(f.zone(session, site, "room", floor))
    k1 = c.see(f.zone(session, site, "rack", r1))
    k2 = f.zone(session, site, "rack", r2)
    k3a = c.see(f.zone(session, site, "rack", r3))
    k3b = f.zone(session, site, "rack", r3)
    outside = f.zone(session, site, "outside")
    for rack, owner in [(k1, c.a), (k2, c.b), (k3a, c.a), (k3b, c.b)]:
        server = f.server(session, rack, owner)
        if owner is c.a:
            c.see(server)

    def door(source: Zone, target: Zone, visible: bool) -> Door:
        row = add(
            session,
            Door(
                code=f.unique("door"),
                name="d",
                kind="door",
                from_zone_id=source.id,
                to_zone_id=target.id,
            ),
        )
        add(session, Reader(code=f.unique("rd"), door_id=row.id, direction="in"))
        if visible:
            c.see(row)
            c.see(session.scalars(select(Reader).where(Reader.door_id == row.id)).one())
        return row

    entrance = door(outside, building, False)  # shared by everyone: not the tenant's business
    d1 = door(floor, r1, True)
    d2 = door(floor, r2, False)
    d3 = door(floor, r3, True)
    k1_door = door(r1, k1, True)
    k3b_door = door(r3, k3b, False)  # B's rack door, in the shared room

    def airlock(inner: Door) -> Airlock:
        airlock_zone = f.zone(session, site, "airlock", floor)
        outer = door(floor, airlock_zone, False)
        return add(
            session,
            Airlock(
                code=f.unique("al"),
                zone_id=airlock_zone.id,
                outer_door_id=outer.id,
                inner_door_id=inner.id,
            ),
        )

    airlock_a = c.see(airlock(d1))
    airlock_b = airlock(d2)

    cam_a = c.see(add(session, Camera(code=f.unique("cam"), name="c", site_id=site.id)))
    cam_b = add(session, Camera(code=f.unique("cam"), name="c", site_id=site.id))
    cam_hall = add(session, Camera(code=f.unique("cam"), name="c", site_id=site.id))
    c.see(add(session, CameraCoverage(camera_id=cam_a.id, door_id=d3.id)))
    c.see(add(session, CameraCoverage(camera_id=cam_a.id, zone_id=k1.id)))
    add(session, CameraCoverage(camera_id=cam_b.id, zone_id=r2.id))
    add(session, CameraCoverage(camera_id=cam_hall.id, zone_id=building.id))
    add(session, Workstation(code=f.unique("ws"), name="w", zone_id=r1.id))

    def person(visible: bool, swiped_at: Door | None = None) -> Person:
        row = add(session, Person(code=f.unique("p"), full_name="Jane Doe"))
        badge = add(session, Badge(uid=f.unique("uid"), person_id=row.id))
        if visible:
            c.see(row)
            c.see(badge)
        if swiped_at is not None:
            event = stored_swipe(session, swiped_at, badge)
            if swiped_at in (d1, d3):
                c.see(event)
        return row

    p1, p2, p3, p4 = person(True), person(False), person(True), person(False)
    # Seen at A's door without any right there: A must be able to name them.
    person(True, swiped_at=d1)
    person(False, swiped_at=d2)
    person(False, swiped_at=entrance)
    c.see(stored_swipe(session, d3))  # an unknown badge at the shared room's door
    c.see(add(session, AccessRight(person_id=p1.id, zone_id=r1.id)))
    add(session, AccessRight(person_id=p2.id, zone_id=r2.id))
    add(session, AccessRight(person_id=p4.id, zone_id=building.id))
    group = c.see(add(session, PersonGroup(code=f.unique("g"), name="night shift")))
    other_group = add(session, PersonGroup(code=f.unique("g"), name="b team"))
    c.see(add(session, GroupMember(group_id=group.id, person_id=p3.id)))
    add(session, GroupMember(group_id=other_group.id, person_id=p2.id))
    c.see(add(session, AccessRight(group_id=group.id, zone_id=r3.id)))
    add(session, AccessRight(group_id=other_group.id, zone_id=k2.id))

    # Read models: what passed through whose doors, who stayed where, and what was found.
    for passed, visible in [(d1, True), (d3, True), (k1_door, True), (d2, False)]:
        row = passage(session, passed, p1)
        if visible:
            c.see(row)
    passage(session, k3b_door, p2)  # B's rack, in the room both share
    passage(session, entrance, p2)
    for zone, visible in [(r1, True), (r3, True), (k1, True), (k3a, True), (r2, False)]:
        row = stay(session, p1, zone)
        if visible:
            c.see(row)
    for zone in (k3b, building, floor, outside):
        stay(session, p2, zone)
    c.see(cycle(session, airlock_a, [p1.id, p2.id]))
    cycle(session, airlock_b, [p2.id])

    def reader_of(row: Door) -> int:
        return session.scalars(select(Reader.id).where(Reader.door_id == row.id)).one()

    # Every place an alert names must be A's; an alert naming no place is nobody's.
    for places, visible in [
        ({"door_id": d1.id}, True),
        ({"door_id": d1.id, "reader_id": reader_of(d1), "person_id": p2.id}, True),
        ({"reader_id": reader_of(k1_door)}, True),
        ({"zone_id": r3.id, "door_id": d3.id, "person_id": p1.id}, True),
        ({"airlock_id": airlock_a.id}, True),
        ({"door_id": d2.id}, False),
        ({"reader_id": reader_of(entrance)}, False),
        ({"zone_id": r3.id, "door_id": k3b_door.id}, False),  # B's rack door in the shared room
        ({"zone_id": building.id}, False),
        ({"person_id": p1.id}, False),
        ({"airlock_id": airlock_b.id}, False),
        ({"door_id": d1.id, "airlock_id": airlock_b.id}, False),
        ({}, False),
    ]:
        row = alert(session, places)
        if visible:
            c.see(row)
    return c


def keys(
    session: Session, model: type[Any], principal: Principal, **where: Any
) -> set[tuple[Any, ...]]:
    """Primary keys of the rows of `model` a principal receives."""
    columns = inspect(model).primary_key
    stmt = select(*columns).filter_by(**where)
    return {tuple(row) for row in session.execute(scoped(stmt, model, principal))}


def auditor_of(tenant: Tenant | None) -> Principal:
    """A tenant auditor of a tenant."""
    assert tenant is not None
    return Principal(kind="user", subject="t", role=Role.tenant_auditor, tenant_id=tenant.id)


def test_every_model_with_a_rule_is_built_by_the_campus(session: Session) -> None:
    c = campus(session)
    assert set(c.expected) == set(RULES)


@pytest.mark.parametrize("model", list(RULES), ids=lambda m: m.__name__)
def test_tenant_auditor_sees_exactly_their_rows(session: Session, model: type[Any]) -> None:
    c = campus(session)
    assert keys(session, model, auditor_of(c.a)) == c.expected[model]


@pytest.mark.parametrize("model", list(RULES), ids=lambda m: m.__name__)
def test_no_guessed_id_reaches_another_tenants_row(session: Session, model: type[Any]) -> None:
    c = campus(session)
    principal = auditor_of(c.a)
    [pk, *rest] = inspect(model).primary_key
    highest = session.scalar(select(func.max(pk))) or 0
    for guess in range(0, highest + 3):
        found = keys(session, model, principal, **{pk.key: guess})
        assert found <= c.expected[model], f"{model.__name__} {guess} leaked"
        if not rest:
            assert found == {k for k in c.expected[model] if k[0] == guess}


def test_the_other_tenant_sees_its_own_servers_only(session: Session) -> None:
    c = campus(session)
    assert c.b is not None
    servers = session.scalars(scoped(select(Server), Server, auditor_of(c.b))).all()
    assert servers and {s.tenant_id for s in servers} == {c.b.id}


@pytest.mark.parametrize("role", [Role.admin, Role.security, Role.auditor])
def test_staff_roles_see_everything(session: Session, role: Role) -> None:
    campus(session)
    staff = Principal(kind="user", subject="s", role=role)
    for model in ALL_MODELS:
        total = session.scalar(select(func.count()).select_from(model))
        assert len(keys(session, model, staff)) == total


@pytest.mark.parametrize(
    "principal",
    [
        Principal(kind="device", subject="reader-1", role=Role.device),
        Principal(kind="user", subject="t", role=Role.tenant_auditor, tenant_id=None),
    ],
    ids=["device", "tenant-auditor-without-tenant"],
)
def test_other_principals_see_nothing(session: Session, principal: Principal) -> None:
    campus(session)
    for model in ALL_MODELS:
        assert keys(session, model, principal) == set()


def test_a_model_without_a_rule_is_hidden_from_tenants(session: Session) -> None:
    c = campus(session)
    assert Workstation not in RULES
    assert keys(session, Workstation, auditor_of(c.a)) == set()


def test_visible_ids_keeps_only_the_people_a_tenant_may_name(session: Session) -> None:
    c = campus(session)
    people = {key[0] for key in c.expected[Person]}
    everyone = set(session.scalars(select(Person.id)))
    missing = max(everyone) + 1
    assert visible_ids(session, Person, everyone | {missing}, auditor_of(c.a)) == people
    staff = Principal(kind="user", subject="s", role=Role.auditor)
    assert visible_ids(session, Person, everyone | {missing}, staff) == everyone | {missing}
