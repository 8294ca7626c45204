"""Scenario: the server goes away mid-day, the simulator is killed -9 while it queues, both
come back, and every event of the day reaches the server exactly once, in (reader, seq) order.

Drives the real server (`python -m app serve`) with the real simulator, as two processes.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy.orm import Session

from app.db import make_engine
from app.topology.models import Badge, Door, Reader, Site, Zone
from badge_readers.plan import load_plan
from badge_readers.scenario import Scenario, per_reader
from tests.badge_readers.factories import PLAN_BADGES, PLAN_READERS, write_plan
from tests.conftest import ADMIN, ADMIN_TOKEN
from tests.databases import migrated_database

ROOT = Path(__file__).resolve().parents[2]
SEED = 11
START = date.today() - timedelta(days=2)
# The day (~1,600 events) would last 15 s of wall time; the first run is killed long before.
SPEED = 86_400 / 15
# outside -> hall -> airlock -> secure room -> rack, as the test plan walks it.
ZONES = [("Z-OUT", "outside"), ("Z-HALL", "building"), ("Z-AL", "airlock"), ("Z-ROOM", "room")]
DOOR_ZONES = {
    "D-ENT": ("Z-OUT", "Z-HALL", "door"),
    "D-AL-OUTER": ("Z-HALL", "Z-AL", "airlock_outer"),
    "D-AL-INNER": ("Z-AL", "Z-ROOM", "airlock_inner"),
    "D-RACK-A1": ("Z-ROOM", "Z-RACK", "rack_door"),
}


def _register(url: str, keys: dict[str, Ed25519PrivateKey]) -> None:
    """The site the plan describes, with each reader's public key (test-only bare inserts)."""
    engine = make_engine(url)
    with Session(engine) as session, session.begin():
        site = Site(code="TEST-SITE", name="Test site")
        session.add(site)
        session.flush()
        zones = {code: Zone(site_id=site.id, code=code, name=code, kind=k) for code, k in ZONES}
        zones["Z-RACK"] = Zone(site_id=site.id, code="Z-RACK", name="Rack A1", kind="rack")
        session.add_all(zones.values())
        session.flush()
        doors = {
            code: Door(
                code=code,
                name=code,
                kind=kind,
                from_zone_id=zones[outer].id,
                to_zone_id=zones[inner].id,
            )
            for code, (outer, inner, kind) in DOOR_ZONES.items()
        }
        session.add_all(doors.values())
        session.flush()
        for code, door, direction, _ in PLAN_READERS:
            raw = keys[code].public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
            session.add(
                Reader(code=code, door_id=doors[door].id, direction=direction, public_key=raw)
            )
        session.add_all(Badge(uid=b["uid"], status=b.get("status", "active")) for b in PLAN_BADGES)
    engine.dispose()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(
    condition: Callable[[], bool], what: str, log: Callable[[], str] = str, timeout: float = 30.0
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}\n{log()[-3000:]}")
        time.sleep(0.05)


class Processes:
    """Starts the server and the simulator as subprocesses; kills what is left at the end."""

    def __init__(self, tmp_path: Path, database_url: str) -> None:
        self.tmp_path = tmp_path
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "VIGIE_DATABASE_URL": database_url,
            "VIGIE_VAR_DIR": str(tmp_path / "var"),
            "VIGIE_ADMIN_TOKEN": ADMIN_TOKEN,
        }
        self.started: list[subprocess.Popen[bytes]] = []
        self.logs: dict[int, Path] = {}

    def _start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        path = self.tmp_path / f"{name}-{len(self.started)}.log"
        with path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", *args],
                cwd=self.tmp_path,  # no stray .env file is read
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.started.append(process)
        self.logs[process.pid] = path
        return process

    def output(self, process: subprocess.Popen[bytes]) -> str:
        """What a process printed."""
        return self.logs[process.pid].read_text()

    def server(self) -> subprocess.Popen[bytes]:
        """`vigie serve` on our port, once it answers."""
        process = self._start("server", "app", "serve", "--port", str(self.port))

        def alive() -> bool:
            assert process.poll() is None, "the server exited"
            try:
                return httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200
            except httpx.TransportError:
                return False

        _wait_for(alive, "the server to answer")
        return process

    def simulator(self, plan: Path, *, speed: float) -> subprocess.Popen[bytes]:
        """`vigie-reader simulate` of the test day."""
        return self._start(
            "simulator",
            "badge_readers",
            "simulate",
            "--plan", str(plan),
            "--server", self.url,
            "--queue-dir", str(self.tmp_path / "queues"),
            "--seed", str(SEED),
            "--start", START.isoformat(),
            "--days", "1",
            "--speed", str(speed),
            "--flush-every", "0.2",
            "--retry-budget", "0.2",
            "--drain-timeout", "30",
        )  # fmt: skip

    def kill_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.kill()
                process.wait()


