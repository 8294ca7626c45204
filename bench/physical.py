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
Settings: VIGIE_BENCH_DECISIONS (3000, after 300 of warm-up).
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
import orjson  # noqa: E402

from app.demo import site  # noqa: E402
from badge_readers.signing import RequestSigner, load_private_key  # noqa: E402
from bench.support import database, emit, log, percentile, server, vigie  # noqa: E402

DECISIONS = int(os.environ.get("VIGIE_BENCH_DECISIONS", "3000"))
WARM_UP = 300
DECIDE = "/api/v1/access/decide"
UNKNOWN_BADGES = ["04:FF:00:00:00:00:01", "04:FF:00:00:00:00:02"]


@dataclass
class Site:
    """The demo site served by a running vigie, and what the parts need to reach it."""

    base_url: str
    database_url: str
    keys: Path  # the demo readers' private keys

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


PARTS: list[Callable[[Site], None]] = [decide_latency]


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
            demo = Site(base_url=base, database_url=url, keys=var / "demo-readers")
            for part in PARTS:
                log(f"running {part.__name__}")
                part(demo)


if __name__ == "__main__":
    main()
