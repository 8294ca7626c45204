"""Load mode: a burst of generated swipes through the real client, for benchmarks.

The swipes are shared out between the plan's readers and queued first, one transaction per
chunk (no fsync per event); the timed part is the delivery: every reader flushes its
queue in batches, `concurrency` readers at a time over one keep-alive connection pool.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path

import httpx

from badge_readers.client import FlushReport, ReaderClient
from badge_readers.events import Swipe
from badge_readers.plan import SitePlan
from badge_readers.signing import load_private_key

CHUNK = 10_000


@dataclass(frozen=True)
class LoadReport:
    """Figures of one load run."""

    events: int
    queue_s: float
    send_s: float
    accepted: int
    duplicates: int
    remaining: int

    @property
    def events_per_s(self) -> float:
        """Events delivered per second of sending."""
        return self.events / self.send_s if self.send_s else 0.0


def _swipes(count: int, badges: list[str], end: datetime) -> Iterator[Swipe]:
    # One millisecond apart, the newest just before `end`: never in the server's future.
    for k in range(count):
        yield Swipe(end - timedelta(milliseconds=count - k), badges[k % len(badges)], "granted")


def run_load(
    plan: SitePlan,
    *,
    server: str,
    queue_dir: Path,
    count: int,
    batch_size: int = 500,
    concurrency: int = 4,
    on_delivery: Callable[[], None] | None = None,
) -> LoadReport:
    """Queue `count` granted swipes across the plan's readers, then time their delivery
    (`on_delivery` is called when it starts, after the queueing)."""
    badges = [b.uid for b in plan.badges if b.status == "active"] or ["LOAD-BADGE"]
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    now = datetime.now(UTC)
    # New queues number from the current microsecond: a rerun against the same database
    # never reuses a seq (which the server would refuse as a conflict).
    first_seq = time.time_ns() // 1000
    with httpx.Client(timeout=60, limits=limits) as http:
        clients = [
            ReaderClient(
                server,
                reader.code,
                load_private_key(reader.key),
                queue_dir / f"{reader.code}.sqlite",
                batch_size=batch_size,
                http=http,
                first_seq=first_seq,
            )
            for reader in plan.readers
        ]
        try:
            started = time.perf_counter()
            for index, client in enumerate(clients):
                share = count // len(clients) + (index < count % len(clients))
                swipes = _swipes(share, badges, now)
                while chunk := list(islice(swipes, CHUNK)):
                    client.record_many(chunk)
            if on_delivery is not None:
                on_delivery()
            queued = time.perf_counter()
            with ThreadPoolExecutor(max_workers=concurrency) as pool:
                reports: list[FlushReport] = list(pool.map(lambda c: c.flush(), clients))
            sent = time.perf_counter()
        finally:
            for client in clients:
                client.close()
    return LoadReport(
        events=count,
        queue_s=queued - started,
        send_s=sent - queued,
        accepted=sum(r.accepted for r in reports),
        duplicates=sum(r.duplicates for r in reports),
        remaining=sum(r.remaining for r in reports),
    )
