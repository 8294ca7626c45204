"""Keyset pages, newest first: the listing pattern of alerts, passages and reads of evidence."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute, Session

T = TypeVar("T")


def newest_first(
    session: Session,
    stmt: Select[T],
    *,
    key: InstrumentedAttribute[Any],
    before: int | None,
    limit: int,
) -> tuple[Sequence[T], bool]:
    """Up to `limit` rows of `stmt` with `key` below `before`, by `key` descending, and
    whether more follow (one row more is read to know it, never a count)."""
    if before is not None:
        stmt = stmt.where(key < before)
    rows = session.scalars(stmt.order_by(key.desc()).limit(limit + 1)).all()
    return rows[:limit], len(rows) > limit
