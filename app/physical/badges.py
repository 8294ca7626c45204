"""What a swiped badge UID stands for at the time of the swipe: holder and standing."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from app.topology.models import Badge


@dataclass(frozen=True)
class KnownBadge:
    """The registry's record of a badge."""

    id: int
    person_id: int | None
    status: str  # active | revoked | lost | suspended
    valid_from: datetime | None
    valid_until: datetime | None

    def standing_at(self, moment: datetime) -> str:
        """valid, or why not: revoked, lost, suspended, expired, not_yet_valid."""
        if self.status != "active":
            return self.status
        if self.valid_from is not None and moment < self.valid_from:
            return "not_yet_valid"
        if self.valid_until is not None and moment >= self.valid_until:
            return "expired"
        return "valid"


_BADGES = select(
    Badge.uid, Badge.id, Badge.person_id, Badge.status, Badge.valid_from, Badge.valid_until
).where(Badge.uid.in_(bindparam("uids", expanding=True)))  # built once, as its cache key


def find_badges(session: Session, *, uids: Collection[str]) -> dict[str, KnownBadge]:
    """The registered badges among these UIDs, in one query; unknown UIDs are absent."""
    if not uids:
        return {}
    rows = session.connection().execute(_BADGES, {"uids": list(uids)})
    return {
        row.uid: KnownBadge(
            id=row.id,
            person_id=row.person_id,
            status=row.status,
            valid_from=row.valid_from,
            valid_until=row.valid_until,
        )
        for row in rows
    }
