"""app.db.insert_rows: a few rows (unnested arrays) or many (COPY) on PostgreSQL, executemany
elsewhere; the same rows back, and a constraint refusal as SQLAlchemy's IntegrityError."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import COPY_MIN_ROWS, insert_rows
from app.ledger.models import LedgerEntry

TABLE = LedgerEntry.metadata.tables[LedgerEntry.__tablename__]
START = 10**12  # far beyond any index the tests' ledger reaches


def _rows(count: int, *, first: int = START) -> list[dict[str, object]]:
    moment = datetime(2026, 11, 24, 12, 0, 0, 123456, tzinfo=UTC)
    return [
        {
            "index": first + n,
            "type": f"test.kind-{n}",
            "recorded_at": moment + timedelta(seconds=n),
            "entry": None if n % 2 else bytes([n % 256]) * (n + 1),  # NULLs among bytes
            "leaf_hash": bytes([n % 256]) * 32,
        }
        for n in range(count)
    ]


def _stored(session: Session) -> list[dict[str, object]]:
    rows = session.execute(
        select(TABLE.c.index, TABLE.c.type, TABLE.c.recorded_at, TABLE.c.entry, TABLE.c.leaf_hash)
        .where(TABLE.c.index >= START)
        .order_by(TABLE.c.index)
    )
    return [
        {**row._asdict(), "recorded_at": row.recorded_at.replace(tzinfo=UTC)}  # SQLite: naive
        for row in rows
    ]


@pytest.mark.parametrize("count", [1, 3, COPY_MIN_ROWS - 1, COPY_MIN_ROWS, 50])
def test_the_rows_come_back_as_given(session: Session, count: int) -> None:
    rows = _rows(count)
    insert_rows(session, TABLE, rows)
    assert _stored(session) == rows


def test_odd_rows_all_null_in_a_column(session: Session) -> None:
    rows = [{**row, "entry": None} for row in _rows(3)]
    insert_rows(session, TABLE, rows)
    assert _stored(session) == rows


@pytest.mark.parametrize("count", [2, COPY_MIN_ROWS + 2])
def test_a_duplicate_key_is_an_integrity_error(session: Session, count: int) -> None:
    insert_rows(session, TABLE, _rows(1, first=START + count - 1))
    with pytest.raises(IntegrityError):
        insert_rows(session, TABLE, _rows(count))
