"""A reader that events name cannot be deleted, though physical_event has no foreign key."""

from __future__ import annotations

import threading
import time

import orjson
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.errors import Conflict
from app.physical import ingest
from app.physical.schemas import BATCH
from app.topology.entities import READER
from app.topology.models import Reader
from tests.physical.factories import make_reader, post_for, swipe
from tests.topology import factories as f


def test_deleting_a_reader_with_events_answers_409_naming_them(session: Session) -> None:
    reader = make_reader(session)
    body = orjson.dumps({"events": [swipe(1), swipe(2)]})
    post = post_for(session, reader.code, body)
    ingest.store_batch(
        session, post=post, events=BATCH.validate_json(body).events, settings=Settings()
    )
    with pytest.raises(Conflict) as refused:
        f.delete(session, READER, reader.row.id)
    assert refused.value.details == {"referenced_by": {"physical_event.reader_id": 2}}
    assert session.get(Reader, reader.row.id) is not None


def test_a_delete_waits_for_a_batch_in_flight_then_counts_its_events(
    committed: sessionmaker[Session], backend: str
) -> None:
    with committed.begin() as session:
        reader = make_reader(session)
    body = orjson.dumps({"events": [swipe(1)]})
    stored = threading.Event()
    outcome: list[object] = []

    def delete() -> None:
        stored.wait(5)
        try:
            with committed.begin() as session:
                f.delete(session, READER, reader.row.id)
            outcome.append("deleted")
        except Conflict as exc:
            outcome.append(exc.details)

    deleter = threading.Thread(target=delete)
    deleter.start()
    with committed.begin() as session:
        # As the batch endpoint does: its lookup locks the reader's row.
        post = post_for(session, reader.code, body, lock=True)
        ingest.store_batch(
            session, post=post, events=BATCH.validate_json(body).events, settings=Settings()
        )
        stored.set()
        time.sleep(0.3)  # the delete has started meanwhile (PostgreSQL: it waits)
        assert outcome == []
    deleter.join(10)
    # SQLite: the delete's transaction waited for the write lock, the same outcome.
    assert outcome == [{"referenced_by": {"physical_event.reader_id": 1}}]
    with committed() as session:
        assert session.scalar(select(func.count()).select_from(Reader)) >= 1
        assert session.get(Reader, reader.row.id) is not None
