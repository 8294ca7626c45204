"""Physical benchmark on PostgreSQL, through HTTP with signed requests to a real server.

    python bench/physical.py

Creates its own database on VIGIE_BENCH_POSTGRES_URL (default
postgresql+psycopg://postgres@127.0.0.1:5432/test), loads the demo site into it with
`python -m app demo` (reader keys in VIGIE_VAR_DIR/demo-readers), starts
`python -m app serve` with VIGIE_DATABASE_URL, runs each part of PARTS against it, then
stops it and drops the database. One JSON line per figure on stdout, progress on stderr.
A part is a function taking the Site and emitting its figures.
1. decide_latency: p50/p99 of POST /api/v1/access/decide (`physical.decide.*`), one
   signed request at a time over a kept-alive connection, as a reader asks; timed from
   sending the signed request to reading the answer.
2. who_in_zone: p50/p95 of GET /api/v1/presence/zones/{id}/muster?at=T
   (`physical.who_in_zone.*`) after bench/presence_data.py has written a year of traffic
   (about 10 million swipes: VIGIE_BENCH_PEOPLE 2000 x VIGIE_BENCH_VISITS 501 visits of
   10 swipes) in bulk; random tracked zone and random T in that year, one request at a
   time as the demo's security account (bearer token from POST /api/v1/auth/login with
   the password `vigie demo` wrote to VIGIE_VAR_DIR/demo-users.txt).
   Then the same without the GiST index (`physical.who_in_zone.btree_only.*`, a third as
   many): the plan the muster had before migration 0008.
Settings: VIGIE_BENCH_DECISIONS (3000, after 300 of warm-up), VIGIE_BENCH_MUSTERS (300,
after 30 of warm-up), VIGIE_BENCH_PEOPLE, VIGIE_BENCH_VISITS, VIGIE_BENCH_PARTS (names of
the parts to run, comma-separated; default all).
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
import orjson  # noqa: E402
import psycopg  # noqa: E402
from sqlalchemy import make_url  # noqa: E402

from app.demo import site  # noqa: E402
from badge_readers.signing import RequestSigner, load_private_key  # noqa: E402
from bench import presence_data  # noqa: E402
from bench.presence_data import Shape  # noqa: E402
from bench.support import database, emit, log, percentile, server, vigie  # noqa: E402

DECISIONS = int(os.environ.get("VIGIE_BENCH_DECISIONS", "3000"))
MUSTERS = int(os.environ.get("VIGIE_BENCH_MUSTERS", "300"))
TRAFFIC = Shape(
    people=int(os.environ.get("VIGIE_BENCH_PEOPLE", "2000")),
    visits=int(os.environ.get("VIGIE_BENCH_VISITS", "501")),
)
WARM_UP = 300
DECIDE = "/api/v1/access/decide"
UNKNOWN_BADGES = ["04:FF:00:00:00:00:01", "04:FF:00:00:00:00:02"]


@dataclass
class Site:
    """The demo site served by a running vigie, and what the parts need to reach it."""

    base_url: str
    database_url: str
    var: Path  # what `vigie demo` wrote: demo-readers/ (keys), demo-users.txt

    @property
    def keys(self) -> Path:
        """The demo readers' private keys."""
        return self.var / "demo-readers"

    def token(self, http: httpx.Client, username: str) -> str:
        """A bearer token of a demo account, logged in with the password the demo wrote."""
        lines = (self.var / "demo-users.txt").read_text().splitlines()
        password = next(line.split()[-1] for line in lines if line.split()[0] == username)
        response = http.post(
            "/api/v1/auth/login", json={"username": username, "password": password}
        )
        response.raise_for_status()
        return str(response.json()["access_token"])

    def signer(self, reader: str) -> RequestSigner:
        """The request signer of a demo reader, from the key `vigie demo` wrote."""
        return RequestSigner(reader, load_private_key(self.keys / f"{reader}.pem"))


def signed_request(
    http: httpx.Client, signer: RequestSigner, path: str, payload: object
) -> httpx.Request:
    """A JSON POST signed as the reader, ready to send."""
    body = orjson.dumps(payload)
    request = http.build_request(
        "POST", path, content=body, headers={"Content-Type": "application/json"}
    )
    signer.sign(request, body)
    return request


