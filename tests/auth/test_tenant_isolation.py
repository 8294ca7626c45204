"""Over HTTP, a tenant auditor reaches nothing of another tenant's, by any id it can guess.

Two hospitals on one floor, a room and a rack each, an airlock into each room; each has a
person with a right to its room, who swiped in, passed, stayed, and set off alerts. Hospital
A's auditor tries every id of every table it can read, and of every presence and alert
route.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.alerts.models import Alert
from app.auth.principal import Role
from app.physical.models import PhysicalEvent
from app.presence.models import PresenceInterval
from app.topology.entities import ENTITIES
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
    Site,
    Tenant,
    Zone,
)
from tests.auth import factories as f
from tests.auth.read_models import alert, cycle, passage, stay
from tests.conftest import ADMIN
from tests.physical.factories import stored_swipe

API = "/api/v1/topology"
R = TypeVar("R")


@dataclass
class Hospitals:
    """A's auditor's headers, the ids A must see (by registry path), and B's rows."""

    headers: dict[str, str]
    visible: dict[str, set[int]]
    other: dict[str, list[Any]]


def add(session: Session, row: R) -> R:
    """Insert a row and return it with its id."""
    session.add(row)
    session.flush()
    return row


def door(session: Session, source: Zone, target: Zone) -> Door:
    """A door between two zones, with a reader."""
    row = add(
        session,
        Door(
            code=f.unique("d"), name="d", kind="door", from_zone_id=source.id, to_zone_id=target.id
        ),
    )
    add(session, Reader(code=f.unique("r"), door_id=row.id, direction="in"))
    return row


def hospital(session: Session, tenant: Tenant, site: Site, floor: Zone) -> dict[str, Any]:
    """A room with a rack and a server of the tenant, their doors, a camera on the rack, and
    a person (in a group) with a right to the room, who swiped in."""
    room = f.zone(session, site, "room", floor)
    rack = f.zone(session, site, "rack", room)
    doors = [door(session, floor, room), door(session, room, rack)]
    camera = add(session, Camera(code=f.unique("cam"), name="c", site_id=site.id))
    add(session, CameraCoverage(camera_id=camera.id, zone_id=rack.id))
    person = add(session, Person(code=f.unique("p"), full_name="Jo"))
    badge = add(session, Badge(uid=f.unique("UID"), person_id=person.id))
    group = add(session, PersonGroup(code=f.unique("g"), name="team"))
    add(session, GroupMember(group_id=group.id, person_id=person.id))
    for passed in doors:
        stored_swipe(session, passed, badge)
    rights = [
        AccessRight(person_id=person.id, zone_id=room.id),
        AccessRight(group_id=group.id, zone_id=rack.id),
    ]
    sas = f.zone(session, site, "airlock", floor)
    outer = door(session, floor, sas)  # on the shared floor: not the tenant's door
    airlock = add(
        session,
        Airlock(
            code=f.unique("al"), zone_id=sas.id, outer_door_id=outer.id, inner_door_id=doors[0].id
        ),
    )
    stay(session, person, floor)  # the floor is shared: nobody's stays there are shown
    rack_reader = session.scalars(select(Reader.id).where(Reader.door_id == doors[1].id)).one()
    return {
        "tenants": [tenant],
        "zones": [room, rack],
        "servers": [f.server(session, rack, tenant)],
        "doors": doors,
        "readers": list(
            session.scalars(select(Reader).where(Reader.door_id.in_([d.id for d in doors])))
        ),
        "people": [person],
        "badges": [badge],
        "cameras": [camera],
        "groups": [group],
        "access-rights": [add(session, right) for right in rights],
        "airlocks": [airlock],
        "passages": [passage(session, passed, person) for passed in doors],
        "stays": [stay(session, person, room), stay(session, person, rack)],
        "cycles": [cycle(session, airlock, [person.id])],
        "alerts": [
            alert(session, {"door_id": doors[0].id}),
            alert(session, {"reader_id": rack_reader, "door_id": doors[1].id}),
            alert(session, {"zone_id": room.id, "door_id": doors[0].id, "person_id": person.id}),
            alert(session, {"airlock_id": airlock.id}),
        ],
    }


