"""Request and response shapes of the topology registry.

Each entity has one `<Entity>Create` model naming its fields and their rules; the update
model (every field optional) and the read model (plus id and version) are derived from it
by app.topology.registry, so a rule is written once. Field names are the column names.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from typing import Annotated, Any, Generic, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
)

MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL; larger ones are refused, not a 500

EntityId = Annotated[int, Field(ge=1, le=MAX_ID)]
Code = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")
]
# Printable text: control characters (NUL above all, which PostgreSQL refuses) are not.
Name = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$"
    ),
]
BadgeUid = Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z:_-]{1,64}$")]
HHMM = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]

_HOST_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


def _unique(items: list[Any]) -> list[Any]:
    if len(set(map(repr, items))) != len(items):
        raise ValueError("items must not repeat")
    return items


def _ip(text: str) -> str:
    return str(ipaddress.ip_address(text))


def _hostname(text: str) -> str:
    name = text.lower().rstrip(".")
    if not 0 < len(name) <= 253 or not all(map(_HOST_LABEL.match, name.split("."))):
        raise ValueError("not a valid host name (RFC 1123)")
    return name


def _timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc
    return name


def _public_key(value: object) -> object:
    # JSON brings base64 text; rows read back from the database bring the raw bytes.
    if isinstance(value, str):
        try:
            value = base64.b64decode(value, validate=True)
        except binascii.Error as exc:
            raise ValueError("public_key must be base64") from exc
    if isinstance(value, bytes) and len(value) != 32:
        raise ValueError("public_key must be the 32 raw bytes of an Ed25519 key")
    return value


IPAddress = Annotated[str, StringConstraints(max_length=64), AfterValidator(_ip)]
IPAddresses = Annotated[list[IPAddress], Field(max_length=16), AfterValidator(_unique)]
Hostname = Annotated[str, StringConstraints(max_length=254), AfterValidator(_hostname)]
TimeZone = Annotated[str, StringConstraints(max_length=64), AfterValidator(_timezone)]
PublicKey = Annotated[
    bytes,
    BeforeValidator(_public_key),
    PlainSerializer(lambda raw: base64.b64encode(raw).decode(), return_type=str, when_used="json"),
    Field(description="Raw 32-byte Ed25519 public key, base64."),
]

ZoneKind = Literal["outside", "building", "floor", "room", "airlock", "cage", "rack", "area"]
DoorKind = Literal["door", "airlock_outer", "airlock_inner", "rack_door", "turnstile"]
PersonKind = Literal["staff", "contractor", "visitor", "tenant_staff"]
BadgeStatus = Literal["active", "revoked", "lost", "suspended"]


class Input(BaseModel):
    """Base of the request models: unknown fields are refused, not ignored."""

    model_config = ConfigDict(extra="forbid")


class TenantCreate(Input):
    code: Code
    name: Name


class SiteCreate(Input):
    code: Code
    name: Name
    timezone: TimeZone = "Europe/Paris"


class ZoneCreate(Input):
    site_id: EntityId
    parent_id: EntityId | None = None
    code: Code
    name: Name
    kind: ZoneKind
    anti_passback: Literal["off", "alert", "deny"] = "off"


class DoorCreate(Input):
    code: Code
    name: Name
    kind: DoorKind = "door"
    from_zone_id: EntityId = Field(description="Entering through the door goes from here ...")
    to_zone_id: EntityId = Field(description="... to here.")


class ReaderCreate(Input):
    code: Code
    door_id: EntityId
    direction: Literal["in", "out"]
    public_key: PublicKey | None = None
    enabled: bool = True


class AirlockCreate(Input):
    code: Code
    zone_id: EntityId
    outer_door_id: EntityId
    inner_door_id: EntityId
    max_cycle_s: int = Field(120, ge=1, le=3600)


class Target(Input):
    """Something a camera sees."""

    kind: Literal["zone", "door", "workstation"]
    id: EntityId


def _sorted_targets(targets: list[Target]) -> list[Target]:
    return sorted(_unique(targets), key=lambda t: (t.kind, t.id))


class CameraCreate(Input):
    code: Code
    name: Name
    site_id: EntityId
    source_uri: (
        Annotated[str, StringConstraints(max_length=500, pattern=r"^[^\x00-\x20\x7f]+$")] | None
    ) = None
    covers: Annotated[list[Target], Field(max_length=200), AfterValidator(_sorted_targets)] = []


class WorkstationCreate(Input):
    code: Code
    name: Name
    zone_id: EntityId
    ip_addresses: IPAddresses = []


class ServerCreate(Input):
    hostname: Hostname
    rack_zone_id: EntityId
    tenant_id: EntityId
    health_data: bool = False
    ip_addresses: IPAddresses = []


class PersonCreate(Input):
    code: Code
    full_name: Name
    organisation: Name | None = None
    kind: PersonKind = "staff"
    active: bool = True


class GroupCreate(Input):
    code: Code
    name: Name
    member_ids: Annotated[list[EntityId], Field(max_length=10_000), AfterValidator(_unique)] = []


class BadgeCreate(Input):
    uid: BadgeUid
    person_id: EntityId | None = None
    status: BadgeStatus = "active"
    valid_from: AwareDatetime | None = None
    valid_until: AwareDatetime | None = None


class Window(Input):
    """Weekdays (0 = Monday) and a time span in the site's time zone; an end before the
    start crosses midnight (the window belongs to the day it starts)."""

    days: Annotated[
        list[Annotated[int, Field(ge=0, le=6)]], Field(min_length=1), AfterValidator(_unique)
    ]
    start: HHMM
    end: HHMM


def _windows(windows: list[Window]) -> list[Window]:
    for window in windows:
        if window.start == window.end:
            raise ValueError("a window must not start and end at the same minute")
    return windows


class AccessRightCreate(Input):
    person_id: EntityId | None = Field(None, description="Exactly one of person_id, group_id.")
    group_id: EntityId | None = None
    zone_id: EntityId
    schedule: Annotated[list[Window], Field(max_length=14), AfterValidator(_windows)] = Field(
        [], description="Empty means at any time."
    )
    valid_from: AwareDatetime | None = None
    valid_until: AwareDatetime | None = None
    escort_required: bool = False


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list, oldest first; pass next_after_id as after_id for the next."""

    items: list[T]
    next_after_id: int | None
