"""Tables of the site topology: places, doors, devices, servers, people and their rights."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from app.orm import Base, JSONType

CODE = String(64)


class Versioned:
    """Every topology row carries a version, bumped on each change (optimistic locking)."""

    version: Mapped[int] = mapped_column(default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        # The ORM adds "WHERE version = <loaded>" to each UPDATE and DELETE, so a writer
        # that read an older version fails (StaleDataError) instead of overwriting. The
        # registry bumps the number itself: a change to a camera's coverage alone must
        # bump it too, and the ORM's own counter only sees the row's columns.
        return {"version_id_col": cls.version, "version_id_generator": False}


class Tenant(Versioned, Base):
    """A hosted hospital."""

    __tablename__ = "tenant"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(CODE, unique=True)
    name: Mapped[str] = mapped_column(String(200))


class Site(Versioned, Base):
    """A datacenter campus."""

    __tablename__ = "site"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(CODE, unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")


class Zone(Versioned, Base):
    """A place in the site's tree: building > floor > room > cage > rack."""

    __tablename__ = "zone"
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("zone.id"), index=True)
    code: Mapped[str] = mapped_column(CODE, unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    # off | alert | deny: what a second entry without an exit does (physical rules).
    anti_passback: Mapped[str] = mapped_column(String(8), default="off")

    __table_args__ = (
        CheckConstraint(
            "kind IN ('outside','building','floor','room','airlock','cage','rack','area')",
            name="kind",
        ),
        CheckConstraint("anti_passback IN ('off','alert','deny')", name="anti_passback"),
    )


class Door(Versioned, Base):
    """A passage from one zone to another; entering means from_zone -> to_zone."""

    __tablename__ = "door"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(CODE, unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    from_zone_id: Mapped[int] = mapped_column(ForeignKey("zone.id"), index=True)
    to_zone_id: Mapped[int] = mapped_column(ForeignKey("zone.id"), index=True)

    __table_args__ = (
        CheckConstraint(
            "kind IN ('door','airlock_outer','airlock_inner','rack_door','turnstile')",
            name="kind",
        ),
        CheckConstraint("from_zone_id <> to_zone_id", name="distinct_zones"),
    )


class Reader(Versioned, Base):
    """A badge reader or door controller; only its Ed25519 public key is kept."""

    __tablename__ = "reader"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(CODE, unique=True)
    door_id: Mapped[int] = mapped_column(ForeignKey("door.id"), index=True)
    direction: Mapped[str] = mapped_column(String(3))
    public_key: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (CheckConstraint("direction IN ('in','out')", name="direction"),)


class Airlock(Versioned, Base):
    """Two interlocked doors and the zone between them."""

    __tablename__ = "airlock"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(CODE, unique=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zone.id"), unique=True)
    outer_door_id: Mapped[int] = mapped_column(ForeignKey("door.id"), unique=True)
    inner_door_id: Mapped[int] = mapped_column(ForeignKey("door.id"), unique=True)
    max_cycle_s: Mapped[int] = mapped_column(default=120)

    __table_args__ = (CheckConstraint("outer_door_id <> inner_door_id", name="two_doors"),)


class Camera(Versioned, Base):
    """A camera; what it covers is in camera_coverage."""

    __tablename__ = "camera"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(CODE, unique=True)
    name: Mapped[str] = mapped_column(String(200))
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    source_uri: Mapped[str | None] = mapped_column(String(500))


class CameraCoverage(Base):
    """One thing a camera sees: a zone, a door or a workstation (exactly one)."""

    __tablename__ = "camera_coverage"
    id: Mapped[int] = mapped_column(primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("camera.id", ondelete="CASCADE"), index=True)
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zone.id"), index=True)
    door_id: Mapped[int | None] = mapped_column(ForeignKey("door.id"), index=True)
    workstation_id: Mapped[int | None] = mapped_column(ForeignKey("workstation.id"), index=True)

    # NULLs never collide in a unique constraint, so each of these binds one kind of target.
    __table_args__ = (
        UniqueConstraint("camera_id", "zone_id"),
        UniqueConstraint("camera_id", "door_id"),
        UniqueConstraint("camera_id", "workstation_id"),
        CheckConstraint(
            "(CASE WHEN zone_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN door_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN workstation_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_target",
        ),
    )


class Workstation(Versioned, Base):
    """An administrator console in a zone, known by its IP addresses."""

    __tablename__ = "workstation"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(CODE, unique=True)
    name: Mapped[str] = mapped_column(String(200))
    zone_id: Mapped[int] = mapped_column(ForeignKey("zone.id"), index=True)
    ip_addresses: Mapped[list[str]] = mapped_column(JSONType, default=list)


class Server(Versioned, Base):
    """A hosted server in a rack zone, owned by a tenant."""

    __tablename__ = "server"
    id: Mapped[int] = mapped_column(primary_key=True)
    hostname: Mapped[str] = mapped_column(String(253), unique=True)
    rack_zone_id: Mapped[int] = mapped_column(ForeignKey("zone.id"), index=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    health_data: Mapped[bool] = mapped_column(Boolean, default=False)
    ip_addresses: Mapped[list[str]] = mapped_column(JSONType, default=list)


class Person(Versioned, Base):
    """Someone who may badge: staff, contractor, visitor."""

    __tablename__ = "person"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(CODE, unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="staff")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (
        CheckConstraint("kind IN ('staff','contractor','visitor','tenant_staff')", name="kind"),
    )


class PersonGroup(Versioned, Base):
    """A named set of people that access rights can be given to."""

    __tablename__ = "person_group"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(CODE, unique=True)
    name: Mapped[str] = mapped_column(String(200))


class GroupMember(Base):
    """Membership of a person in a group."""

    __tablename__ = "group_member"
    group_id: Mapped[int] = mapped_column(
        ForeignKey("person_group.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True, index=True)


class Badge(Versioned, Base):
    """A credential; its UID is what readers send."""

    __tablename__ = "badge"
    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="active")
    valid_from: Mapped[datetime | None]
    valid_until: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint("status IN ('active','revoked','lost','suspended')", name="status"),
    )


class AccessRight(Versioned, Base):
    """A person or a group may enter a zone, on a schedule, for a validity period."""

    __tablename__ = "access_right"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("person_group.id"), index=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zone.id"), index=True)
    # [{"days": [0..6], "start": "HH:MM", "end": "HH:MM"}] in the site's timezone; [] = always.
    schedule: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    valid_from: Mapped[datetime | None]
    valid_until: Mapped[datetime | None]
    escort_required: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        CheckConstraint("(person_id IS NULL) <> (group_id IS NULL)", name="person_or_group"),
        # One right per holder and zone; NULLs never collide, so a person's rights and a
        # group's rights are each unique without a partial index.
        UniqueConstraint("person_id", "zone_id"),
        UniqueConstraint("group_id", "zone_id"),
    )
