"""Tenant scope at a million events: the people a tenant auditor may name.

The scope names the people seen at a tenant's doors from person_seen_at_door (one row per
door and person, kept by a trigger on physical_event). Before migration 0007 it found
them by scanning the events at those doors; that query is kept here, as the reference,
and both run alternately on the same database, the demo site with 2,000 more badge
holders and VIGIE_BENCH_SCOPE_EVENTS (1,000,000) swipes spread over every reader.
Also times what the trigger adds to inserting 500-event batches: ingest's COPY path,
alternately with the trigger disabled, and the trigger's own time as PostgreSQL's
EXPLAIN ANALYZE reports it (less sensitive to a busy machine). PostgreSQL only
(VIGIE_BENCH_POSTGRES_URL).

    python bench/scope.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, Select, func, select, text, union  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

from app.auth.principal import SYSTEM, Principal, Role  # noqa: E402
from app.auth.scope import TenantView, scoped  # noqa: E402
from app.db import insert_rows, make_engine, session_factory  # noqa: E402
from app.demo.load import load_demo  # noqa: E402
from app.ledger.models import LedgerEntry  # noqa: E402
from app.physical.models import PhysicalEvent  # noqa: E402
from app.topology.models import AccessRight, GroupMember, Person, Reader, Tenant  # noqa: E402
from bench.support import database, emit, log, percentile  # noqa: E402

EVENTS = int(os.environ.get("VIGIE_BENCH_SCOPE_EVENTS", "1000000"))
HOLDERS = 2000
RUNS = 40
BATCHES = 100
EXPLAINED = 40
BATCH = 500
CHUNK = 250_000
TENANT = "CHU-NO"

LEDGER_SQL = """
INSERT INTO ledger_entry ("index", type, recorded_at, entry, leaf_hash)
SELECT i, 'bench.swipe', now(), '\\x00'::bytea, sha256(int8send(i))
FROM generate_series(:a, :b - 1) AS i
"""
# Reader k of n takes event i when i % n = k; person p of m when (i / n) % m = p.
EVENTS_SQL = """
INSERT INTO physical_event (ledger_index, reader_id, door_id, zone_id, from_zone_id,
    to_zone_id, kind, seq, occurred_at, received_at, skew_ms, clock_skew, content_hash,
    badge_uid, person_id, result, badge_status)
SELECT i, r.id, d.id, d.to_zone_id, d.from_zone_id, d.to_zone_id, 'swipe', i,
    now() - make_interval(secs => :b - i), now(), 0, false, sha256(int8send(i)),
    'B' || p.person, p.person, 'granted', 'valid'
FROM generate_series(:a, :b - 1) AS i
JOIN (SELECT id, door_id, row_number() OVER (ORDER BY id) - 1 AS k FROM reader) AS r
    ON r.k = i % :readers
JOIN door AS d ON d.id = r.door_id
JOIN (SELECT person, ordinality - 1 AS k FROM unnest(CAST(:people AS integer[]))
      WITH ORDINALITY AS u(person, ordinality)) AS p ON p.k = (i / :readers) % :holders
