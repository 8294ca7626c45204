"""Reader ingest benchmark on PostgreSQL, through HTTP with signed requests.

    python bench/ingest.py

1. The badge_readers client (load mode) posts 200,000 swipes in batches of 500 from the
   demo site's 26 readers to a real `vigie serve` on a fresh PostgreSQL database, in its
   default configuration (its projector process on): accepted events per second end to
   end (`ingest.batch.events_per_s`). Then the projector's catch-up: events not yet
   projected when the burst ends (`presence.project.lag_events`) and seconds until they
   all are (`presence.project.catch_up_s`); after the single posts (3.), its own rate,
   rebuilding every read model from the stored events (`presence.project.events_per_s`).
2. The same rows (each event's physical_event row and its ledger entry) are then COPied
   raw into twin tables of the same database: rows per second (`ingest.copy.rows_per_s`),
   and the ratio of the two (`ingest.batch.copy_ratio`).
3. Single-event posts from 16 concurrent client processes for a fixed time: requests per
   second and p50/p99 latency (`ingest.single.*`), and the CPU spent per request by the
   clients, the server, the database's PostgreSQL backends and everything else.
Settings: VIGIE_BENCH_POSTGRES_URL, VIGIE_BENCH_INGEST_COUNT (200000),
VIGIE_BENCH_WORKERS (server worker processes, 2), VIGIE_BENCH_SINGLE_S (15),
VIGIE_BENCH_CLIENT_NICE (niceness of the single-post clients, 0), VIGIE_BENCH_BATCH_CLIENTS
(readers delivering their batches at once, 4), VIGIE_BENCH_SINGLE_TRANSPORT (stdlib or
httpx: how the single-post clients send their signed requests, stdlib),
VIGIE_BENCH_SINGLE_SIGN (ahead or live: when they sign them, ahead; bench/single_clients.py).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import Manager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
from sqlalchemy import make_url  # noqa: E402

from app.config import Settings  # noqa: E402
from app.db import make_engine, session_factory  # noqa: E402
from app.presence import projector  # noqa: E402
from badge_readers.load import run_load  # noqa: E402
from badge_readers.plan import ReaderPlan  # noqa: E402
from badge_readers.topology_api import fetch_plan  # noqa: E402
from bench import single_clients  # noqa: E402
from bench.support import URL, database, emit, log, percentile, server, vigie  # noqa: E402

COUNT = int(os.environ.get("VIGIE_BENCH_INGEST_COUNT", "200000"))
WORKERS = int(os.environ.get("VIGIE_BENCH_WORKERS", "2"))
SINGLE_S = float(os.environ.get("VIGIE_BENCH_SINGLE_S", "15"))
SINGLE_CLIENTS = 16
# How the single-post clients send their signed requests: "stdlib" (http.client, lean) or
# "httpx" (the reader client's own transport); when they sign them: "ahead" of the timed
# part or "live" (bench/single_clients.py).
SINGLE_TRANSPORT = os.environ.get("VIGIE_BENCH_SINGLE_TRANSPORT", "stdlib")
SINGLE_SIGN = os.environ.get("VIGIE_BENCH_SINGLE_SIGN", "ahead")
# Readers delivering their queues at once in the batch part (threads of this process).
BATCH_CLIENTS = int(os.environ.get("VIGIE_BENCH_BATCH_CLIENTS", "4"))
# Niceness of the single-post client processes (0: same priority as the server). Readers
# run on their own hardware; a positive value lets the 16 clients sharing these 2 cores
# wait for the server instead of competing with it (see README, Reader ingest, Measured).
CLIENT_NICE = int(os.environ.get("VIGIE_BENCH_CLIENT_NICE", "0"))
BATCH = 500
TOKEN = "bench-admin-token-0123456789abcdef"
CATCH_UP_MAX_S = 300


def bench_batches(base: str, keys: Path, queues: Path, url: str) -> float:
    """Figure 1: the simulator's client posting COUNT swipes in batches of 500."""
    plan = fetch_plan(base, TOKEN, keys)
    log(f"posting {COUNT} swipes from {len(plan.readers)} readers in batches of {BATCH}")
    port = int(base.rsplit(":", 1)[1])
    meters: list[tuple[CpuMeter, float]] = []

    def delivering() -> None:  # the swipes are queued: the timed part starts
        meters.append((CpuMeter(port=port, database=make_url(url).database or ""), cpu()))

    cpu = time.process_time  # this process is the client: its threads deliver the queues
    report = run_load(
        plan,
        server=base,
        queue_dir=queues,
        count=COUNT,
        batch_size=BATCH,
        on_delivery=delivering,
        concurrency=BATCH_CLIENTS,
    )
    meter, client = meters[0]
    spent = meter.spent(client_s=cpu() - client)
    if report.accepted != COUNT:
        raise SystemExit(f"only {report.accepted} of {COUNT} accepted: {report}")
    emit(
        "ingest.batch.events_per_s",
        report.events_per_s,
        "events/s",
        events=COUNT,
        batch=BATCH,
        seconds=round(report.send_s, 2),
        server_workers=WORKERS,
        clients=BATCH_CLIENTS,
    )
    # Where the CPU went, per event: the server's API processes, its projector, their
    # PostgreSQL backends apart, the client (this process), the rest of the machine.
    emit_cpu("ingest.batch", spent, count=COUNT, unit="event")
    bench_catch_up(url)
    return report.events_per_s


