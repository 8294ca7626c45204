"""Ledger benchmark on PostgreSQL: appends/s, inclusion proofs at 1M and 10M, verify 1M.

    python bench/ledger.py

Creates and drops its own databases on VIGIE_BENCH_POSTGRES_URL (default
postgresql+psycopg://postgres@127.0.0.1:5432/test). Prints one JSON line per figure, each
beside the raw SHA-256 rate measured in the same run. Appends go through
ledger.append_many; the millions of entries behind the proof and verify figures are
loaded with INSERT ... SELECT and their tree nodes computed in one pass and COPied (a fast
path for loading only: the proofs and the verification measured are the real ones).
Progress goes to stderr. VIGIE_BENCH_LEDGER_SIZES=1000000,10000000 sets the sizes.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402
from sqlalchemy import Engine, text, update  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

from app.auth.principal import SYSTEM  # noqa: E402
from app.db import insert_rows, make_engine, read_session_factory, session_factory  # noqa: E402
from app.ledger import checkpoints, merkle, proofs, tree  # noqa: E402
from app.ledger import service as ledger  # noqa: E402
from app.ledger.encoding import entry_bytes, entry_templates  # noqa: E402
from app.ledger.models import NODE_MIN_LEVEL, LedgerEntry, LedgerHead  # noqa: E402
from app.ledger.note import Signer  # noqa: E402
from app.ledger.service import NewFact  # noqa: E402
from app.ledger.verify import DatabaseSource, verify_log  # noqa: E402
from bench.support import database, log  # noqa: E402

SIZES = [int(s) for s in os.environ.get("VIGIE_BENCH_LEDGER_SIZES", "1000000,10000000").split(",")]
APPEND_FACTS = 50_000
PROOFS = 2000
WARM_UP = 200
LOAD_CHUNK = 1_000_000
SHA_RATE: float = 0.0
FACT = NewFact(type="bench.fact", actor=SYSTEM.snapshot(), body={"n": 1, "reader": "R-0001"})

# The canonical bytes of a fact, spelled in SQL so that PostgreSQL generates millions.
ENTRY_SQL = (
    """convert_to('{"actor":{"kind":"system","role":"admin","subject":"vigie"},"body":{"n":'"""
    """ || i || '},"index":' || i || ',"recorded_at":"2026-11-24T00:00:00.000000Z",'"""
    """ || '"type":"bench.fact","v"\\:1}', 'UTF8')"""
)
LOAD_SQL = f"""
INSERT INTO ledger_entry ("index", type, recorded_at, entry, leaf_hash)
SELECT i, 'bench.fact', '2026-11-24T00:00:00Z', e, sha256('\\x00'::bytea || e)
FROM (SELECT i, {ENTRY_SQL} AS e FROM generate_series(:a, :b - 1) AS i) AS generated
"""
# Secondary indexes are dropped for the bulk load: no measured path reads them.
SECONDARY_INDEXES = ["ix_ledger_entry_type_index", "ix_ledger_entry_leaf_hash"]


def emit(metric: str, value: float, unit: str, **context: object) -> None:
    """One figure as a JSON line, beside the SHA-256 rate of this run."""
    line = {"metric": metric, "value": round(value, 3), "unit": unit}
    line.update(context)
    line["sha256_per_s"] = round(SHA_RATE)
    print(json.dumps(line), flush=True)


def sha256_rate(data: bytes) -> float:
    """Hashes per second of `data`, in Python as the ledger computes leaf hashes."""
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < 1.0:
        for _ in range(10_000):
            hashlib.sha256(data).digest()
        count += 10_000
    return count / (time.perf_counter() - start)


def _plain_append(session: Session, facts: list[NewFact]) -> None:
    """append_many without the tree (entries and head alone): the baseline of the overhead."""
    moment = datetime.now(UTC)
    templates = entry_templates(
        recorded_at=moment, facts=[(f.type, f.actor, f.body) for f in facts]
    )
    size = session.execute(
        update(LedgerHead).values(size=LedgerHead.size + len(facts)).returning(LedgerHead.size)
    ).scalar_one()
    rows = []
    for index, (fact, (prefix, suffix)) in enumerate(
        zip(facts, templates, strict=True), size - len(facts)
    ):
        data = prefix + b"%d" % index + suffix
        rows.append(
            {
                "index": index,
                "type": fact.type,
                "recorded_at": moment,
                "entry": data,
                "leaf_hash": merkle.leaf_hash(data),
            }  # fmt: skip
        )
    insert_rows(session, LedgerEntry.metadata.tables[LedgerEntry.__tablename__], rows)


def bench_append(
    sessions: sessionmaker[Session], plain: sessionmaker[Session], metric: str, batch: int
) -> None:
    """Appends per second through append_many, beside entries alone (no tree).

    The two alternate transaction by transaction, so that the load of this shared machine
    weighs on both alike.
    """
    transactions = max(APPEND_FACTS // batch, 1) if batch > 1 else APPEND_FACTS // 10
    timings: dict[str, float] = {"ledger": 0.0, "plain": 0.0}
    for _ in range(transactions):
        for name, factory, append in [
            ("ledger", sessions, ledger.append_many),
            ("plain", plain, _plain_append),
        ]:
            start = time.perf_counter()
            with factory.begin() as session:
                append(session, [FACT] * batch)
            timings[name] += time.perf_counter() - start
    total = transactions * batch
    emit(
        metric,
        total / timings["ledger"],
        "facts/s",
        batch=batch,
        facts=total,
        without_tree_per_s=round(total / timings["plain"]),
        tree_overhead_pct=round(100 * (timings["ledger"] / timings["plain"] - 1), 1),
    )


def load(engine: Engine, sessions: sessionmaker[Session], size: int) -> None:
    """Grow the log to `size` facts through the fast path."""
    with sessions() as session:
        start = ledger.size(session)
        edge = merkle.subtrees(0, start)
        known = tree.subtree_hashes(session, edge)
    builder = merkle.TreeBuilder(start, [known[s] for s in edge], min_level=NODE_MIN_LEVEL)
    for a in range(start, size, LOAD_CHUNK):
        b = min(size, a + LOAD_CHUNK)
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL synchronous_commit = off"))
            conn.execute(text(LOAD_SQL), {"a": a, "b": b})
            leaves = conn.execute(
                text(
                    'SELECT leaf_hash FROM ledger_entry WHERE "index" >= :a AND "index" < :b '
                    'ORDER BY "index"'
                ),
                {"a": a, "b": b},  # fmt: skip
            ).scalars()
            for leaf in leaves:
                builder.append(leaf)
            raw = conn.connection.dbapi_connection
            assert raw is not None
            with raw.cursor().copy('COPY ledger_node (level, "index", hash) FROM STDIN') as copy:
                for node in builder.completed:
                    copy.write_row(node)
            builder.completed.clear()
            conn.execute(update(LedgerHead).values(size=b))
        log(f"loaded {b:,} entries")


def settle(engine: Engine) -> None:
    """Vacuum and checkpoint after the bulk load, as a database in service would be:
    otherwise autovacuum and the checkpointer run during the measurements."""
    log("vacuum and checkpoint")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM (ANALYZE) ledger_entry"))
        conn.execute(text("VACUUM (ANALYZE) ledger_node"))
        conn.execute(text("CHECKPOINT"))


def bench_proofs(sessions: sessionmaker[Session], size: int) -> list[float]:
    """Milliseconds per inclusion proof: the service the API calls, in the API's read sessions."""
    rng = random.Random(size)
    times = []
    for _ in range(WARM_UP):
        with sessions() as session:
            proofs.inclusion(session, index=rng.randrange(size), leaf_hash=None, size=size)
    for _ in range(PROOFS):
        index = rng.randrange(size)
        start = time.perf_counter()
        with sessions() as session:
            proofs.inclusion(session, index=index, leaf_hash=None, size=size)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return times


