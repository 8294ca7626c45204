"""Ingest: every (reader, seq) stored once, all or nothing, with clear refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import orjson
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.ledger import service as ledger
from app.main import create_app
from app.physical.models import PhysicalEvent
from tests.physical.factories import door_event, heartbeat, make_reader, swipe
from tests.physical.test_signatures import BATCH, EVENT, stored


def rows(session: Session) -> list[PhysicalEvent]:
    return list(session.scalars(select(PhysicalEvent).order_by(PhysicalEvent.seq)))


def test_single_event_is_stored_with_its_fact(client: TestClient, session: Session) -> None:
    reader = make_reader(session)
    response = reader.post(client, EVENT, door_event(7, "forced"))
    assert response.status_code == 201
    assert response.json() == {"seq": 7, "status": "accepted", "index": 0}
    fact = ledger.decode(ledger.get(session, 0))
    assert fact is not None
    assert fact["type"] == "door.event"
    assert fact["actor"] == {"kind": "device", "subject": reader.code, "role": "device"}
    assert fact["body"]["state"] == "forced"
    assert fact["body"]["reader"] == reader.code
    assert fact["body"]["door"] == reader.door.code
    [row] = rows(session)
    assert (row.kind, row.seq, row.state, row.ledger_index) == ("door", 7, "forced", 0)
    assert row.zone_id == reader.door.to_zone_id


def test_repeated_single_event_is_a_duplicate(client: TestClient, session: Session) -> None:
    reader = make_reader(session)
    event = heartbeat(1)
    assert reader.post(client, EVENT, event).status_code == 201
    again = reader.post(client, EVENT, event)
    assert again.status_code == 200
    assert again.json() == {"seq": 1, "status": "duplicate", "index": 0}
    assert stored(session) == (1, 1)


def test_same_instant_with_another_offset_is_a_duplicate(
    client: TestClient, session: Session
) -> None:
    reader = make_reader(session)
    moment = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    assert reader.post(client, EVENT, heartbeat(1, at=moment)).status_code == 201
    paris = moment.astimezone(timezone(timedelta(hours=1)))
    assert reader.post(client, EVENT, heartbeat(1, at=paris)).json()["status"] == "duplicate"


def test_batch_is_stored_in_order_and_a_retry_stores_nothing_twice(
    client: TestClient, session: Session
) -> None:
    reader = make_reader(session)
    batch = {"events": [swipe(1), door_event(2), heartbeat(3), swipe(4, "UID:9")]}
    first = reader.post(client, BATCH, batch)
    assert first.status_code == 200
    assert first.json()["accepted"] == 4
    assert [r["index"] for r in first.json()["results"]] == [0, 1, 2, 3]
    retry = reader.post(client, BATCH, batch)
    assert retry.status_code == 200
    assert retry.json() == {
        "accepted": 0,
        "duplicates": 4,
        "results": [{"seq": s, "status": "duplicate", "index": s - 1} for s in (1, 2, 3, 4)],
    }
    assert stored(session) == (4, 4)


def test_batch_mixing_new_and_stored_events(client: TestClient, session: Session) -> None:
    reader = make_reader(session)
    old = swipe(1)
    reader.post(client, EVENT, old)
    response = reader.post(client, BATCH, {"events": [old, swipe(2)]})
    assert [r["status"] for r in response.json()["results"]] == ["duplicate", "accepted"]
    assert stored(session) == (2, 2)


def test_same_event_twice_in_one_batch_is_stored_once(client: TestClient, session: Session) -> None:
    reader = make_reader(session)
    event = swipe(5)
    response = reader.post(client, BATCH, {"events": [event, event]})
    assert response.json()["results"] == [
        {"seq": 5, "status": "accepted", "index": 0},
        {"seq": 5, "status": "duplicate", "index": 0},
    ]
    assert stored(session) == (1, 1)


def test_seq_reused_with_other_content_is_a_conflict_and_nothing_is_stored(
    client: TestClient, session: Session
) -> None:
    reader = make_reader(session)
    original = swipe(1, "UID:1")
    reader.post(client, EVENT, original)
    response = reader.post(client, BATCH, {"events": [swipe(2), swipe(1, "UID:2"), swipe(3)]})
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert response.json()["details"] == {"seqs": [1]}
    assert stored(session) == (1, 1)
    assert rows(session)[0].badge_uid == "UID:1"
    single = reader.post(client, EVENT, swipe(1, "UID:3"))
    assert single.status_code == 409


def test_seq_twice_in_one_batch_with_other_content_is_invalid(
    client: TestClient, session: Session
) -> None:
    reader = make_reader(session)
    response = reader.post(client, BATCH, {"events": [swipe(1, "UID:1"), swipe(1, "UID:2")]})
    assert response.status_code == 422
    assert "twice" in response.json()["detail"]
    assert stored(session) == (0, 0)


def test_same_seq_from_two_readers_are_two_events(client: TestClient, session: Session) -> None:
    first, second = make_reader(session), make_reader(session)
    assert first.post(client, EVENT, swipe(1)).status_code == 201
    assert second.post(client, EVENT, swipe(1)).status_code == 201


def test_malformed_json_is_invalid(client: TestClient, session: Session) -> None:
    reader = make_reader(session)
    for body in (b"{not json", b"", b"[]", b'{"events": "no"}'):
        for path in (EVENT, BATCH):
            response = reader.post(client, path, body)
            assert response.status_code == 422, (path, body, response.text)
            assert response.json()["code"] == "invalid"
    assert stored(session) == (0, 0)


def test_wrong_types_are_invalid(client: TestClient, session: Session) -> None:
    reader = make_reader(session)
    now = datetime.now(UTC)
    wrong = [
        {**swipe(1), "seq": "1"},
        swipe(-1),
        swipe(2**63),
        swipe(1, "bad uid with spaces"),
        swipe(1, "x" * 65),
        swipe(1, result="maybe"),
        swipe(1, reason="bored"),
        swipe(1, extra_field=True),
        {**swipe(1), "occurred_at": now.timestamp()},
        {**swipe(1), "occurred_at": "yesterday"},
        {**swipe(1), "kind": "teleport"},
        door_event(1, "ajar"),
        heartbeat(1, queue_depth=-1),
        heartbeat(1, firmware="f" * 65),
        {"seq": 1, "occurred_at": now.isoformat()},
    ]
    for event in wrong:
        response = reader.post(client, EVENT, event)
        assert response.status_code == 422, (event, response.text)
        assert response.json()["details"], event
    assert stored(session) == (0, 0)


def test_naive_time_is_invalid(client: TestClient, session: Session) -> None:
    reader = make_reader(session)
    naive = {**swipe(1), "occurred_at": "2026-11-24T08:00:00"}
    response = reader.post(client, BATCH, {"events": [swipe(2), naive]})
    assert response.status_code == 422
    assert response.json()["details"][0]["type"] == "timezone_aware"
    assert stored(session) == (0, 0)


def test_far_future_time_is_invalid(client: TestClient, session: Session) -> None:
    reader = make_reader(session)
    later = datetime.now(UTC) + timedelta(seconds=400)
    response = reader.post(client, BATCH, {"events": [swipe(1), swipe(2, at=later)]})
    assert response.status_code == 422
    assert "ahead of server time" in response.json()["detail"]
    assert stored(session) == (0, 0)


def test_timestamp_outside_utc_range_is_invalid(client: TestClient, session: Session) -> None:
    reader = make_reader(session)
    response = reader.post(client, EVENT, {**swipe(1), "occurred_at": "0001-01-01T00:00:00+05:00"})
    assert response.status_code == 422


def test_empty_and_oversized_batches_are_invalid(client: TestClient, session: Session) -> None:
    reader = make_reader(session)
    assert reader.post(client, BATCH, {"events": []}).status_code == 422
    too_many = {"events": [heartbeat(seq) for seq in range(1001)]}
    response = reader.post(client, BATCH, too_many)
    assert response.status_code == 422
    assert "at most 1000" in response.json()["detail"]
    assert stored(session) == (0, 0)


def test_body_over_the_byte_limit_is_too_large(
    tmp_path: Path, database_url: str, sessions: sessionmaker[Session], session: Session
) -> None:
    settings = Settings(var_dir=tmp_path, database_url=database_url, max_body_bytes=4096)
    reader = make_reader(session)
    with TestClient(create_app(settings, sessions=sessions)) as client:
        big = {"events": [heartbeat(seq) for seq in range(100)]}
        assert len(orjson.dumps(big)) > 4096
        response = reader.post(client, BATCH, big)
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert stored(session) == (0, 0)


def test_door_event_for_another_door_is_forbidden(client: TestClient, session: Session) -> None:
    reader, other = make_reader(session), make_reader(session)
    own = reader.post(client, EVENT, door_event(1, door=reader.door.code))
    assert own.status_code == 201
    response = reader.post(
        client, BATCH, {"events": [swipe(2), door_event(3, door=other.door.code)]}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert stored(session) == (1, 1)


def test_device_clock_skew_is_kept_and_flagged(client: TestClient, session: Session) -> None:
    reader, punctual = make_reader(session), make_reader(session)
    created = datetime.now(UTC) - timedelta(seconds=120)
    assert reader.post(client, EVENT, swipe(1), created=created).status_code == 201
    assert punctual.post(client, EVENT, swipe(1)).status_code == 201
    late, on_time = (
        session.scalars(select(PhysicalEvent).where(PhysicalEvent.reader_id == r.row.id)).one()
        for r in (reader, punctual)
    )
    assert late.clock_skew is True
    assert 119_000 <= late.skew_ms <= 125_000
    assert on_time.clock_skew is False
    assert abs(on_time.skew_ms) < 5_000
    assert late.received_at - late.occurred_at < timedelta(seconds=5)
    fact = ledger.decode(ledger.get(session, late.ledger_index))
    assert fact is not None
    assert fact["body"]["clock_skew"] is True
    assert fact["body"]["skew_ms"] == late.skew_ms