def decide_latency(demo: Site) -> None:
    """p50/p99 of signed decisions: one lookup, one access.decision fact and a commit each."""
    readers = [f"R-{door[0]}-{way}" for door in site.DOORS for way in ("IN", "OUT")]
    signers = {code: demo.signer(code) for code in readers}
    # Known badges (granted, or denied by schedule, validity or status) and a few unknown.
    badges = [uid for uid, *_ in site.BADGES] + UNKNOWN_BADGES
    rng = random.Random(5)
    samples: list[float] = []
    reasons: Counter[str] = Counter()
    with httpx.Client(base_url=demo.base_url, timeout=10) as http:
        for n in range(WARM_UP + DECISIONS):
            reader = rng.choice(readers)
            request = signed_request(
                http, signers[reader], DECIDE, {"badge_uid": rng.choice(badges)}
            )
            # From send to answer: the reader's own signing time is not the endpoint's.
            start = time.perf_counter()
            response = http.send(request)
            elapsed = (time.perf_counter() - start) * 1000
            if response.status_code != 200:
                raise SystemExit(f"{reader}: {response.status_code} {response.text}")
            if n >= WARM_UP:
                samples.append(elapsed)
                reasons[response.json()["reason"]] += 1
    log(f"{len(samples)} decisions: {dict(reasons)}")
    emit("physical.decide.p50_ms", percentile(samples, 50), "ms", n=len(samples))
    emit("physical.decide.p99_ms", percentile(samples, 99), "ms", n=len(samples))


def who_in_zone(demo: Site) -> None:
    """p50/p95 of muster lists at random (zone, T) over a year of bulk-loaded traffic."""
    log(f"writing about {TRAFFIC.swipes:,} swipes of traffic in bulk")
    started = time.perf_counter()
    plain = make_url(demo.database_url).set(drivername="postgresql")
    counts = presence_data.load(plain.render_as_string(hide_password=False), TRAFFIC)
    log(f"written in {time.perf_counter() - started:.0f} s: {counts}")
    with psycopg.connect(plain.render_as_string(hide_password=False)) as conn:
        zones = [
            row[0]
            for row in conn.execute("SELECT DISTINCT zone_id FROM presence_interval ORDER BY 1")
        ]
    rng = random.Random(7)
    swipes = counts["passage"]  # every swipe of the traffic is granted and passed
    with httpx.Client(base_url=demo.base_url, timeout=60) as http:
        http.headers["Authorization"] = f"Bearer {demo.token(http, 'demo-security')}"
        samples, people = _musters(http, zones, rng, WARM_UP // 10, MUSTERS)
        log(f"{len(samples)} musters over {len(zones)} zones, {people:.1f} people listed each")
        context = {"n": len(samples), "swipes": swipes, "people": people}
        emit("physical.who_in_zone.p50_ms", percentile(samples, 50), "ms", **context)
        emit("physical.who_in_zone.p95_ms", percentile(samples, 95), "ms", **context)
        # Before: the same questions without the GiST index, as the query was planned
        # before migration 0008 (the (zone_id, start_at) btree, every earlier stay).
        with psycopg.connect(plain.render_as_string(hide_password=False)) as conn:
            conn.execute("DROP INDEX ix_presence_interval_zone_span")
        samples, people = _musters(http, zones, rng, 5, MUSTERS // 3)
        context = {"n": len(samples), "swipes": swipes, "people": people}
        emit("physical.who_in_zone.btree_only.p50_ms", percentile(samples, 50), "ms", **context)
        emit("physical.who_in_zone.btree_only.p95_ms", percentile(samples, 95), "ms", **context)


def _musters(
    http: httpx.Client, zones: list[int], rng: random.Random, warm_up: int, count: int
) -> tuple[list[float], float]:
    """Latencies of `count` musters at random (zone, T) after `warm_up`; people per list."""
    span = presence_data.DAYS * 86400
    samples: list[float] = []
    people = 0
    for n in range(warm_up + count):
        moment = presence_data.START + timedelta(seconds=rng.uniform(0, span))
        path = f"/api/v1/presence/zones/{rng.choice(zones)}/muster"
        request = http.build_request("GET", path, params={"at": moment.isoformat()})
        start = time.perf_counter()
        response = http.send(request)
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{path}: {response.status_code} {response.text}")
        if n >= warm_up:
            samples.append(elapsed)
            people += response.json()["count"]
    return samples, people / count


PARTS: list[Callable[[Site], None]] = [decide_latency, who_in_zone]
# VIGIE_BENCH_PARTS=decide_latency runs only the named parts (comma-separated).
CHOSEN = [p for p in os.environ.get("VIGIE_BENCH_PARTS", "").split(",") if p]


def main() -> None:
    """The demo site on a fresh database behind a real server; every part against it."""
    with database("physical") as url, tempfile.TemporaryDirectory() as tmp:
        var = Path(tmp) / "var"
        env = {
            **os.environ,
            "VIGIE_DATABASE_URL": url,
            "VIGIE_VAR_DIR": str(var),
            "VIGIE_ACCESS_LOG": "false",
            "VIGIE_CHECKPOINT_INTERVAL_S": "0",
        }
        log("loading the demo site")
        vigie(env, "demo")
        with server(env) as base:
            demo = Site(base_url=base, database_url=url, var=var)
            for part in PARTS:
                if CHOSEN and part.__name__ not in CHOSEN:
                    continue
                log(f"running {part.__name__}")
                part(demo)


if __name__ == "__main__":
    main()
