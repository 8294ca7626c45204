"""Read sessions: on PostgreSQL they run outside any transaction."""

from __future__ import annotations

from psycopg.pq import TransactionStatus
from sqlalchemy import Engine, select

from app.db import read_session_factory


def test_read_sessions_open_no_transaction_on_postgresql(engine: Engine) -> None:
    with read_session_factory(engine)() as session:
        assert session.scalar(select(1)) == 1
        driver = session.connection().connection.driver_connection
        if engine.dialect.name == "postgresql":
            assert driver.info.transaction_status == TransactionStatus.IDLE  # type: ignore[union-attr]
        else:
            assert driver.in_transaction  # type: ignore[union-attr]
