"""What a swiped badge UID stands for at the time of the swipe: holder and standing."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from app.db import Query
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


_COLUMNS = select(
    Badge.uid, Badge.id, Badge.person_id, Badge.status, Badge.valid_from, Badge.valid_until
)
# Built once, as their cache keys; PostgreSQL binds the UIDs as one array.
_BADGES = {
    "postgresql": _COLUMNS.where(Badge.uid == any_(bindparam("uids", type_=ARRAY(String)))),
    "sqlite": _COLUMNS.where(Badge.uid.in_(bindparam("uids", expanding=True))),
}


def badges_query(dialect: str, uids: Collection[str]) -> tuple[Query, dict[str, Any]]:
    """The query of the registered badges among these UIDs; `known_badges` reads its rows."""
    return _BADGES[dialect], {"uids": sorted(uids)}


def known_badges(rows: Iterable[Sequence[Any]]) -> dict[str, KnownBadge]:
    """The badges of `badges_query`'s rows, by UID; unknown UIDs are absent."""
    return {
        uid: KnownBadge(
            id=badge_id,
            person_id=person_id,
            status=status,
            valid_from=valid_from,
            valid_until=valid_until,
        )
        for uid, badge_id, person_id, status, valid_from, valid_until in rows
    }


def find_badges(session: Session, *, uids: Collection[str]) -> dict[str, KnownBadge]:
    """The registered badges among these UIDs, in one query; unknown UIDs are absent."""
    if not uids:
        return {}
    connection = session.connection()
    query, parameters = badges_query(connection.dialect.name, uids)
    return known_badges(connection.execute(query, parameters))
