"""ReaderClient against a tiny real HTTP server that verifies every signature it receives."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from badge_readers.client import ReaderClient, ReaderRejected, ServerUnavailable
from tests.badge_readers.factories import swipe, swipes
from tests.badge_readers.fake_ingest import FakeIngest

READER = "RD-TEST-IN"


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def server(key: Ed25519PrivateKey) -> Iterator[FakeIngest]:
    fake = FakeIngest({READER: key.public_key()}).start()
    yield fake
    fake.stop()


def make_client(
    url: str,
    key: Ed25519PrivateKey,
    tmp_path: Path,
    *,
    batch_size: int = 500,
    retry_budget_s: float = 5.0,
    timeout_s: float = 10.0,
) -> ReaderClient:
    return ReaderClient(
        url,
        READER,
        key,
        tmp_path / "queue" / f"{READER}.sqlite",
        batch_size=batch_size,
        retry_budget_s=retry_budget_s,
        timeout_s=timeout_s,
        backoff_initial_s=0.01,
    )


def test_flush_sends_signed_batches_oldest_first(
    server: FakeIngest, key: Ed25519PrivateKey, tmp_path: Path
) -> None:
    with make_client(server.url, key, tmp_path) as client:
        client.record_many(swipes(1001))
        report = client.flush()
        assert client.queue.depth() == 0
    assert (report.accepted, report.duplicates, report.requests) == (1001, 0, 3)
    assert [(r.path, r.seqs[0], len(r.seqs)) for r in server.received] == [
        ("/api/v1/ingest/batch", 1, 500),
        ("/api/v1/ingest/batch", 501, 500),
        ("/api/v1/ingest/event", 1001, 1),
    ]
    assert sorted(seq for _, seq in server.stored) == list(range(1, 1002))


def test_an_event_stays_queued_until_flushed(
    server: FakeIngest, key: Ed25519PrivateKey, tmp_path: Path
) -> None:
    with make_client(server.url, key, tmp_path) as client:
        assert client.record(swipe(0)) == 1
        assert server.received == []
        assert client.flush().accepted == 1
        assert client.flush().requests == 0


@pytest.mark.parametrize("failure", [503, 502, 429, "stale", "stall"])
def test_transient_failures_are_retried_each_time_signed_anew(
    server: FakeIngest, key: Ed25519PrivateKey, tmp_path: Path, failure: int | str
) -> None:
    server.script = [failure, failure]
    server.stall_s = 0.5
    with make_client(server.url, key, tmp_path, timeout_s=0.2) as client:
        client.record_many(swipes(3))
        report = client.flush()
        assert client.queue.depth() == 0
    assert report.accepted == 3
    assert len(server.received) == 3
    assert len(server.stored) == 3


def test_an_answer_lost_after_commit_is_replayed_as_duplicates(
    server: FakeIngest, key: Ed25519PrivateKey, tmp_path: Path
) -> None:
    server.script = ["store_then_fail"]
    with make_client(server.url, key, tmp_path) as client:
        client.record_many(swipes(4))
        report = client.flush()
    assert (report.accepted, report.duplicates) == (0, 4)
    assert len(server.stored) == 4


def test_an_answer_naming_no_event_leaves_the_batch_queued(
    server: FakeIngest, key: Ed25519PrivateKey, tmp_path: Path
) -> None:
    server.script = ["unnamed"]
    with make_client(server.url, key, tmp_path) as client:
        client.record_many(swipes(3))
        with pytest.raises(ServerUnavailable, match="named no event"):
            client.flush()
        assert client.queue.depth() == 3
        assert client.flush().accepted == 3


def test_connection_refused_keeps_events_until_the_server_is_back(
    key: Ed25519PrivateKey, tmp_path: Path
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with make_client(f"http://127.0.0.1:{port}", key, tmp_path, retry_budget_s=0.3) as client:
        client.record_many(swipes(5))
        with pytest.raises(ServerUnavailable, match="ConnectError"):
            client.flush()
        assert client.queue.depth() == 5
        server = FakeIngest({READER: key.public_key()}, port=port).start()
        try:
            assert client.flush().accepted == 5
        finally:
            server.stop()
        assert client.queue.depth() == 0


def test_retries_stop_at_the_budget(
    server: FakeIngest, key: Ed25519PrivateKey, tmp_path: Path
) -> None:
    server.script = [503] * 1000
    with make_client(server.url, key, tmp_path, retry_budget_s=0.5) as client:
        client.record_many(swipes(2))
        with pytest.raises(ServerUnavailable, match="503"):
            client.flush()
        assert client.queue.depth() == 2
    assert 2 <= len(server.received) < 100


def test_a_conflicting_event_is_bisected_out_and_dead_lettered(
    server: FakeIngest, key: Ed25519PrivateKey, tmp_path: Path
) -> None:
    server.stored[(READER, 5)] = {"kind": "swipe", "seq": 5, "badge_uid": "SOMEONE-ELSE"}
    with make_client(server.url, key, tmp_path) as client:
        client.record_many(swipes(10))
        report = client.flush()
        (dead,) = client.queue.dead_letters()
        assert client.queue.depth() == 0
    assert (report.accepted, report.dead_lettered) == (9, 1)
    assert (dead.seq, dead.status) == (5, 409)
    assert "seq 5 stored with other content" in dead.message
    assert server.stored[(READER, 5)]["badge_uid"] == "SOMEONE-ELSE"
    assert {seq for _, seq in server.stored} == set(range(1, 11))


def test_an_invalid_event_alone_is_dead_lettered(
    server: FakeIngest, key: Ed25519PrivateKey, tmp_path: Path
) -> None:
    server.script = [422]
    with make_client(server.url, key, tmp_path) as client:
        client.record(swipe(0))
        report = client.flush()
        (dead,) = client.queue.dead_letters()
    assert report.dead_lettered == 1
    assert (dead.seq, dead.status, dead.message) == (1, 422, "scripted 422")


def test_a_reader_the_server_does_not_know_keeps_its_events(
    server: FakeIngest, tmp_path: Path
) -> None:
    with make_client(server.url, Ed25519PrivateKey.generate(), tmp_path) as client:
        client.record_many(swipes(3))
        with pytest.raises(ReaderRejected) as refused:
            client.flush()
        assert client.queue.depth() == 3
    assert refused.value.status == 401
    assert server.stored == {}


@pytest.mark.parametrize("size", [0, 1001])
def test_batch_sizes_outside_the_contract_are_refused(
    key: Ed25519PrivateKey, tmp_path: Path, size: int
) -> None:
    with pytest.raises(ValueError, match="batch_size"):
        make_client("http://127.0.0.1:1", key, tmp_path, batch_size=size)
