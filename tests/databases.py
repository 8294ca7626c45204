"""Test databases: a SQLite file always, a throwaway PostgreSQL database when configured."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from app import migrations_state
from app.db import make_engine

POSTGRES_URL = os.environ.get("VIGIE_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]


@contextmanager
def scratch_database(backend: str, directory: Path) -> Iterator[str]:
    """A new, empty database of the backend, dropped afterwards; yields its URL."""
    if backend == "sqlite":
        yield f"sqlite:///{directory / f'vigie-{uuid.uuid4().hex[:8]}.db'}"
        return
    assert POSTGRES_URL, "VIGIE_TEST_POSTGRES_URL is not set"
    name = f"vigie_test_{uuid.uuid4().hex[:12]}"
    # Connecting fails loudly when PostgreSQL is down: CI must fail, never skip.
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def migrated_database(backend: str, directory: Path) -> Iterator[str]:
    """A scratch database upgraded to the newest migration; yields its URL."""
    with scratch_database(backend, directory) as url:
        engine = make_engine(url)
        try:
            migrations_state.upgrade(engine)
        finally:
            engine.dispose()
        yield url
