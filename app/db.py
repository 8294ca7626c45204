"""Engine and session factory; one transaction per request, committed before the answer."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any

import psycopg
from sqlalchemy import Dialect, Engine, Select, Table, create_engine, event, insert
from sqlalchemy.engine import Compiled
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction, sessionmaker

from app import migrations_state
from app.config import Settings
from app.errors import VigieError


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # pysqlite's own transaction handling is disabled so that BEGIN is ours: SAVEPOINTs then
    # work (the SQLAlchemy "serializable isolation / savepoints" recipe) and every write
    # transaction takes the write lock up front (BEGIN IMMEDIATE) instead of failing with
    # SQLITE_BUSY when it upgrades a read lock.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, *, pool_size: int = 10, name: str = "vigie") -> Engine:
    """Create the engine for a URL, with the SQLite settings vigie relies on; on PostgreSQL
    its connections show `name` as their application_name (pg_stat_activity)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # No pool_pre_ping: on psycopg it is three round trips per checkout (BEGIN, SELECT 1,
    # ROLLBACK), i.e. per request: an inclusion proof went from 7 round trips to 4, a
    # single ingest post from 13 to 10. The price: after PostgreSQL restarts, the first
    # statement on a stale pooled connection fails; SQLAlchemy sees the disconnect and
    # discards every connection made before it, so each worker answers one 503 (nothing
    # stored, rolled back; app.http_errors; devices retry 5xx) and then works again.
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        connect_args={"application_name": name},
    )


def engine_from_settings(settings: Settings, *, name: str = "vigie") -> Engine:
    """The engine that the settings describe (`name`: see make_engine)."""
    if settings.database_url is None:
        settings.var_dir.mkdir(parents=True, exist_ok=True)
    return make_engine(settings.sqlalchemy_url, pool_size=settings.db_pool_size, name=name)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def read_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for routes that only read append-only data: no transaction on PostgreSQL.

    Each statement reads what is committed when it runs (autocommit), which saves the BEGIN
    and ROLLBACK round trips of a transaction: half of those of an inclusion proof. Callers
    must need no snapshot shared by their statements (the ledger's read paths ask for a
    size no larger than the one they read, and rows below it never change), and must not
    write: a write would commit at once, alone. SQLite, in process, keeps its transactions.
    """
    if engine.dialect.name != "postgresql":
        return read_only(session_factory(engine))
    return read_only(session_factory(engine.execution_options(isolation_level="AUTOCOMMIT")))


class ReadOnlySessionError(RuntimeError):
    """A write attempted through a read session: a bug in the route, never the caller's."""


def _refuse_statement(state: ORMExecuteState) -> None:
    if not state.is_select:
        raise ReadOnlySessionError(f"a read session cannot run {state.statement!r}")


def _refuse_flush(session: Session, _flush: UOWTransaction, _instances: object) -> None:
    if session.new or session.dirty or session.deleted:
        raise ReadOnlySessionError("a read session cannot write objects")


def read_only(factory: sessionmaker[Session]) -> sessionmaker[Session]:
    """A copy of the factory whose sessions refuse every write, before it reaches the driver.

    On PostgreSQL read sessions run in autocommit, where a stray write would commit at once
    and alone (a ledger append there would take its head lock in one transaction and write
    in another): the route that tries it fails loudly instead. SQLite and the tests get the
    same guard, so a misuse shows in every test run.
    """
    guarded = sessionmaker(**factory.kw)
    event.listen(guarded, "do_orm_execute", _refuse_statement)
    event.listen(guarded, "before_flush", _refuse_flush)
    return guarded


def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Yield a session, commit when the work succeeded, roll back otherwise."""
    with factory() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


# Below this many rows a plain INSERT is cheaper: COPY costs two round trips, not one.
COPY_MIN_ROWS = 8


@cache
def _copy_types(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> list[str]:
    """PostgreSQL type names of the columns, as binary COPY needs them (bigint, varchar...)."""
    return [table.c[name].type.compile(dialect=dialect).split("(")[0].lower() for name in columns]


Query = Select[*tuple[Any, ...]]
"""A SELECT whatever its columns."""


@cache
def _compiled(dialect: Dialect, statement: Query) -> Compiled:
    return statement.compile(dialect=dialect)


def select_together(
    session: Session, queries: Sequence[tuple[Query, Mapping[str, Any]]]
) -> list[list[tuple[Any, ...]]]:
    """Run SELECTs in order and return each one's rows: on PostgreSQL in one round trip
    (a psycopg pipeline; each statement still sees what committed before it started, and
    runs after the previous one, locks included), elsewhere one after the other."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return [[tuple(row) for row in connection.execute(q, p)] for q, p in queries]
    driver = connection.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    cursors = []
    with driver.pipeline():
        for query, parameters in queries:
            compiled = _compiled(connection.dialect, query)
            cursors.append(driver.execute(str(compiled), compiled.construct_params(parameters)))
    return [cursor.fetchall() for cursor in cursors]


@cache
def _unnest_insert(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> str:
    """INSERT of rows given as one array per column: one statement whatever their number."""
    names = ", ".join(dialect.identifier_preparer.quote(name) for name in columns)
    arrays = ", ".join(f"%s::{kind}[]" for kind in _copy_types(dialect, table, columns))
    # Names from vigie's own table metadata, never from a request: no injection here.
    return f"INSERT INTO {table.name} ({names}) SELECT * FROM unnest({arrays})"  # noqa: S608


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows (same keys each) in one statement: on PostgreSQL COPY, or an INSERT
    of unnested arrays for a few rows; elsewhere one executemany."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), rows)
        return
    # Values are already what the columns hold (aware UTC datetimes, bytes): skipping
    # SQLAlchemy's bind processing loses nothing.
    columns = tuple(rows[0])
    driver = connection.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)  # the only PostgreSQL driver vigie uses
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
    try:
        if len(rows) < COPY_MIN_ROWS:
            # The few rows of a group of single posts: one statement, one result, where
            # the executemany sent one per row (a group of 4 posts: 1.51 to 1.56 ms of
            # CPU instead of 1.66, measured). Same text each time: psycopg prepares it.
            statement = _unnest_insert(connection.dialect, table, columns)
            driver.execute(statement, [[row[name] for row in rows] for name in columns])
            return
        # COPY writes 500 rows 3 to 4 times faster than the pipelined executemany
        # (measured: about 12 ms against 45 ms for physical_event), and the ledger and the
        # ingest call this under the ledger head lock, which every writer waits for.
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            # Binary rows: a third of the text format's CPU and half its time for 500
            # ledger entries (measured), bytea being sent as is rather than hex-escaped.
            copy.set_types(_copy_types(connection.dialect, table, columns))
            for row in rows:
                copy.write_row([row[name] for name in columns])
    except psycopg.IntegrityError as exc:
        # Raw driver errors bypass SQLAlchemy's translation: restore it, so that a
        # constraint refusal is answered 409 like any other, not 500.
        raise IntegrityError(statement, None, exc) from exc


@contextmanager
def command_session(settings: Settings) -> Iterator[Session]:
    """One transaction on the settings' database for a CLI command; the schema must be current."""
    engine = engine_from_settings(settings)
    try:
        with engine.connect() as connection:
            if migrations_state.current(connection) != migrations_state.heads():
                raise VigieError("the database is not at the newest migration: run `vigie migrate`")
        yield from transaction(session_factory(engine))
    finally:
        engine.dispose()
