"""The background checkpointer signs while the log grows, and only when it grows."""

from __future__ import annotations

import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db import make_engine, session_factory
from app.ledger import checkpoints
from app.ledger.checkpointer import Checkpointer
from app.ledger.note import Signer
from app.main import create_app
from tests.conftest import ADMIN_TOKEN
from tests.databases import migrated_database
from tests.ledger.factories import append_facts


def test_tick_signs_only_a_grown_log(sessions: sessionmaker[Session], session: Session) -> None:
    signer = Signer("vigie.test/log", Ed25519PrivateKey.generate())
    checkpointer = Checkpointer(sessions, signer, interval_s=3600)
    append_facts(session, 5)
    checkpointer.tick()
    checkpointer.tick()
    append_facts(session, 2)
    checkpointer.tick()
    assert [c.size for c in checkpoints.every(session)] == [5, 7]


def test_the_app_runs_the_checkpointer_only_when_an_interval_is_set(
    backend: str, tmp_path: Path
) -> None:
    with migrated_database(backend, tmp_path) as url:
        engine = make_engine(url)
        sessions = session_factory(engine)
        with sessions.begin() as session:
            append_facts(session, 3)
        try:
            for interval, expected in [(0, []), (0.05, [3])]:
                settings = Settings(
                    var_dir=tmp_path / "var",
                    database_url=url,
                    admin_token=ADMIN_TOKEN,  # type: ignore[arg-type]
                    checkpoint_interval_s=interval,
                )
                with TestClient(create_app(settings)):
                    time.sleep(0.5)
                with sessions() as session:
                    assert [c.size for c in checkpoints.every(session)] == expected
        finally:
            engine.dispose()
