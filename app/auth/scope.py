"""Tenant scope: the one place that limits a query to the rows a principal may see.

Every query that reads scoped data goes through `scoped(stmt, Model, principal)`. Staff
roles see everything; a tenant auditor sees the rows RULES selects for their tenant, and
nothing of a model without a rule (deny by default), so a table added later stays hidden
from tenants until its area writes its rule here.

What a tenant sees: its servers; the zones that hold their racks, up to the building; the
doors, readers, airlocks and cameras at the zones where a person can reach those racks
(room, cage, rack: buildings and floors are shared by every tenant, so their doors would
show everyone's comings and goings); the physical events recorded at those doors; the
people who hold an access right there or were identified by a swipe at those doors; the
passages through those doors, the stays in the reach zones, the cycles of the airlocks at
those doors, and the alerts whose every place (door, reader, zone, airlock) is one of them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from functools import cached_property
from typing import Any, TypeVarTuple

from sqlalchemy import CTE, ColumnElement, Select, and_, false, inspect, or_, select, union
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from app.alerts.models import Alert
from app.auth.principal import Principal, Role
from app.physical.models import PhysicalEvent
from app.physical.seen_at_door import PersonSeenAtDoor
from app.presence.models import AirlockCycle, Passage, PresenceInterval
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
    Zone,
)

Ts = TypeVarTuple("Ts")

# Roles that see every row; any other role (tenant auditor aside) sees none.
STAFF = frozenset({Role.admin, Role.security, Role.auditor})
REACH_KINDS = ("room", "cage", "rack")


class TenantView:
    """Subqueries naming what one tenant may see, built once per statement."""

    def __init__(self, tenant_id: int) -> None:
        self.tenant_id = tenant_id

    @cached_property
    def zones(self) -> CTE:
        """The racks of the tenant's servers and every zone above them."""
        racks = select(Zone.id, Zone.parent_id).where(
            Zone.id.in_(select(Server.rack_zone_id).where(Server.tenant_id == self.tenant_id))
        )
        tree = racks.cte("tenant_zones", recursive=True)
        parent = aliased(Zone)
        return tree.union(
            select(parent.id, parent.parent_id).join(tree, parent.id == tree.c.parent_id)
        )

    @cached_property
    def reach_zones(self) -> Select[int]:
        """The tenant's zones from which its racks can be reached."""
        return select(Zone.id).where(
            Zone.id.in_(select(self.zones.c.id)), Zone.kind.in_(REACH_KINDS)
        )

    @cached_property
    def doors(self) -> Select[int]:
        """Doors into the reach zones (their readers also record the exits)."""
        return select(Door.id).where(Door.to_zone_id.in_(self.reach_zones))

    @cached_property
    def readers(self) -> Select[int]:
        """Readers at the tenant's doors."""
        return select(Reader.id).where(Reader.door_id.in_(self.doors))

    @cached_property
    def airlocks(self) -> Select[int]:
        """Airlocks with a door into a reach zone."""
        return select(Airlock.id).where(
            or_(Airlock.inner_door_id.in_(self.doors), Airlock.outer_door_id.in_(self.doors))
        )

    @cached_property
    def groups(self) -> Select[int | None]:
        """Groups holding an access right to a reach zone."""
        return select(AccessRight.group_id).where(AccessRight.zone_id.in_(self.reach_zones))

    @cached_property
    def people(self) -> Any:
        """People with an access right to a reach zone (directly or through a group), and
        people whose badge was swiped at the tenant's doors, granted or denied.

        The swipes matter most: someone who tried a door of the tenant's without a right is
        exactly who the tenant must be able to name.
        """
        direct = select(AccessRight.person_id).where(AccessRight.zone_id.in_(self.reach_zones))
        grouped = select(GroupMember.person_id).where(GroupMember.group_id.in_(self.groups))
        # One row per (door, person), kept by a trigger: not a scan of every event.
        seen = select(PersonSeenAtDoor.person_id).where(PersonSeenAtDoor.door_id.in_(self.doors))
        return union(direct, grouped, seen)


Rule = Callable[[TenantView], ColumnElement[bool]]


def _alert_rule(v: TenantView) -> ColumnElement[bool]:
    """Alerts placed at the tenant's doors, readers, reach zones or airlocks, and nowhere else.

    Every place an alert names must be the tenant's: an anti-passback alert in a room two
    tenants share, raised at the other tenant's rack door, concerns that tenant only. An
    alert naming no place (none does today) is tied to no server: hidden.
    """
    places: list[tuple[InstrumentedAttribute[int | None], Select[Any]]] = [
        (Alert.door_id, v.doors),
        (Alert.reader_id, v.readers),
        (Alert.zone_id, v.reach_zones),
        (Alert.airlock_id, v.airlocks),
    ]
    return and_(
        or_(*(column.is_not(None) for column, _ in places)),
        *(or_(column.is_(None), column.in_(ids)) for column, ids in places),
    )


RULES: dict[type[Any], Rule] = {
    Tenant: lambda v: Tenant.id == v.tenant_id,
    Server: lambda v: Server.tenant_id == v.tenant_id,
    Zone: lambda v: Zone.id.in_(select(v.zones.c.id)),
    Site: lambda v: Site.id.in_(select(Zone.site_id).where(Zone.id.in_(select(v.zones.c.id)))),
    Door: lambda v: Door.id.in_(v.doors),
    Reader: lambda v: Reader.door_id.in_(v.doors),
    Airlock: lambda v: Airlock.id.in_(v.airlocks),
    CameraCoverage: lambda v: or_(
        CameraCoverage.zone_id.in_(v.reach_zones), CameraCoverage.door_id.in_(v.doors)
    ),
    Camera: lambda v: Camera.id.in_(
        select(CameraCoverage.camera_id).where(RULES[CameraCoverage](v))
    ),
    AccessRight: lambda v: AccessRight.zone_id.in_(v.reach_zones),
    PersonGroup: lambda v: PersonGroup.id.in_(v.groups),
    GroupMember: lambda v: GroupMember.group_id.in_(v.groups),
    Person: lambda v: Person.id.in_(v.people),
    Badge: lambda v: Badge.person_id.in_(v.people),
    PhysicalEvent: lambda v: PhysicalEvent.door_id.in_(v.doors),
    Passage: lambda v: Passage.door_id.in_(v.doors),
    PresenceInterval: lambda v: PresenceInterval.zone_id.in_(v.reach_zones),
    AirlockCycle: lambda v: AirlockCycle.airlock_id.in_(v.airlocks),
    Alert: _alert_rule,
}


def scoped(stmt: Select[*Ts], model: type[Any], principal: Principal) -> Select[*Ts]:
    """`stmt` (a select over `model`) limited to the rows of `model` the principal may see."""
    if principal.role in STAFF:
        return stmt
    rule = RULES.get(model)
    if principal.role is not Role.tenant_auditor or principal.tenant_id is None or rule is None:
        return stmt.where(false())
    return stmt.where(rule(TenantView(principal.tenant_id)))


def visible_ids(
    session: Session, model: type[Any], ids: Collection[int], principal: Principal
) -> set[int]:
    """Those of `ids` (primary keys of `model`) naming rows the principal may see.

    For ids a read model carries without a foreign key (the people of an airlock cycle):
    staff get them all back, deleted rows included, without a query.
    """
    if principal.role in STAFF or not ids:
        return set(ids)
    [key] = inspect(model).primary_key
    return set(session.scalars(scoped(select(key).where(key.in_(ids)), model, principal)))
