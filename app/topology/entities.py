"""The thirteen entities of the topology registry, declared once each."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select

from app.topology import schemas as s
from app.topology import validation as v
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
    Site,
    Tenant,
    Workstation,
    Zone,
)
from app.topology.registry import Collection, EntitySpec, Filter

Id = s.EntityId


def _by(column: Any, type_: Any, description: str) -> Filter:
    # The parameter has the field's own type, so a bad value is a 422 before any query.
    return Filter(type=type_, where=lambda value: column == value, description=description)


def _by_id(column: Any, description: str) -> Filter:
    return _by(column, Id, description)


def _zones_of_site(site_id: int) -> Select[Any]:
    return select(Zone.id).where(Zone.site_id == site_id)


def _doors_of_site(site_id: int) -> Select[Any]:
    return select(Door.id).where(Door.from_zone_id.in_(_zones_of_site(site_id)))


def _door_touches(zone_id: int) -> ColumnElement[bool]:
    return or_(Door.from_zone_id == zone_id, Door.to_zone_id == zone_id)


def _camera_covers(column: Any) -> Filter:
    def where(target_id: int) -> ColumnElement[bool]:
        return Camera.id.in_(select(CameraCoverage.camera_id).where(column == target_id))

    return Filter(type=Id, where=where, description="Cameras that cover it.")


TENANT = EntitySpec(name="tenant", path="tenants", model=Tenant, create_schema=s.TenantCreate)

SITE = EntitySpec(name="site", path="sites", model=Site, create_schema=s.SiteCreate)

ZONE = EntitySpec(
    name="zone",
    path="zones",
    model=Zone,
    create_schema=s.ZoneCreate,
    immutable=frozenset({"site_id"}),
    filters={
        "site_id": _by_id(Zone.site_id, "Zones of this site."),
        "parent_id": _by_id(Zone.parent_id, "Direct children of this zone."),
        "kind": _by(Zone.kind, s.ZoneKind, "Zones of this kind."),
    },
    check=v.check_zone,
)

DOOR = EntitySpec(
    name="door",
    path="doors",
    model=Door,
    create_schema=s.DoorCreate,
    filters={
        "site_id": Filter(
            type=Id,
            where=lambda site_id: Door.id.in_(_doors_of_site(site_id)),
            description="Doors of this site.",
        ),
        "zone_id": Filter(
            type=Id, where=_door_touches, description="Doors into or out of this zone."
        ),
        "kind": _by(Door.kind, s.DoorKind, "Doors of this kind."),
    },
    check=v.check_door,
)

READER = EntitySpec(
    name="reader",
    path="readers",
    model=Reader,
    create_schema=s.ReaderCreate,
    filters={
        "site_id": Filter(
            type=Id,
            where=lambda site_id: Reader.door_id.in_(_doors_of_site(site_id)),
            description="Readers of this site.",
        ),
        "door_id": _by_id(Reader.door_id, "Readers at this door."),
        "enabled": _by(Reader.enabled, bool, "Enabled or disabled readers."),
    },
)

AIRLOCK = EntitySpec(
    name="airlock",
    path="airlocks",
    model=Airlock,
    create_schema=s.AirlockCreate,
    unique=(("code",), ("zone_id",), ("outer_door_id",), ("inner_door_id",)),
    filters={
        "site_id": Filter(
            type=Id,
            where=lambda site_id: Airlock.zone_id.in_(_zones_of_site(site_id)),
            description="Airlocks of this site.",
        ),
    },
    check=v.check_airlock,
)

CAMERA = EntitySpec(
    name="camera",
    path="cameras",
    model=Camera,
    create_schema=s.CameraCreate,
    immutable=frozenset({"site_id"}),
    filters={
        "site_id": _by_id(Camera.site_id, "Cameras of this site."),
        "zone_id": _camera_covers(CameraCoverage.zone_id),
        "door_id": _camera_covers(CameraCoverage.door_id),
        "workstation_id": _camera_covers(CameraCoverage.workstation_id),
    },
    collection=Collection(field="covers", load=v.load_coverage, store=v.store_coverage),
)

WORKSTATION = EntitySpec(
    name="workstation",
    path="workstations",
    model=Workstation,
    create_schema=s.WorkstationCreate,
    filters={
        "site_id": Filter(
            type=Id,
            where=lambda site_id: Workstation.zone_id.in_(_zones_of_site(site_id)),
            description="Workstations of this site.",
        ),
        "zone_id": _by_id(Workstation.zone_id, "Workstations in this zone."),
    },
    check=v.check_workstation,
)

SERVER = EntitySpec(
    name="server",
    path="servers",
    model=Server,
    create_schema=s.ServerCreate,
    unique=(("hostname",),),
    filters={
        "site_id": Filter(
            type=Id,
            where=lambda site_id: Server.rack_zone_id.in_(_zones_of_site(site_id)),
            description="Servers of this site.",
        ),
        "tenant_id": _by_id(Server.tenant_id, "Servers of this tenant."),
        "rack_zone_id": _by_id(Server.rack_zone_id, "Servers in this rack."),
        "health_data": _by(Server.health_data, bool, "Servers holding health data, or not."),
    },
    check=v.check_server,
)

PERSON = EntitySpec(
    name="person",
    path="people",
    model=Person,
    create_schema=s.PersonCreate,
    filters={
        "kind": _by(Person.kind, s.PersonKind, "People of this kind."),
        "active": _by(Person.active, bool, "Active or inactive people."),
    },
)

GROUP = EntitySpec(
    name="group",
    path="groups",
    model=PersonGroup,
    create_schema=s.GroupCreate,
    filters={
        "person_id": Filter(
            type=Id,
            where=lambda person_id: PersonGroup.id.in_(
                select(GroupMember.group_id).where(GroupMember.person_id == person_id)
            ),
            description="Groups this person is a member of.",
        ),
    },
    collection=Collection(field="member_ids", load=v.load_members, store=v.store_members),
)

BADGE = EntitySpec(
    name="badge",
    path="badges",
    model=Badge,
    create_schema=s.BadgeCreate,
    unique=(("uid",),),
    filters={
        "person_id": _by_id(Badge.person_id, "Badges held by this person."),
        "status": _by(Badge.status, s.BadgeStatus, "Badges in this status."),
    },
    check=v.check_badge,
)

ACCESS_RIGHT = EntitySpec(
    name="access_right",
    path="access-rights",
    model=AccessRight,
    create_schema=s.AccessRightCreate,
    unique=(("person_id", "zone_id"), ("group_id", "zone_id")),
    filters={
        "person_id": _by_id(AccessRight.person_id, "Rights given to this person directly."),
        "group_id": _by_id(AccessRight.group_id, "Rights given to this group."),
        "zone_id": _by_id(AccessRight.zone_id, "Rights to this zone."),
    },
    check=v.check_access_right,
)

ENTITIES = (
    TENANT,
    SITE,
    ZONE,
    DOOR,
    READER,
    AIRLOCK,
    CAMERA,
    WORKSTATION,
    SERVER,
    PERSON,
    GROUP,
    BADGE,
    ACCESS_RIGHT,
)