"""


def scanned_people(tenant_id: int) -> Any:
    """The people rule before migration 0007: a scan of the events at the tenant's doors.

    Built anew per query, as scoped() builds its TenantView, so that both sides pay the
    same Python work.
    """
    view = TenantView(tenant_id)
    direct = select(AccessRight.person_id).where(AccessRight.zone_id.in_(view.reach_zones))
    grouped = select(GroupMember.person_id).where(GroupMember.group_id.in_(view.groups))
    seen = select(PhysicalEvent.person_id).where(
        PhysicalEvent.door_id.in_(view.doors), PhysicalEvent.person_id.is_not(None)
    )
    return union(direct, grouped, seen)


def setup(engine: Engine, sessions: sessionmaker[Session]) -> Principal:
    """The demo site, more badge holders, EVENTS swipes; the demo tenant's auditor."""
    with sessions.begin() as session:
        load_demo(session, actor=SYSTEM)
        session.execute(
            text(
                "INSERT INTO person (code, full_name, kind, active, version) "
                "SELECT 'BENCH-' || i, 'Holder ' || i, 'staff', true, 1 "
                "FROM generate_series(1, :n) AS i"
            ),
            {"n": HOLDERS},
        )
        people = list(session.scalars(select(Person.id).order_by(Person.id)))
        readers = session.scalar(select(func.count()).select_from(Reader)) or 0
        start = (session.scalar(select(func.max(LedgerEntry.index))) or 0) + 1
        tenant = session.scalars(select(Tenant.id).where(Tenant.code == TENANT)).one()
    log(f"{len(people)} people, {readers} readers; loading {EVENTS:,} swipes")
    for a in range(start, start + EVENTS, CHUNK):
        b = min(start + EVENTS, a + CHUNK)
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL synchronous_commit = off"))
            conn.execute(text(LEDGER_SQL), {"a": a, "b": b})
            params = {"a": a, "b": b, "readers": readers, "people": people}
            conn.execute(text(EVENTS_SQL), params | {"holders": len(people)})
        log(f"loaded {b - start:,} swipes")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("ledger_entry", "physical_event", "person_seen_at_door", "person"):
            conn.execute(text(f"VACUUM (ANALYZE) {table}"))
        conn.execute(text("CHECKPOINT"))
    return Principal(kind="user", subject="bench", role=Role.tenant_auditor, tenant_id=tenant)


def alternate(
    sessions: sessionmaker[Session], queries: dict[str, Callable[[], Select[Any]]]
) -> tuple[dict[str, list[float]], dict[str, list[Any]]]:
    """Each query RUNS times, in turn, each in its own transaction: times (ms), answers."""
    times: dict[str, list[float]] = {name: [] for name in queries}
    answers: dict[str, list[Any]] = {}
    for _ in range(RUNS):
        for name, build in queries.items():
            with sessions() as session:
                began = time.perf_counter()
                answers[name] = [row.id for row in session.scalars(build())]
                times[name].append((time.perf_counter() - began) * 1000)
    return times, answers


def bench_people(sessions: sessionmaker[Session], auditor: Principal) -> None:
    """People list (first page) and one person, as the registry asks them, both rules."""
    tenant = auditor.tenant_id
    assert tenant is not None
    with sessions() as session:
        one = session.scalars(
            scoped(select(Person.id).order_by(Person.id.desc()).limit(1), Person, auditor)
        ).one()
    page = select(Person).order_by(Person.id).limit(101)
    queries = {
        "list": lambda: scoped(page, Person, auditor),
        "list_before": lambda: page.where(Person.id.in_(scanned_people(tenant))),
        "get": lambda: scoped(select(Person).where(Person.id == one), Person, auditor),
        "get_before": lambda: select(Person).where(
            Person.id == one, Person.id.in_(scanned_people(tenant))
        ),
    }
    times, answers = alternate(sessions, queries)
    assert answers["list"] == answers["list_before"]
    assert answers["get"] == answers["get_before"] == [one]
    log(f"the tenant names {len(answers['list'])} people on the first page")
    for name, metric in (("list", "scope.people_list.ms"), ("get", "scope.person_get.ms")):
        emit(
            metric,
            statistics.median(times[name]),
            "ms",
            p95=round(percentile(times[name], 95), 3),
            before=round(statistics.median(times[f"{name}_before"]), 3),
            before_p95=round(percentile(times[f"{name}_before"], 95), 3),
            events=EVENTS,
            runs=RUNS,
            load=os.getloadavg()[0],
        )


