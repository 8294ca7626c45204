"""Rules of the topology that a single field cannot express, checked on the whole row.

Each check runs on create and on update, after the foreign keys were found to exist
(app.topology.references), with the row's new values applied but not yet flushed. Wrong
input raises Invalid (422); a change that contradicts other stored rows raises Conflict.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.orm import Session

from app.auth.principal import Principal
from app.auth.scope import scoped
from app.errors import Conflict, Invalid
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
    Server,
    Workstation,
    Zone,
)

# Where each kind of zone may sit in the tree (None: at the top of its site).
PARENT_KINDS: dict[str, frozenset[str | None]] = {
    "outside": frozenset({None}),
    "building": frozenset({None, "outside"}),
    "area": frozenset({None, "outside", "building", "floor", "area"}),
    "floor": frozenset({"building"}),
    "room": frozenset({"building", "floor", "area"}),
    "airlock": frozenset({"building", "floor", "room", "area"}),
    "cage": frozenset({"room"}),
    "rack": frozenset({"room", "cage"}),
}


def _zone(session: Session, zone_id: int) -> Zone:
    zone = session.get(Zone, zone_id)
    assert zone is not None, "foreign keys are checked before the rules"
    return zone


def _door(session: Session, door_id: int) -> Door:
    door = session.get(Door, door_id)
    assert door is not None, "foreign keys are checked before the rules"
    return door


def check_zone(session: Session, zone: Zone) -> None:
    """Parent in the same site, of a kind that may hold this one, no cycle; dependents fit."""
    allowed = PARENT_KINDS[zone.kind]
    if zone.parent_id is None:
        if None not in allowed:
            raise Invalid(f"a zone of kind {zone.kind} needs a parent ({_kinds(allowed)})")
    else:
        parent = _zone(session, zone.parent_id)
        if parent.site_id != zone.site_id:
            raise Invalid(f"parent zone {parent.code} is in another site")
        if parent.kind not in allowed:
            raise Invalid(
                f"a zone of kind {zone.kind} cannot be inside zone {parent.code} of kind"
                f" {parent.kind} ({_kinds(allowed)})"
            )
        _check_no_cycle(session, zone, parent)
    if zone.id is None:
        return
    for child in session.scalars(select(Zone).where(Zone.parent_id == zone.id)):
        if zone.kind not in PARENT_KINDS[child.kind]:
            raise Conflict(
                f"zone {child.code} of kind {child.kind} cannot be inside"
                f" a zone of kind {zone.kind}"
            )
    if zone.kind != "rack" and _exists(
        session, select(Server.id).where(Server.rack_zone_id == zone.id)
    ):
        raise Conflict(f"zone {zone.code} holds servers, so it must stay a rack")
    if zone.kind != "airlock" and _exists(
        session, select(Airlock.id).where(Airlock.zone_id == zone.id)
    ):
        raise Conflict(f"zone {zone.code} is an airlock's zone, so it must stay an airlock")


def _kinds(allowed: frozenset[str | None]) -> str:
    names = sorted("top of the site" if kind is None else kind for kind in allowed)
    return "allowed: " + ", ".join(names)


def _check_no_cycle(session: Session, zone: Zone, parent: Zone) -> None:
    seen: set[int] = set()
    node: Zone | None = parent
    while node is not None and node.id not in seen:
        if node.id == zone.id:
            raise Invalid(f"zone {zone.code} cannot be inside itself or one of its descendants")
        seen.add(node.id)
        node = None if node.parent_id is None else session.get(Zone, node.parent_id)


def _exists(session: Session, query: Any) -> bool:
    return session.scalar(query.limit(1)) is not None


def _check_cameras_site(session: Session, column: Any, target_id: int, site_id: int) -> None:
    """What cameras cover stays in their site (a door or workstation may be moved)."""
    cameras = select(Camera.code).join(CameraCoverage, CameraCoverage.camera_id == Camera.id)
    code = session.scalar(cameras.where(column == target_id, Camera.site_id != site_id).limit(1))
    if code is not None:
        raise Conflict(f"camera {code} of another site covers it; change its coverage first")


def check_door(session: Session, door: Door) -> None:
    """Two distinct zones of one site; still fits its airlock and its cameras' site."""
    if door.from_zone_id == door.to_zone_id:
        raise Invalid("a door joins two different zones")
    site_id = _zone(session, door.from_zone_id).site_id
    if site_id != _zone(session, door.to_zone_id).site_id:
        raise Invalid("a door joins two zones of the same site")
    if door.id is None:
        return
    _check_cameras_site(session, CameraCoverage.door_id, door.id, site_id)
    airlock = session.scalar(
        select(Airlock).where(
            or_(Airlock.outer_door_id == door.id, Airlock.inner_door_id == door.id)
        )
    )
    if airlock is not None:
        try:
            check_airlock(session, airlock)
        except Invalid as exc:
            raise Conflict(
                f"door {door.code} belongs to airlock {airlock.code}: {exc.message}"
            ) from exc


