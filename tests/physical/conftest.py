"""Fixtures of the physical area's tests that need real commits."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.db import make_engine, session_factory
from tests.databases import migrated_database


@pytest.fixture
def committed(backend: str, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """Sessions on a database of its own, whose commits are real."""
    with migrated_database(backend, tmp_path) as url:
        engine: Engine = make_engine(url)
        try:
            yield session_factory(engine)
        finally:
            engine.dispose()