@pytest.fixture
def hospitals(client: TestClient, session: Session) -> Hospitals:
    """A's auditor signed in; what A sees; B's rows."""
    a, b = f.tenant(session), f.tenant(session)
    account = f.user(session, Role.tenant_auditor, tenant_code=a.code)
    site = f.site(session)
    building = f.zone(session, site, "building")
    floor = f.zone(session, site, "floor", building)
    mine = hospital(session, a, site, floor)
    visible = {path: {row.id for row in rows} for path, rows in mine.items()}
    visible["sites"] = {site.id}
    visible["zones"] |= {building.id, floor.id}
    return Hospitals(
        headers=f.bearer(f.login(client, account.username)["access_token"]),
        visible=visible,
        other=hospital(session, b, site, floor),
    )


def test_every_guessable_id_of_every_entity(
    client: TestClient, session: Session, hospitals: Hospitals
) -> None:
    for spec in ENTITIES:
        ids = set(session.scalars(select(spec.model.id)))
        expected = hospitals.visible.get(spec.path, set())
        assert expected <= ids
        for guess in sorted(ids | {max(ids, default=0) + 1, max(ids, default=0) + 2}):
            answer = client.get(f"{API}/{spec.path}/{guess}", headers=hospitals.headers)
            want = 200 if guess in expected else 404
            assert answer.status_code == want, (spec.path, guess, answer.text)
        page = client.get(f"{API}/{spec.path}?limit=1000", headers=hospitals.headers).json()
        assert {item["id"] for item in page["items"]} == expected, spec.path


def test_list_filters_naming_the_other_tenants_rows_find_nothing(
    client: TestClient, hospitals: Hospitals
) -> None:
    b = hospitals.other
    [room, rack], [person] = b["zones"], b["people"]
    queries = [
        f"servers?tenant_id={b['tenants'][0].id}",
        f"servers?rack_zone_id={rack.id}",
        f"zones?parent_id={room.id}",
        f"doors?zone_id={room.id}",
        f"readers?door_id={b['doors'][0].id}",
        f"badges?person_id={person.id}",
        f"access-rights?person_id={person.id}",
        f"access-rights?zone_id={room.id}",
        f"groups?person_id={person.id}",
        f"cameras?zone_id={rack.id}",
    ]
    for query in queries:
        assert client.get(f"{API}/{query}", headers=ADMIN).json()["items"], f"{query} finds nothing"
        answer = client.get(f"{API}/{query}", headers=hospitals.headers)
        assert answer.status_code == 200 and answer.json()["items"] == [], query


def test_events_only_at_the_tenants_doors_whatever_the_filter(
    client: TestClient, session: Session, hospitals: Hospitals
) -> None:
    b = hospitals.other
    [room, rack], [person], [badge] = b["zones"], b["people"], b["badges"]
    mine = client.get("/api/v1/events", headers=hospitals.headers).json()["items"]
    doors = {item["door"] for item in mine}
    own_doors = session.scalars(select(Door.code).where(Door.id.in_(hospitals.visible["doors"])))
    assert doors == set(own_doors) and len(mine) == 2
    filters: list[dict[str, Any]] = [
        *({"door": row.code} for row in b["doors"]),
        *({"reader": row.code} for row in b["readers"]),
        *({"zone": row.code} for row in (room, rack)),
        *({"zone": str(row.id)} for row in (room, rack)),
        {"person": person.id},
        {"badge": badge.uid},
    ]
    for params in filters:
        assert client.get("/api/v1/events", params=params, headers=ADMIN).json()["items"], params
        answer = client.get("/api/v1/events", params=params, headers=hospitals.headers)
        assert answer.status_code == 200 and answer.json()["items"] == [], params
    assert session.scalar(select(func.count()).select_from(PhysicalEvent)) == 4