def _queues(directory: Path) -> tuple[int, int]:
    """Events recorded so far and events still waiting, over every reader's queue file."""
    recorded = waiting = 0
    for path in directory.glob("*.sqlite"):
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            try:
                recorded += db.execute("SELECT next_seq - 1 FROM counter").fetchone()[0]
                waiting += db.execute("SELECT count(*) FROM pending").fetchone()[0]
            except sqlite3.OperationalError:  # created, schema not yet committed
                continue
    return recorded, waiting


def _stored(url: str) -> list[dict[str, Any]]:
    """Every stored event, through the API, oldest first."""
    events: list[dict[str, Any]] = []
    params: dict[str, Any] = {"order": "asc", "limit": 1000}
    while True:
        page = httpx.get(f"{url}/api/v1/events", params=params, headers=ADMIN, timeout=30)
        assert page.status_code == 200, page.text
        body = page.json()
        events.extend(body["items"])
        if body["next_cursor"] is None:
            return events
        params["cursor"] = body["next_cursor"]


@pytest.fixture
def database(backend: str, tmp_path: Path) -> Iterator[str]:
    with migrated_database(backend, tmp_path) as url:
        yield url


@pytest.mark.slow
def test_every_event_reaches_the_server_exactly_once_across_an_outage_and_a_kill(
    database: str, tmp_path: Path
) -> None:
    plan_path, keys = write_plan(tmp_path / "site")
    _register(database, keys)
    expected = per_reader(Scenario(load_plan(plan_path), SEED, START, 1).events())
    total = sum(len(events) for events in expected.values())
    queues = tmp_path / "queues"
    run = Processes(tmp_path, database)
    try:
        server = run.server()
        simulator = run.simulator(plan_path, speed=SPEED)

        def delivered() -> int:
            recorded, waiting = _queues(queues)
            return recorded - waiting

        log = lambda: run.output(simulator)  # noqa: E731
        _wait_for(lambda: delivered() >= 100, "a first part of the day to be delivered", log)
        server.kill()  # the outage
        server.wait()
        before = _queues(queues)[1]
        _wait_for(lambda: _queues(queues)[1] >= before + 100, "events to queue up meanwhile", log)
        simulator.send_signal(signal.SIGKILL)
        simulator.wait()
        recorded_at_kill, waiting_at_kill = _queues(queues)
        assert 0 < recorded_at_kill < total and waiting_at_kill > 0

        run.server()
        again = run.simulator(plan_path, speed=0)
        assert again.wait(timeout=60) == 0, run.output(again)
        assert _queues(queues) == (total, 0)

        stored = _stored(run.url)
    finally:
        run.kill_all()
    seen: dict[str, list[int]] = {}
    for row in stored:
        seen.setdefault(row["reader"], []).append(row["seq"])
    assert {reader: sorted(seqs) for reader, seqs in seen.items()} == {
        reader: list(range(1, len(events) + 1)) for reader, events in expected.items()
    }
    by_key = {(e["reader"], e["seq"]): e for e in stored}
    for reader, events in expected.items():
        for seq, sent in enumerate(events, start=1):
            row = by_key[(reader, seq)]
            assert row["kind"] == sent.to_wire(seq)["kind"], (reader, seq)
            assert datetime.fromisoformat(row["occurred_at"]) == sent.occurred_at, (reader, seq)
