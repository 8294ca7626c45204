"""Two copies of one batch committed at the same time: each event is still stored once."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.ledger import service as ledger
from app.physical import ingest, singles
from app.physical.models import PhysicalEvent
from app.physical.schemas import BATCH, BatchResult
from tests.physical.factories import make_reader, post_for, swipe


@pytest.mark.parametrize("lock_at_lookup", [True, False], ids=["IngestAuth", "service lock"])
def test_simultaneous_copies_of_a_batch_store_each_event_once(
    committed: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch, lock_at_lookup: bool
) -> None:
    with committed.begin() as session:
        code = make_reader(session).code
    body = orjson.dumps({"events": [swipe(seq) for seq in range(1, 51)]})
    events = BATCH.validate_json(body).events
    both_checked = threading.Barrier(2, timeout=5)
    real_append = ledger.append_many

    def slow_append(
        session: Session, facts: Sequence[ledger.NewFact], *, recorded_at: datetime | None = None
    ) -> list[ledger.Appended]:
        # Widen the race: hold the window between "stored before?" and the insert open.
        # A broken barrier means the other copy is blocked on the reader lock, as it should.
        with contextlib.suppress(threading.BrokenBarrierError):
            both_checked.wait(timeout=1)
        time.sleep(0.2)
        return real_append(session, facts, recorded_at=recorded_at)

    monkeypatch.setattr(ledger, "append_many", slow_append)

    def store() -> BatchResult:
        with committed.begin() as session:
            # The reader's lock comes with its lookup (as IngestAuth does) or from the service.
            post = post_for(session, code, body, lock=lock_at_lookup)
            return ingest.store_batch(session, post=post, events=events, settings=Settings())

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: store(), range(2)))

    assert sorted((r.accepted, r.duplicates) for r in results) == [(0, 50), (50, 0)]
    assert [r.index for r in results[0].results] == [r.index for r in results[1].results]
    with committed() as session:
        assert session.scalar(select(func.count()).select_from(PhysicalEvent)) == 50
        assert ledger.size(session) == 50


@pytest.mark.parametrize("path", ["/api/v1/ingest/event", "/api/v1/ingest/batch"])
def test_a_copy_that_skips_the_check_is_refused_by_the_unique_constraint(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    reader = make_reader(session)
    event = swipe(1)
    payload = event if path.endswith("event") else {"events": [event]}
    assert reader.post(client, path, payload).status_code in (200, 201)
    # As if a concurrent writer had looked before the first copy committed.
    if path.endswith("event"):
        real = singles._stored_query
        monkeypatch.setattr(singles, "_stored_query", lambda dialect, _: real(dialect, {(-1, -1)}))
    else:
        monkeypatch.setattr(ingest, "_stored", lambda *_, **__: {})
    response = reader.post(client, path, payload)
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert session.scalar(select(func.count()).select_from(PhysicalEvent)) == 1
    assert ledger.size(session) == 1
