"""Small builders of topology rows through the registry service (so facts are written too)."""

from __future__ import annotations

import base64
import itertools
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.principal import Principal, Role
from app.ledger.models import LedgerEntry
from app.ledger.service import decode
from app.topology import service
from app.topology.entities import (
    AIRLOCK,
    DOOR,
    PERSON,
    SERVER,
    SITE,
    TENANT,
    ZONE,
)
from app.topology.registry import EntitySpec
from tests.conftest import ADMIN

ACTOR = Principal(kind="user", subject="tester", role=Role.admin)
API = "/api/v1/topology"
KEY = base64.b64encode(bytes(range(32))).decode()  # a well-formed public key
_serial = itertools.count(1)


def code(prefix: str) -> str:
    """A code no other test row has."""
    return f"{prefix}-{next(_serial)}"


def create(session: Session, spec: EntitySpec, **values: Any) -> Any:
    """Create one entity from field values, as an admin would."""
    data = spec.create_schema.model_validate(values)
    return service.create_entity(session, spec=spec, data=data, actor=ACTOR)


def get(session: Session, spec: EntitySpec, entity_id: int) -> Any:
    """Read one entity."""
    return service.get_entity(session, spec=spec, entity_id=entity_id, viewer=ACTOR)


def page(session: Session, spec: EntitySpec, **query: Any) -> Any:
    """One page of a list."""
    query_model = spec.query_schema.model_validate(query)
    return service.list_entities(session, spec=spec, query=query_model, viewer=ACTOR)


def update(session: Session, spec: EntitySpec, entity_id: int, **values: Any) -> Any:
    """Change some fields of an entity, whatever its version."""
    data = spec.update_schema.model_validate(values)
    return service.update_entity(
        session, spec=spec, entity_id=entity_id, data=data, expected_version=None, actor=ACTOR
    )


def delete(session: Session, spec: EntitySpec, entity_id: int) -> None:
    """Delete an entity, whatever its version."""
    service.delete_entity(
        session, spec=spec, entity_id=entity_id, expected_version=None, actor=ACTOR
    )


def zone(session: Session, site_id: int, kind: str, parent_id: int | None = None) -> Any:
    """A zone of a kind under a parent."""
    return create(
        session, ZONE, site_id=site_id, parent_id=parent_id, code=code(kind), name=kind, kind=kind
    )


def door(session: Session, from_zone_id: int, to_zone_id: int, kind: str = "door") -> Any:
    """A door between two zones."""
    return create(
        session,
        DOOR,
        code=code("door"),
        name="a door",
        kind=kind,
        from_zone_id=from_zone_id,
        to_zone_id=to_zone_id,
    )


@dataclass(frozen=True)
class Site:
    """Ids of a small site: building > floor > lobby | airlock | hall > cage > rack."""

    id: int
    building: int
    floor: int
    lobby: int
    airlock: int
    hall: int
    cage: int
    rack: int


def site(session: Session) -> Site:
    """A site with one of each kind of zone that the rules care about."""
    site_id = create(session, SITE, code=code("site"), name="Test site").id
    building = zone(session, site_id, "building").id
    floor = zone(session, site_id, "floor", building).id
    lobby = zone(session, site_id, "room", floor).id
    airlock = zone(session, site_id, "airlock", floor).id
    hall = zone(session, site_id, "room", floor).id
    cage = zone(session, site_id, "cage", hall).id
    rack = zone(session, site_id, "rack", cage).id
    return Site(site_id, building, floor, lobby, airlock, hall, cage, rack)


def airlock(session: Session, place: Site) -> Any:
    """An airlock between the lobby and the hall of a site."""
    outer = door(session, place.lobby, place.airlock, "airlock_outer")
    inner = door(session, place.airlock, place.hall, "airlock_inner")
    return create(
        session,
        AIRLOCK,
        code=code("sas"),
        zone_id=place.airlock,
        outer_door_id=outer.id,
        inner_door_id=inner.id,
    )


def tenant(session: Session) -> Any:
    """A hosted hospital."""
    return create(session, TENANT, code=code("tenant"), name="Hospital")


def server(session: Session, rack_zone_id: int, tenant_id: int) -> Any:
    """A server in a rack."""
    hostname = f"{code('srv').lower()}.example"
    return create(
        session, SERVER, hostname=hostname, rack_zone_id=rack_zone_id, tenant_id=tenant_id
    )


def person(session: Session, **values: Any) -> Any:
    """A member of staff."""
    return create(session, PERSON, code=code("p"), full_name="Ada Lovelace", **values)


def facts(session: Session, prefix: str = "topology.") -> list[dict[str, Any]]:
    """The facts whose type starts with `prefix`, oldest first."""
    query = (
        select(LedgerEntry).where(LedgerEntry.type.startswith(prefix)).order_by(LedgerEntry.index)
    )
    return [fact for entry in session.scalars(query) if (fact := decode(entry)) is not None]


def post(client: TestClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """Create an entity over HTTP as the admin; it must succeed."""
    answer = client.post(f"{API}/{path}", json=body, headers=ADMIN)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())
