"""The simulator drives every reader of a plan through the real client, resumably."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from badge_readers.plan import load_plan
from badge_readers.scenario import Scenario, per_reader
from badge_readers.simulator import Pacing, Simulator
from tests.badge_readers.factories import write_plan
from tests.badge_readers.fake_ingest import FakeIngest

START = date(2026, 11, 19)


@pytest.fixture
def planned(tmp_path: Path) -> tuple[Scenario, dict[str, Ed25519PrivateKey]]:
    path, keys = write_plan(tmp_path)
    return Scenario(load_plan(path), 5, START, 1), keys


@pytest.fixture
def server(planned: tuple[Scenario, dict[str, Ed25519PrivateKey]]) -> Iterator[FakeIngest]:
    _, keys = planned
    fake = FakeIngest({code: key.public_key() for code, key in keys.items()}).start()
    yield fake
    fake.stop()


def expected(scenario: Scenario) -> dict[tuple[str, int], object]:
    """What the server must hold: each reader's events numbered from 1, in time order."""
    return {
        (reader, seq): orjson.loads(orjson.dumps(event.to_wire(seq)))
        for reader, events in per_reader(scenario.events()).items()
        for seq, event in enumerate(events, start=1)
    }


def test_a_run_delivers_every_event_once_in_order(
    planned: tuple[Scenario, dict[str, Ed25519PrivateKey]], server: FakeIngest, tmp_path: Path
) -> None:
    scenario, _ = planned
    report = Simulator(scenario, server=server.url, queue_dir=tmp_path / "q").run()
    assert server.stored == expected(scenario)
    assert (report.recorded, report.accepted, report.remaining) == (
        report.generated,
        report.generated,
        0,
    )
    for received in server.received:
        assert received.seqs == sorted(received.seqs)


def test_a_second_run_of_the_same_scenario_records_nothing(
    planned: tuple[Scenario, dict[str, Ed25519PrivateKey]], server: FakeIngest, tmp_path: Path
) -> None:
    scenario, _ = planned
    Simulator(scenario, server=server.url, queue_dir=tmp_path / "q").run()
    requests = len(server.received)
    again = Simulator(scenario, server=server.url, queue_dir=tmp_path / "q").run()
    assert (again.skipped, again.recorded) == (again.generated, 0)
    assert len(server.received) == requests


def test_events_queued_while_the_server_is_away_are_delivered_on_the_next_run(
    planned: tuple[Scenario, dict[str, Ed25519PrivateKey]], tmp_path: Path
) -> None:
    scenario, keys = planned
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    away = Pacing(retry_budget_s=0.05, drain_timeout_s=0.05)
    url = f"http://127.0.0.1:{port}"
    first = Simulator(scenario, server=url, queue_dir=tmp_path / "q", pacing=away).run()
    assert first.remaining == first.generated
    server = FakeIngest({code: key.public_key() for code, key in keys.items()}, port=port).start()
    try:
        second = Simulator(scenario, server=url, queue_dir=tmp_path / "q").run()
    finally:
        server.stop()
    assert (second.skipped, second.recorded, second.accepted) == (
        first.generated,
        0,
        first.generated,
    )
    assert server.stored == expected(scenario)


def test_another_scenario_continues_the_readers_seqs(
    planned: tuple[Scenario, dict[str, Ed25519PrivateKey]], server: FakeIngest, tmp_path: Path
) -> None:
    scenario, _ = planned
    Simulator(scenario, server=server.url, queue_dir=tmp_path / "q").run()
    before = {reader: seq for reader, seq in server.stored}
    next_day = Scenario(scenario.plan, 5, date(2026, 11, 20), 1)
    report = Simulator(next_day, server=server.url, queue_dir=tmp_path / "q").run()
    assert report.skipped == 0 and report.accepted == report.generated
    assert len(server.stored) == len(expected(scenario)) + report.generated
    for reader, events in per_reader(next_day.events()).items():
        mine = sorted(seq for code, seq in server.stored if code == reader)
        assert mine == list(range(1, before[reader] + len(events) + 1))


def test_a_paced_run_spreads_the_day_over_wall_time(
    planned: tuple[Scenario, dict[str, Ed25519PrivateKey]], server: FakeIngest, tmp_path: Path
) -> None:
    scenario = Scenario(planned[0].plan, 5, START, 1, heartbeat_every=timedelta(hours=1))
    events = scenario.events()
    span = (events[-1].at - events[0].at).total_seconds()
    pacing = Pacing(speed=span / 1.0, flush_every_s=0.1)
    started = time.monotonic()
    report = Simulator(scenario, server=server.url, queue_dir=tmp_path / "q", pacing=pacing).run()
    assert time.monotonic() - started >= 1.0
    assert report.remaining == 0 and report.accepted == report.generated
    # Flushed as it went, not all at the end.
    assert len(server.received) > 5