PRESENCE = "/api/v1/presence"
DAY = {"since": "2026-11-23T00:00:00Z", "until": "2026-11-24T00:00:00Z"}


def test_presence_and_alerts_by_every_guessable_id(
    client: TestClient, session: Session, hospitals: Hospitals
) -> None:
    mine, h = hospitals.visible, hospitals.headers
    routes: list[tuple[type[Any], set[int], str, dict[str, str]]] = [
        (Zone, mine["zones"], PRESENCE + "/zones/{}/muster", {}),
        (Zone, mine["zones"], PRESENCE + "/zones/{}/occupancy", {"day": "2026-11-23"}),
        (Person, mine["people"], PRESENCE + "/people/{}", DAY),
        (Airlock, mine["airlocks"], PRESENCE + "/airlocks/{}/cycles", DAY),
        (Alert, mine["alerts"], "/api/v1/alerts/{}", {}),
    ]
    for model, expected, path, params in routes:
        ids = set(session.scalars(select(model.id)))
        assert expected < ids, model  # the other hospital's rows are there to be guessed
        absent = max(ids) + 1
        nothing = client.get(path.format(absent), params=params, headers=h)
        assert nothing.status_code == 404
        for guess in sorted(ids | {absent + 1}):
            answer = client.get(path.format(guess), params=params, headers=h)
            if guess in expected:
                assert answer.status_code == 200, (path, guess, answer.text)
            else:  # out of scope answers exactly as absent
                assert answer.status_code == 404, (path, guess, answer.text)
                same = nothing.text.replace(str(absent), str(guess))
                assert answer.text == same


def test_presence_and_alerts_show_only_the_tenants_rows(
    client: TestClient, session: Session, hospitals: Hospitals
) -> None:
    mine, b, h = hospitals.visible, hospitals.other, hospitals.headers
    [room, _], [person] = b["zones"], b["people"]
    passages = client.get(f"{PRESENCE}/passages", headers=h).json()["items"]
    assert {p["id"] for p in passages} == mine["passages"]
    alerts = client.get("/api/v1/alerts", headers=h).json()["items"]
    assert {a["id"] for a in alerts} == mine["alerts"]
    [own_person] = mine["people"]
    where = client.get(f"{PRESENCE}/people/{own_person}", params=DAY, headers=h).json()
    own_stays = session.scalars(
        select(PresenceInterval.zone_id).where(PresenceInterval.id.in_(mine["stays"]))
    )
    assert {s["zone_id"] for s in where["stays"]} == set(own_stays)  # not the shared floor
    shared = client.get(f"{PRESENCE}/zones/{room.parent_id}/muster", headers=h).json()
    assert shared["people"] == [] and shared["count"] == 0
    # Someone of B's badged at the outer door (the shared floor's) of A's airlock, then left.
    [airlock] = mine["airlocks"]
    cycle(session, session.get_one(Airlock, airlock), [person.id, own_person])
    cycles = client.get(f"{PRESENCE}/airlocks/{airlock}/cycles", params=DAY, headers=h).json()
    assert [c["person_ids"] for c in cycles] == [[own_person], [own_person]]
    filters: list[tuple[str, dict[str, Any]]] = [
        *((f"{PRESENCE}/passages", {"door": d.id}) for d in b["doors"]),
        (f"{PRESENCE}/passages", {"person": person.id}),
        (f"{PRESENCE}/passages", {"zone": room.id}),
        *(("/api/v1/alerts", {"door": d.id}) for d in b["doors"]),
        ("/api/v1/alerts", {"reader": b["alerts"][1].reader_id}),
        ("/api/v1/alerts", {"zone": room.id}),
        ("/api/v1/alerts", {"person": person.id}),
        ("/api/v1/alerts", {"airlock": b["airlocks"][0].id}),
    ]
    for path, params in filters:
        assert client.get(path, params=params, headers=ADMIN).json()["items"], (path, params)
        answer = client.get(path, params=params, headers=h)
        assert answer.status_code == 200 and answer.json()["items"] == [], (path, params)
