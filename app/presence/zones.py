"""The zone tree as the presence rules need it: ancestors and anti-passback modes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.topology.models import Zone


@dataclass(frozen=True)
class ZoneTree:
    """Parents, kinds and anti-passback modes of every zone, loaded once per run."""

    parent: dict[int, int | None]
    kind: dict[int, str]
    anti_passback: dict[int, str]

    def chain(self, zone_id: int) -> list[int]:
        """The zone and every zone above it, innermost first."""
        out: list[int] = []
        current: int | None = zone_id
        while current is not None and current not in out:
            out.append(current)
            current = self.parent.get(current)
        return out

    def inside(self, zone_id: int, outer: int) -> bool:
        """Whether `zone_id` is `outer` or lies within it."""
        return outer in self.chain(zone_id)

    def crossing(self, start: int, end: int, zone_id: int) -> Literal["in", "out"] | None:
        """Whether a passage from `start` to `end` enters or leaves the zone, as presence says.

        It enters its end zone unless that zone holds the start, and leaves every zone
        around its start that does not also hold its end.
        """
        if zone_id == end and not self.inside(start, zone_id):
            return "in"
        if self.inside(start, zone_id) and not self.inside(end, zone_id):
            return "out"
        return None


def load_tree(session: Session) -> ZoneTree:
    """Every zone's parent, kind and anti-passback mode."""
    rows = session.execute(select(Zone.id, Zone.parent_id, Zone.kind, Zone.anti_passback)).all()
    return ZoneTree(
        parent={row[0]: row[1] for row in rows},
        kind={row[0]: row[2] for row in rows},
        anti_passback={row[0]: row[3] for row in rows},
    )