def bench_trigger(engine: Engine, sessions: sessionmaker[Session]) -> None:
    """500-swipe batches through insert_rows (COPY), trigger on and off in turn."""
    with sessions() as session:
        readers = list(session.execute(select(Reader.id, Reader.door_id)))
        people = list(session.scalars(select(Person.id)))
        start = (session.scalar(select(func.max(LedgerEntry.index))) or 0) + 1
        seq = (session.scalar(select(func.max(PhysicalEvent.seq))) or 0) + 1
    with engine.begin() as conn:
        conn.execute(text(LEDGER_SQL), {"a": start, "b": start + 2 * BATCHES * BATCH})
    now = datetime.now(UTC)
    times: dict[bool, list[float]] = {True: [], False: []}
    n = 0
    for _ in range(BATCHES):
        for on in (True, False):
            rows = []
            for _ in range(BATCH):
                reader, door = readers[n % len(readers)]
                person = people[(n * 7919) % len(people)]
                rows.append(
                    {
                        "ledger_index": start + n,
                        "reader_id": reader,
                        "door_id": door,
                        "zone_id": 0,
                        "from_zone_id": 0,
                        "to_zone_id": 0,
                        "kind": "swipe",
                        "seq": seq + n,
                        "occurred_at": now,
                        "received_at": now,
                        "skew_ms": 0,
                        "clock_skew": False,
                        "content_hash": bytes(32),
                        "badge_uid": f"B{person}",
                        "person_id": person,
                        "result": "granted",
                        "badge_status": "valid",
                    }
                )
                n += 1
            with sessions() as session:
                state = "ENABLE" if on else "DISABLE"
                session.execute(text(f"ALTER TABLE physical_event {state} TRIGGER USER"))
                session.commit()
                began = time.perf_counter()
                insert_rows(session, PhysicalEvent.__table__, rows)  # type: ignore[arg-type]
                session.commit()
                times[on].append((time.perf_counter() - began) * 1000)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE physical_event ENABLE TRIGGER USER"))
    emit(
        "scope.seen_trigger.ms_per_500",
        statistics.median(times[True]),
        "ms",
        without=round(statistics.median(times[False]), 3),
        p95=round(percentile(times[True], 95), 3),
        without_p95=round(percentile(times[False], 95), 3),
        batches=BATCHES,
        load=os.getloadavg()[0],
    )


def bench_trigger_explained(engine: Engine, sessions: sessionmaker[Session]) -> None:
    """The trigger's time inside 500-row INSERTs, from EXPLAIN ANALYZE (rolled back)."""
    with sessions() as session:
        readers = session.scalar(select(func.count()).select_from(Reader)) or 0
        people = list(session.scalars(select(Person.id)))
        start = (session.scalar(select(func.max(LedgerEntry.index))) or 0) + 1
    trigger: list[float] = []
    statement: list[float] = []
    for run in range(EXPLAINED):
        a = start + run * BATCH
        params = {"a": a, "b": a + BATCH, "readers": readers, "people": people}
        with engine.connect() as conn, conn.begin() as transaction:
            conn.execute(text(LEDGER_SQL), params)
            [plan] = conn.execute(
                text("EXPLAIN (ANALYZE, FORMAT JSON) " + EVENTS_SQL),
                params | {"holders": len(people)},
            ).scalar_one()
            transaction.rollback()
        [seen] = [t for t in plan["Triggers"] if t["Trigger Name"] == "physical_event_person_seen"]
        trigger.append(seen["Time"])
        statement.append(plan["Execution Time"])
    emit(
        "scope.seen_trigger.explain_ms",
        statistics.median(trigger),
        "ms",
        statement_ms=round(statistics.median(statement), 3),
        rows=BATCH,
        runs=EXPLAINED,
        load=os.getloadavg()[0],
    )


def main() -> None:
    """Load, then time the people rule (both ways) and the trigger."""
    with database("scope") as url:
        engine = make_engine(url)
        sessions = session_factory(engine)
        auditor = setup(engine, sessions)
        bench_people(sessions, auditor)
        bench_trigger_explained(engine, sessions)
        bench_trigger(engine, sessions)
        engine.dispose()


if __name__ == "__main__":
    main()
