"""A worker stores at most `batch_writers` batches at once; the others wait their turn."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.main import create_app
from app.physical import ingest
from app.physical.models import PhysicalEvent
from tests.physical.factories import make_reader, swipe

BATCHES = 3


@pytest.mark.parametrize("writers", [1, BATCHES])
def test_concurrent_batches_are_stored_at_most_batch_writers_at_once(
    committed: sessionmaker[Session],
    settings: Settings,
    backend: str,
    monkeypatch: pytest.MonkeyPatch,
    writers: int,
) -> None:
    with committed.begin() as session:
        readers = [make_reader(session) for _ in range(BATCHES)]
    running: list[int] = []
    most = 0
    guard = threading.Lock()
    store = ingest.store_batch

    def watched(*args: Any, **kwargs: Any) -> Any:
        nonlocal most
        with guard:
            running.append(1)
            most = max(most, len(running))
        time.sleep(0.3)  # long enough for the other requests to arrive meanwhile
        try:
            return store(*args, **kwargs)
        finally:
            with guard:
                running.pop()

    monkeypatch.setattr(ingest, "store_batch", watched)
    app = create_app(settings.model_copy(update={"batch_writers": writers}), sessions=committed)
    payload = {"events": [swipe(1), swipe(2)]}
    with TestClient(app) as client, ThreadPoolExecutor(BATCHES) as pool:
        answers = list(pool.map(lambda r: r.post(client, "/api/v1/ingest/batch", payload), readers))
    assert [(a.status_code, a.json()["accepted"]) for a in answers] == [(200, 2)] * BATCHES
    with committed() as session:
        assert session.scalar(select(func.count()).select_from(PhysicalEvent)) == 2 * BATCHES
    # SQLite takes its write lock at each request's first statement (the reader's
    # lookup): its batches never overlap, whatever the gate lets through.
    assert most == (writers if backend == "postgresql" else 1)