def _progress(conn: psycopg.Connection) -> tuple[int, int]:
    """The projector's cursor and the newest event id."""
    row = conn.execute(
        "SELECT (SELECT coalesce(max(position), 0) FROM projection_cursor),"
        " (SELECT coalesce(max(id), 0) FROM physical_event)"
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def bench_catch_up(url: str) -> None:
    """The projector process after the burst: how far behind, how long to catch up."""
    if float(os.environ.get("VIGIE_PROJECTOR_INTERVAL_S", "2")) <= 0:
        log("projector off (VIGIE_PROJECTOR_INTERVAL_S=0): no catch-up figures")
        return
    with psycopg.connect(_dsn(url), autocommit=True) as conn:
        ended = time.perf_counter()
        start, newest = _progress(conn)
        position = start
        while position < newest:
            if time.perf_counter() - ended > CATCH_UP_MAX_S:
                raise SystemExit(f"projector still at event {position} of {newest}")
            time.sleep(0.1)
            position, _ = _progress(conn)
        elapsed = time.perf_counter() - ended
    lag = newest - start
    emit("presence.project.lag_events", lag, "events", note="not yet projected at burst end")
    # No rate from these two: the projector may sit out its interval before the last run.
    emit("presence.project.catch_up_s", elapsed, "s", poll_s=0.1)


def bench_rebuild(url: str) -> None:
    """The projector's own rate: `vigie rebuild` of every stored event, in this process."""
    settings = Settings(database_url=url, projector_interval_s=0)
    engine = make_engine(url)
    try:
        started = time.perf_counter()
        with session_factory(engine).begin() as session:
            events = projector.rebuild(session, settings=settings)
        elapsed = time.perf_counter() - started
    finally:
        engine.dispose()
    emit(
        "presence.project.events_per_s",
        events / elapsed,
        "events/s",
        note="vigie rebuild: passages, presence, airlocks, rules from scratch",
        events=events,
        seconds=round(elapsed, 2),
        batch=settings.projector_batch,
    )


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _copy_table(conn: psycopg.Connection, table: str) -> tuple[int, float]:
    twin = f"bench_copy_{table}"
    # Every column but the generated id: the rows exactly as the server stored them.
    names = conn.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_name = %s AND column_name <> 'id' ORDER BY ordinal_position",
        (table,),
    ).fetchall()
    columns = ", ".join(f'"{name}"' for (name,) in names)
    conn.execute(f"CREATE TABLE {twin} (LIKE {table} INCLUDING DEFAULTS INCLUDING INDEXES)")
    with conn.cursor() as cur:
        cur.execute(f"SELECT {columns} FROM {table}")
        rows = cur.fetchall()
    conn.commit()
    started = time.perf_counter()
    with conn.cursor() as cur, cur.copy(f"COPY {twin} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    conn.commit()
    return len(rows), time.perf_counter() - started


def bench_copy(url: str, batch_rate: float) -> None:
    """Figure 2: raw COPY of the same rows into twin tables of the same database."""
    with psycopg.connect(_dsn(url)) as conn:
        events, events_s = _copy_table(conn, "physical_event")
        entries, entries_s = _copy_table(conn, "ledger_entry")
    rate = events / (events_s + entries_s)
    emit(
        "ingest.copy.rows_per_s",
        rate,
        "events/s",
        note="one event = its physical_event row + its ledger_entry row",
        event_rows=events,
        ledger_rows=entries,
    )
    emit("ingest.batch.copy_ratio", batch_rate / rate, "ratio")


def bench_singles(base: str, readers: list[ReaderPlan], database_name: str) -> None:
    """Figure 3: single posts from 16 concurrent clients, each its own process and reader."""
    first_seq = time.time_ns() // 1000 + 10**9
    manager = Manager()
    start = manager.Barrier(SINGLE_CLIENTS + 1)
    jobs = [
        single_clients.Job(
            base=base,
            reader=reader.code,
            key_path=str(reader.key),
            first_seq=first_seq,
            seconds=SINGLE_S,
            start=start,
            sign=SINGLE_SIGN,
            transport=SINGLE_TRANSPORT,
            nice=CLIENT_NICE,
        )
        for reader in readers[:SINGLE_CLIENTS]
    ]
    log(f"single posts: {len(jobs)} clients for {SINGLE_S:.0f} s, signed {SINGLE_SIGN}")
    port = int(base.rsplit(":", 1)[1])
    with manager, ProcessPoolExecutor(max_workers=len(jobs)) as pool:
        running = [pool.submit(single_clients.run, job) for job in jobs]
        start.wait()  # every client has signed ahead: the clock starts
        meter = CpuMeter(port=port, database=database_name)
        started = time.perf_counter()
        results = [future.result() for future in running]
        elapsed = time.perf_counter() - started
        spent = meter.spent(client_s=sum(result.cpu_s for result in results))
    latencies = [value * 1000 for result in results for value in result.latencies]
    count = len(latencies)
    emit(
        "ingest.single.requests_per_s",
        count / elapsed,
        "requests/s",
        clients=len(jobs),
        requests=count,
        load_average=os.getloadavg()[0],
        client_nice=CLIENT_NICE,
        transport=SINGLE_TRANSPORT,
        signed=SINGLE_SIGN,
        signed_live=sum(result.signed_live for result in results),
    )
    emit("ingest.single.p50_ms", percentile(latencies, 50), "ms")
    emit("ingest.single.p99_ms", percentile(latencies, 99), "ms")
    # The 16 clients' own CPU is HTTP (and signing, signed live): on real readers, not on
    # this machine.
    emit_cpu("ingest.single", spent, count=count, unit="request")


def _cpu_s(*, port: int, database: str) -> dict[str, float]:
    """CPU seconds so far of the server listening on `port` (its API processes and its
    projector apart) and of the PostgreSQL backends connected to `database`, apart by the
    application_name they serve (vigie-api, vigie-projector; Linux /proc)."""
    processes = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # gone meanwhile
                continue
            cpu = (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
            processes[int(entry.name)] = (command, int(stat[1]), cpu)
    servers = {
        pid for pid, (command, _, _) in processes.items() if f"serve --port {port} " in command
    }
    with psycopg.connect(_dsn(URL), autocommit=True) as conn:
        names = dict(
            conn.execute(
                "SELECT pid, application_name FROM pg_stat_activity WHERE datname = %s",
                (database,),
            ).fetchall()
        )
    spent = dict.fromkeys(("server", "projector", "postgres", "postgres_projector"), 0.0)
    for pid, (command, parent, cpu) in processes.items():
        if {pid, parent} & servers:
            spent["projector" if " project --follow" in command else "server"] += cpu
        elif command.startswith("postgres: ") and f" {database} " in command:
            projector = names.get(pid) == "vigie-projector"
            spent["postgres_projector" if projector else "postgres"] += cpu
    return spent


class CpuMeter:
    """Where the machine's CPU went over a span: the server's API processes, its projector,
    the PostgreSQL backends of the bench's database, the clients (given), and the rest
    (PostgreSQL's WAL writer and checkpointer, other jobs on the machine)."""

    def __init__(self, *, port: int, database: str) -> None:
        self._port, self._database = port, database
        self._busy = _busy_cpu_s()
        self._parts = _cpu_s(port=port, database=database)

    def spent(self, *, client_s: float) -> dict[str, float]:
        """CPU seconds per part since the meter started."""
        after = _cpu_s(port=self._port, database=self._database)
        parts = {name: after[name] - self._parts[name] for name in after}
        parts["client"] = client_s
        parts["other"] = _busy_cpu_s() - self._busy - sum(parts.values())
        return parts


def emit_cpu(prefix: str, spent: dict[str, float], *, count: int, unit: str) -> None:
    """One figure per part: CPU milliseconds (or microseconds) per request or event."""
    scale, suffix = (1000, "ms") if unit == "request" else (1_000_000, "us")
    for name, seconds in spent.items():
        emit(f"{prefix}.{name}_cpu_{suffix}", seconds * scale / count, f"{suffix}/{unit}")


def _busy_cpu_s() -> float:
    """CPU seconds the whole machine has spent busy since boot (Linux /proc/stat)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, idle, iowait, irq, softirq, steal = map(int, fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    """Run the three parts on one fresh database."""
    with database("ingest") as url, tempfile.TemporaryDirectory() as tmp:
        var = Path(tmp) / "var"
        env = {
            **os.environ,
            "VIGIE_DATABASE_URL": url,
            "VIGIE_VAR_DIR": str(var),
            "VIGIE_ADMIN_TOKEN": TOKEN,
            "VIGIE_ACCESS_LOG": "false",
        }
        log("loading the demo site")
        vigie(env, "demo")
        with server(env, workers=WORKERS) as base:
            batch_rate = bench_batches(base, var / "demo-readers", Path(tmp) / "queues", url)
            plan = fetch_plan(base, TOKEN, var / "demo-readers")
            bench_singles(base, plan.readers, make_url(url).database or "")
        bench_rebuild(url)
        bench_copy(url, batch_rate)


if __name__ == "__main__":
    main()
