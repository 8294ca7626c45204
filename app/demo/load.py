"""Load the demo site through the registry service, so that every row is also a fact."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from app.auth.principal import Principal
from app.demo import site
from app.topology import keys, service
from app.topology.entities import (
    ACCESS_RIGHT,
    AIRLOCK,
    BADGE,
    CAMERA,
    DOOR,
    ENTITIES,
    GROUP,
    PERSON,
    READER,
    SERVER,
    SITE,
    TENANT,
    WORKSTATION,
    ZONE,
)
from app.topology.registry import EntitySpec


@dataclass
class Loaded:
    """What the demo created: rows per entity, and each demo reader's private key (PEM)."""

    counts: dict[str, int] = field(default_factory=dict)
    reader_keys: dict[str, bytes] = field(default_factory=dict)


class _Loader:
    def __init__(self, session: Session, actor: Principal, today: datetime) -> None:
        self.session = session
        self.actor = actor
        self.today = today
        self.ids: dict[tuple[str, str], int] = {}
        self.loaded = Loaded()

    def add(self, spec: EntitySpec, key: str, **values: Any) -> int:
        data = spec.create_schema.model_validate(values)
        row: Any = service.create_entity(self.session, spec=spec, data=data, actor=self.actor)
        self.ids[spec.name, key] = row.id
        self.loaded.counts[spec.path] = self.loaded.counts.get(spec.path, 0) + 1
        return int(row.id)

    def id(self, spec: EntitySpec, key: str) -> int:
        return self.ids[spec.name, key]

    def validity(self, days: tuple[int, int] | None) -> dict[str, datetime | None]:
        if days is None:
            return {"valid_from": None, "valid_until": None}
        start, end = days
        return {
            "valid_from": self.today + timedelta(days=start),
            "valid_until": self.today + timedelta(days=end),
        }

    def places(self) -> None:
        site_id = self.add(SITE, site.SITE["code"], **site.SITE)
        for code, name, kind, parent, anti_passback in site.ZONES:
            parent_id = None if parent is None else self.id(ZONE, parent)
            self.add(
                ZONE,
                code,
                site_id=site_id,
                parent_id=parent_id,
                code=code,
                name=name,
                kind=kind,
                anti_passback=anti_passback,
            )
        for code, name, kind, from_zone, to_zone in site.DOORS:
            door_id = self.add(
                DOOR,
                code,
                code=code,
                name=name,
                kind=kind,
                from_zone_id=self.id(ZONE, from_zone),
                to_zone_id=self.id(ZONE, to_zone),
            )
            for direction in ("in", "out"):
                reader = f"R-{code}-{direction.upper()}"
                pem, public_key = keys.generate()
                self.add(
                    READER,
                    reader,
                    code=reader,
                    door_id=door_id,
                    direction=direction,
                    public_key=public_key,
                )
                self.loaded.reader_keys[reader] = pem
        code, zone, outer_door, inner_door, max_cycle_s = site.AIRLOCK
        self.add(
            AIRLOCK,
            code,
            code=code,
            zone_id=self.id(ZONE, zone),
            outer_door_id=self.id(DOOR, outer_door),
            inner_door_id=self.id(DOOR, inner_door),
            max_cycle_s=max_cycle_s,
        )

    def equipment(self) -> None:
        site_id = self.id(SITE, site.SITE["code"])
        for code, name, zone, addresses in site.WORKSTATIONS:
            self.add(
                WORKSTATION,
                code,
                code=code,
                name=name,
                zone_id=self.id(ZONE, zone),
                ip_addresses=addresses,
            )
        specs = {"zone": ZONE, "door": DOOR, "workstation": WORKSTATION}
        for code, name, covers in site.CAMERAS:
            targets = [{"kind": kind, "id": self.id(specs[kind], key)} for kind, key in covers]
            self.add(
                CAMERA,
                code,
                code=code,
                name=name,
                site_id=site_id,
                covers=targets,
                source_uri=f"rtsp://{code.lower()}.dc1.vigie.example/stream1",
            )
        for tenant in site.TENANTS:
            self.add(TENANT, tenant["code"], **tenant)
        for hostname, rack, tenant_code, health_data, addresses in site.SERVERS:
            self.add(
                SERVER,
                hostname,
                hostname=hostname,
                rack_zone_id=self.id(ZONE, rack),
                tenant_id=self.id(TENANT, tenant_code),
                health_data=health_data,
                ip_addresses=addresses,
            )

    def people(self) -> None:
        for code, full_name, organisation, kind, active in site.PEOPLE:
            self.add(
                PERSON,
                code,
                code=code,
                full_name=full_name,
                organisation=organisation,
                kind=kind,
                active=active,
            )
        for uid, holder, status, days in site.BADGES:
            self.add(
                BADGE,
                uid,
                uid=uid,
                person_id=self.id(PERSON, holder),
                status=status,
                **self.validity(days),
            )
        for code, (name, members) in site.GROUPS.items():
            self.add(
                GROUP,
                code,
                code=code,
                name=name,
                member_ids=[self.id(PERSON, member) for member in members],
            )
        holders = {"group": GROUP, "person": PERSON}
        for kind, holder, zones, schedule, days, escort in site.ACCESS_RIGHTS:
            for zone in zones:
                self.add(
                    ACCESS_RIGHT,
                    f"{holder}@{zone}",
                    zone_id=self.id(ZONE, zone),
                    schedule=schedule,
                    escort_required=escort,
                    **{f"{kind}_id": self.id(holders[kind], holder)},
                    **self.validity(days),
                )


def load_demo(session: Session, *, actor: Principal, if_empty: bool = False) -> Loaded | None:
    """Create the demo site; with `if_empty`, only when the topology has no row (else None)."""
    if if_empty and not service.is_empty(session, specs=ENTITIES):
        return None
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    loader = _Loader(session, actor, today)
    loader.places()
    loader.equipment()
    loader.people()
    return loader.loaded
