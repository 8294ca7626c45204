"""Read sessions: on PostgreSQL they run outside any transaction, and never write."""

from __future__ import annotations

import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.db import ReadOnlySessionError, read_only, read_session_factory
from app.topology.models import Tenant


def test_read_sessions_open_no_transaction_on_postgresql(engine: Engine) -> None:
    with read_session_factory(engine)() as session:
        assert session.scalar(select(1)) == 1
        driver = session.connection().connection.driver_connection
        if engine.dialect.name == "postgresql":
            assert driver.info.transaction_status == TransactionStatus.IDLE  # type: ignore[union-attr]
        else:
            assert driver.in_transaction  # type: ignore[union-attr]


def test_read_sessions_refuse_writes_before_they_reach_the_database(engine: Engine) -> None:
    """A route that writes through a read session fails loudly, and nothing is stored
    (on PostgreSQL the write would otherwise commit at once, alone)."""
    factory = read_session_factory(engine)
    before = _tenant_count(engine)
    with factory() as session, pytest.raises(ReadOnlySessionError):
        session.execute(insert(Tenant), [{"code": "RO-1", "name": "read only"}])
    with factory() as session, pytest.raises(ReadOnlySessionError):
        session.add(Tenant(code="RO-2", name="read only"))
        session.flush()
    with factory() as session, pytest.raises(ReadOnlySessionError):
        session.execute(update(Tenant).values(name="renamed"))
    assert _tenant_count(engine) == before


def test_the_apps_read_sessions_in_tests_are_guarded_too(
    sessions: sessionmaker[Session],
) -> None:
    guarded = read_only(sessions)
    with guarded() as session:
        assert session.scalar(select(1)) == 1
        with pytest.raises(ReadOnlySessionError):
            session.execute(insert(Tenant), [{"code": "RO-3", "name": "read only"}])


def _tenant_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(Tenant)) or 0)
