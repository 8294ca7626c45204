"""Rules on whole rows: bad references are 422, contradictions with stored rows are 409."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from app.errors import Conflict, Invalid
from app.topology.entities import (
    ACCESS_RIGHT,
    AIRLOCK,
    BADGE,
    CAMERA,
    DOOR,
    GROUP,
    READER,
    SERVER,
    WORKSTATION,
    ZONE,
)
from tests.topology import factories as f


def test_zone_parent_must_be_in_the_same_site(session: Session) -> None:
    here, there = f.site(session), f.site(session)
    with pytest.raises(Invalid, match="is in another site"):
        f.zone(session, here.id, "room", there.floor)


@pytest.mark.parametrize(
    ("kind", "parent", "message"),
    [
        ("floor", None, "a zone of kind floor needs a parent"),
        ("rack", "floor", "a zone of kind rack cannot be inside zone .* of kind floor"),
        ("building", "hall", "kind building cannot be inside zone .* of kind room"),
        ("cage", "cage", "kind cage cannot be inside zone .* of kind cage"),
    ],
)
def test_zone_kinds_nest_in_a_sensible_order(
    session: Session, kind: str, parent: str | None, message: str
) -> None:
    place = f.site(session)
    parent_id = None if parent is None else getattr(place, parent)
    with pytest.raises(Invalid, match=message):
        f.zone(session, place.id, kind, parent_id)


def test_zone_cannot_move_under_its_own_descendant(session: Session) -> None:
    place = f.site(session)
    area = f.zone(session, place.id, "area", place.building)
    sub = f.zone(session, place.id, "area", area.id)
    with pytest.raises(Invalid, match="cannot be inside itself or one of its descendants"):
        f.update(session, ZONE, area.id, parent_id=sub.id)
    with pytest.raises(Invalid, match="cannot be inside itself"):
        f.update(session, ZONE, sub.id, parent_id=sub.id)


def test_zone_kind_change_must_keep_children_servers_and_airlocks_valid(session: Session) -> None:
    place = f.site(session)
    with pytest.raises(Conflict, match="of kind cage cannot be inside a zone of kind area"):
        f.update(session, ZONE, place.hall, kind="area")  # its cage needs a room
    rack = f.zone(session, place.id, "rack", place.hall)
    f.server(session, rack.id, f.tenant(session).id)
    with pytest.raises(Conflict, match="holds servers"):
        f.update(session, ZONE, rack.id, kind="cage")
    f.airlock(session, place)
    with pytest.raises(Conflict, match="airlock's zone"):
        f.update(session, ZONE, place.airlock, kind="room")


def test_zone_site_cannot_change(session: Session) -> None:
    with pytest.raises(ValueError, match="site_id"):
        ZONE.update_schema.model_validate({"site_id": 1})


def test_door_joins_two_zones_of_one_site(session: Session) -> None:
    here, there = f.site(session), f.site(session)
    with pytest.raises(Invalid, match="two zones of the same site"):
        f.door(session, here.lobby, there.lobby)
    with pytest.raises(Invalid, match="two different zones"):
        f.door(session, here.lobby, here.lobby)
    with pytest.raises(Invalid, match="to_zone_id: there is no zone with id 999999"):
        f.door(session, here.lobby, 999999)


def test_reader_on_unknown_door_is_refused(session: Session) -> None:
    with pytest.raises(Invalid, match="door_id: there is no door with id 999999"):
        f.create(session, READER, code="R-X", door_id=999999, direction="in")


def test_airlock_needs_an_airlock_zone_and_two_distinct_touching_doors(session: Session) -> None:
    place = f.site(session)
    outer = f.door(session, place.lobby, place.airlock, "airlock_outer")
    inner = f.door(session, place.airlock, place.hall, "airlock_inner")
    elsewhere = f.door(session, place.hall, place.cage, "airlock_inner")
    plain = f.door(session, place.airlock, place.hall, "door")

    def airlock(zone_id: int, outer_id: int, inner_id: int) -> None:
        f.create(
            session,
            AIRLOCK,
            code=f.code("sas"),
            zone_id=zone_id,
            outer_door_id=outer_id,
            inner_door_id=inner_id,
        )

    with pytest.raises(Invalid, match="is of kind room, not airlock"):
        airlock(place.hall, outer.id, inner.id)
    with pytest.raises(Invalid, match="two different doors"):
        airlock(place.airlock, outer.id, outer.id)
    with pytest.raises(Invalid, match="does not open onto zone"):
        airlock(place.airlock, outer.id, elsewhere.id)
    with pytest.raises(Invalid, match="is of kind door, not airlock_inner"):
        airlock(place.airlock, outer.id, plain.id)
    airlock(place.airlock, outer.id, inner.id)
    with pytest.raises(Conflict, match="zone_id .* is already taken by another airlock"):
        airlock(place.airlock, outer.id, inner.id)


def test_a_door_of_an_airlock_must_keep_touching_it(session: Session) -> None:
    place = f.site(session)
    sas = f.airlock(session, place)
    with pytest.raises(Conflict, match="belongs to airlock"):
        f.update(session, DOOR, sas.inner_door_id, from_zone_id=place.lobby)
    with pytest.raises(Conflict, match="belongs to airlock"):
        f.update(session, DOOR, sas.outer_door_id, kind="door")


def test_camera_covers_only_existing_things_of_its_site(session: Session) -> None:
    here, there = f.site(session), f.site(session)

    def camera(*covers: tuple[str, int]) -> None:
        targets = [{"kind": kind, "id": target} for kind, target in covers]
        f.create(session, CAMERA, code=f.code("cam"), name="c", site_id=here.id, covers=targets)

    with pytest.raises(Invalid, match="covers: zone .* is in another site"):
        camera(("zone", there.hall))
    door = f.door(session, there.lobby, there.hall)
    with pytest.raises(Invalid, match="covers: door .* is in another site"):
        camera(("door", door.id))
    with pytest.raises(Invalid, match="covers: there is no workstation with id 999999"):
        camera(("workstation", 999999))


def test_workstation_addresses_are_unique_across_workstations(session: Session) -> None:
    place = f.site(session)
    f.create(
        session,
        WORKSTATION,
        code="WS-1",
        name="one",
        zone_id=place.lobby,
        ip_addresses=["10.0.0.1"],
    )
    with pytest.raises(Conflict, match="10.0.0.1 already belongs to workstation WS-1"):
        f.create(
            session,
            WORKSTATION,
            code="WS-2",
            name="two",
            zone_id=place.lobby,
            ip_addresses=["10.0.0.2", "10.0.0.1"],
        )


def test_server_goes_in_a_rack_of_a_known_tenant(session: Session) -> None:
    place = f.site(session)
    tenant = f.tenant(session)
    with pytest.raises(Invalid, match="is of kind cage; servers go in rack zones"):
        f.server(session, place.cage, tenant.id)
    with pytest.raises(Invalid, match="tenant_id: there is no tenant"):
        f.server(session, place.rack, 999999)
    server = f.server(session, place.rack, tenant.id)
    with pytest.raises(Invalid, match="servers go in rack zones"):
        f.update(session, SERVER, server.id, rack_zone_id=place.hall)


def test_validity_periods_end_after_they_start(session: Session) -> None:
    now = datetime.now(UTC)
    with pytest.raises(Invalid, match="valid_until must be after valid_from"):
        f.create(session, BADGE, uid="04:AA", valid_from=now, valid_until=now - timedelta(days=1))
    badge = f.create(session, BADGE, uid="04:AB", valid_from=now)
    with pytest.raises(Invalid, match="valid_until must be after valid_from"):
        f.update(session, BADGE, badge.id, valid_until=now)


def test_access_right_names_exactly_one_holder(session: Session) -> None:
    place = f.site(session)
    person = f.person(session)
    group = f.create(session, GROUP, code=f.code("g"), name="Crew")
    with pytest.raises(Invalid, match="exactly one of person_id and group_id"):
        f.create(session, ACCESS_RIGHT, zone_id=place.hall)
    with pytest.raises(Invalid, match="exactly one of person_id and group_id"):
        f.create(session, ACCESS_RIGHT, zone_id=place.hall, person_id=person.id, group_id=group.id)
    right = f.create(session, ACCESS_RIGHT, zone_id=place.hall, person_id=person.id)
    with pytest.raises(Invalid, match="exactly one"):
        f.update(session, ACCESS_RIGHT, right.id, group_id=group.id)
    with pytest.raises(Conflict, match="already taken by another access_right"):
        f.create(session, ACCESS_RIGHT, zone_id=place.hall, person_id=person.id)
    f.create(session, ACCESS_RIGHT, zone_id=place.hall, group_id=group.id)


def test_group_members_must_be_known_people(session: Session) -> None:
    with pytest.raises(Invalid, match="member_ids: there is no person with id 999998, 999999"):
        f.create(session, GROUP, code=f.code("g"), name="Crew", member_ids=[999999, 999998])


def test_what_a_camera_covers_cannot_move_to_another_site(session: Session) -> None:
    here, there = f.site(session), f.site(session)
    door = f.door(session, here.lobby, here.hall)
    console = f.create(session, WORKSTATION, code=f.code("ws"), name="ws", zone_id=here.hall)
    covers = [{"kind": "door", "id": door.id}, {"kind": "workstation", "id": console.id}]
    f.create(session, CAMERA, code="CAM-HERE", name="c", site_id=here.id, covers=covers)
    with pytest.raises(Conflict, match="camera CAM-HERE of another site covers it"):
        f.update(session, DOOR, door.id, from_zone_id=there.lobby, to_zone_id=there.hall)
    with pytest.raises(Conflict, match="camera CAM-HERE of another site covers it"):
        f.update(session, WORKSTATION, console.id, zone_id=there.hall)
    assert f.update(session, WORKSTATION, console.id, zone_id=here.lobby).zone_id == here.lobby
