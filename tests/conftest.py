"""Shared fixtures: each database test runs on SQLite, and on PostgreSQL when configured.

The schema is built once per backend with `alembic upgrade`; each test runs inside a
transaction that is rolled back afterwards (SQLAlchemy's "joining a session into an
external transaction" recipe), so tests never see each other's rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db import make_engine
from app.main import create_app
from tests.databases import BACKENDS, migrated_database

ADMIN_TOKEN = "test-admin-token-0123456789"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
# Tests check logic, not cost: the cheapest Argon2id costs keep a login near a millisecond
# in every area's tests (the defaults cost about 200 ms).
HASH_TIME_COST = 1
HASH_MEMORY_KIB = 64
# The same costs for commands run with CliRunner, which read the environment.
CHEAP_HASHING_ENV = {
    "VIGIE_PASSWORD_HASH_TIME_COST": str(HASH_TIME_COST),
    "VIGIE_PASSWORD_HASH_MEMORY_KIB": str(HASH_MEMORY_KIB),
}


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The database backend of this run of the test."""
    return str(request.param)


@pytest.fixture(scope="session")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated to head, shared by the tests of one backend."""
    with migrated_database(backend, tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """The engine of the shared test database."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that the test never commits."""
    with engine.connect() as conn:
        outer = conn.begin()
        yield conn
        outer.rollback()


@pytest.fixture
def sessions(connection: Connection) -> sessionmaker[Session]:
    """Sessions whose commits only release savepoints of the test's transaction."""
    return sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A session for service-level tests."""
    with sessions() as s:
        yield s


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Settings pointing at the test database and a private var/ directory."""
    return Settings(
        var_dir=tmp_path / "var",
        database_url=database_url,
        admin_token=ADMIN_TOKEN,  # type: ignore[arg-type]
        checkpoint_interval_s=0,
        password_hash_time_cost=HASH_TIME_COST,
        password_hash_memory_kib=HASH_MEMORY_KIB,
        projector_interval_s=0,  # tests run the projector themselves
        alert_stream_max_s=1,  # a request reading a whole alert stream ends soon
    )


@pytest.fixture
def app(settings: Settings, sessions: sessionmaker[Session]) -> FastAPI:
    """The app wired to the test's transaction."""
    return create_app(settings, sessions=sessions)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """An HTTP client of the app; no credentials unless a test adds them."""
    with TestClient(app) as c:
        yield c