def check_airlock(session: Session, airlock: Airlock) -> None:
    """An airlock zone between an outer and an inner door that both open onto it."""
    zone = _zone(session, airlock.zone_id)
    if zone.kind != "airlock":
        raise Invalid(f"zone {zone.code} is of kind {zone.kind}, not airlock")
    if airlock.outer_door_id == airlock.inner_door_id:
        raise Invalid("an airlock has two different doors")
    for role, door_id in (("outer", airlock.outer_door_id), ("inner", airlock.inner_door_id)):
        door = _door(session, door_id)
        if zone.id not in (door.from_zone_id, door.to_zone_id):
            raise Invalid(f"{role} door {door.code} does not open onto zone {zone.code}")
        if door.kind != f"airlock_{role}":
            raise Invalid(f"{role} door {door.code} is of kind {door.kind}, not airlock_{role}")


def check_workstation(session: Session, workstation: Workstation) -> None:
    """One console per address (sessions are tied to it by their source IP); cameras' site."""
    mine = set(workstation.ip_addresses)
    others = select(Workstation.code, Workstation.ip_addresses)
    if workstation.id is not None:
        others = others.where(Workstation.id != workstation.id)
        site_id = _zone(session, workstation.zone_id).site_id
        _check_cameras_site(session, CameraCoverage.workstation_id, workstation.id, site_id)
    for code, addresses in session.execute(others):
        shared = sorted(mine.intersection(addresses))
        if shared:
            raise Conflict(f"{', '.join(shared)} already belongs to workstation {code}")


def check_server(session: Session, server: Server) -> None:
    """Servers are mounted in racks."""
    zone = _zone(session, server.rack_zone_id)
    if zone.kind != "rack":
        raise Invalid(f"zone {zone.code} is of kind {zone.kind}; servers go in rack zones")


def _check_validity(row: Badge | AccessRight) -> None:
    if row.valid_from and row.valid_until and row.valid_from >= row.valid_until:
        raise Invalid("valid_until must be after valid_from")


def check_badge(_session: Session, badge: Badge) -> None:
    """A validity period that ends after it starts."""
    _check_validity(badge)


def check_access_right(_session: Session, right: AccessRight) -> None:
    """Given to a person or to a group (exactly one), for a period that ends after it starts."""
    if (right.person_id is None) == (right.group_id is None):
        raise Invalid("an access right names exactly one of person_id and group_id")
    _check_validity(right)


_TARGET_COLUMNS = {
    "zone": CameraCoverage.zone_id,
    "door": CameraCoverage.door_id,
    "workstation": CameraCoverage.workstation_id,
}


def _site_of(session: Session, kind: str, target_id: int) -> int | None:
    if kind == "door":
        door = session.get(Door, target_id)
        return None if door is None else _zone(session, door.from_zone_id).site_id
    if kind == "workstation":
        workstation = session.get(Workstation, target_id)
        return None if workstation is None else _zone(session, workstation.zone_id).site_id
    zone = session.get(Zone, target_id)
    return None if zone is None else zone.site_id


def load_coverage(session: Session, camera: Any, viewer: Principal) -> list[dict[str, Any]]:
    """What the camera sees (of what the viewer may see), sorted by kind and id."""
    query = select(*_TARGET_COLUMNS.values()).where(CameraCoverage.camera_id == camera.id)
    rows = session.execute(scoped(query, CameraCoverage, viewer))
    targets = [
        {"kind": kind, "id": value}
        for row in rows
        for kind, value in zip(_TARGET_COLUMNS, row, strict=True)
        if value is not None
    ]
    return sorted(targets, key=lambda t: (t["kind"], t["id"]))


def store_coverage(session: Session, camera: Any, targets: list[dict[str, Any]]) -> None:
    """Replace what the camera sees; every target must exist in the camera's site."""
    for target in targets:
        site_id = _site_of(session, target["kind"], target["id"])
        if site_id is None:
            raise Invalid(f"covers: there is no {target['kind']} with id {target['id']}")
        if site_id != camera.site_id:
            raise Invalid(f"covers: {target['kind']} {target['id']} is in another site")
    session.execute(delete(CameraCoverage).where(CameraCoverage.camera_id == camera.id))
    if targets:
        session.execute(
            insert(CameraCoverage),
            [
                {"camera_id": camera.id, "zone_id": None, "door_id": None, "workstation_id": None}
                | {f"{target['kind']}_id": target["id"]}
                for target in targets
            ],
        )


def load_members(session: Session, group: PersonGroup, viewer: Principal) -> list[int]:
    """Ids of the group's members (whom the viewer may see), ascending."""
    query = select(GroupMember.person_id).where(GroupMember.group_id == group.id)
    query = scoped(query.order_by(GroupMember.person_id), GroupMember, viewer)
    return list(session.scalars(query))


def store_members(session: Session, group: PersonGroup, person_ids: list[int]) -> None:
    """Replace the group's members; every one must be a known person."""
    known = set(session.scalars(select(Person.id).where(Person.id.in_(person_ids))))
    missing = sorted(set(person_ids) - known)
    if missing:
        raise Invalid(f"member_ids: there is no person with id {', '.join(map(str, missing))}")
    session.execute(delete(GroupMember).where(GroupMember.group_id == group.id))
    if person_ids:
        session.execute(
            insert(GroupMember), [{"group_id": group.id, "person_id": pid} for pid in person_ids]
        )