def emit_proofs(size: int, times: list[float], metric: str) -> None:
    """The proof figures of one size."""
    emit(
        metric,
        times[int(len(times) * 0.99)],
        "ms",
        entries=size,
        p50_ms=round(statistics.median(times), 3),
        samples=len(times),
    )


def _label(size: int) -> str:
    return f"{size // 1_000_000}m" if size % 1_000_000 == 0 else f"{size // 1000}k"


def main() -> None:
    """Run every measurement and print the figures."""
    global SHA_RATE
    data = b"\x00" + entry_bytes(
        index=123456,
        type=FACT.type,
        recorded_at=datetime.now(UTC),
        actor=FACT.actor,
        body=FACT.body,
    )
    SHA_RATE = sha256_rate(data)
    emit("ledger.sha256.per_s", SHA_RATE, "hashes/s", message_bytes=len(data))
    signer = Signer("bench.vigie/ledger", Ed25519PrivateKey.generate())
    with database("ledger") as url:
        engine = make_engine(url)
        sessions = session_factory(engine)
        log("appending through the ledger")
        with database("plain") as plain_url:
            plain_engine = make_engine(plain_url)
            plain = session_factory(plain_engine)
            bench_append(sessions, plain, "ledger.append.per_s", 1000)
            bench_append(sessions, plain, "ledger.append.per_s_single", 1)
            plain_engine.dispose()
        with engine.begin() as conn:
            for name in SECONDARY_INDEXES:
                conn.execute(text(f"DROP INDEX {name}"))
        for size in SIZES:
            load(engine, sessions, size)
            settle(engine)
            log(f"{PROOFS} inclusion proofs at {size:,} entries")
            times = bench_proofs(read_session_factory(engine), size)
            suffix = "" if size == 10_000_000 else f"_{_label(size)}"
            emit_proofs(size, times, f"ledger.proof.p99_ms{suffix}")
            if size == SIZES[0]:
                with sessions.begin() as session:
                    checkpoints.create(session, signer=signer)
                log(f"verifying {size:,} entries")
                start = time.perf_counter()
                with sessions() as session:
                    report = verify_log(DatabaseSource(session), signer.verifier)
                elapsed = time.perf_counter() - start
                assert report.ok, report.failures
                emit(f"ledger.verify_{_label(size)}.s", elapsed, "s", entries=report.size)
        engine.dispose()


if __name__ == "__main__":
    main()
