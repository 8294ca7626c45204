"""Physical benchmark on PostgreSQL, through HTTP against a real `vigie serve`.

    python bench/physical.py

Creates its own database on VIGIE_BENCH_POSTGRES_URL (default
postgresql+psycopg://postgres@127.0.0.1:5432/test), loads the demo site into it with
`python -m app demo` (reader keys in VIGIE_VAR_DIR/demo-readers), starts
`python -m app serve` on a free loopback port, runs each part of PARTS against that
server, then stops it and drops the database. Prints one JSON line per figure; progress
goes to stderr. A part is a function taking the Bench and returning its figures.
"""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import orjson  # noqa: E402
from sqlalchemy import create_engine, make_url, text  # noqa: E402

from app.demo import site  # noqa: E402
from badge_readers.signing import RequestSigner, load_private_key  # noqa: E402

URL = os.environ.get(
    "VIGIE_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
DECISIONS = int(os.environ.get("VIGIE_BENCH_DECISIONS", "3000"))
WARM_UP = 300
DECIDE = "/api/v1/access/decide"
Figure = dict[str, Any]


def log(message: str) -> None:
    """Progress, on stderr."""
    print(message, file=sys.stderr, flush=True)


@dataclass
class Bench:
    """A running server on the demo site, and what parts need to talk to it."""

    base_url: str
    database_url: str
    var_dir: Path
    http: httpx.Client

    def signer(self, reader: str) -> RequestSigner:
        """The request signer of a demo reader, from the key `vigie demo` wrote."""
        key = load_private_key(self.var_dir / "demo-readers" / f"{reader}.pem")
        return RequestSigner(reader, key)

    def signed_post(self, signer: RequestSigner, path: str, payload: object) -> httpx.Response:
        """POST a JSON payload signed as the reader, over the kept-alive connection."""
        body = orjson.dumps(payload)
        request = self.http.build_request(
            "POST", path, content=body, headers={"Content-Type": "application/json"}
        )
        signer.sign(request, body)
        return self.http.send(request)


def percentile(samples: list[float], fraction: float) -> float:
    """The nearest-rank percentile of the samples."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def figure(metric: str, value: float, unit: str, **extra: Any) -> Figure:
    """One output line."""
    return {"metric": metric, "value": round(value, 3), "unit": unit, **extra}


def decide_latency(bench: Bench) -> list[Figure]:
    """p50/p99 of POST /api/v1/access/decide: signed, one decision and one fact each."""
    readers = [f"R-{door[0]}-{direction}" for door in site.DOORS for direction in ("IN", "OUT")]
    signers = {code: bench.signer(code) for code in readers}
    # Mostly known badges (granted or denied by schedule, validity, status), some unknown.
    badges = [uid for uid, *_ in site.BADGES] + ["04:FF:00:00:00:00:01", "04:FF:00:00:00:00:02"]
    rng = random.Random(5)
    samples: list[float] = []
    outcomes: dict[str, int] = {}
    for n in range(WARM_UP + DECISIONS):
        reader = rng.choice(readers)
        payload = {"badge_uid": rng.choice(badges)}
        start = time.perf_counter()
        response = bench.signed_post(signers[reader], DECIDE, payload)
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{reader}: {response.status_code} {response.text}")
        if n >= WARM_UP:
            samples.append(elapsed)
            reason = response.json()["reason"]
            outcomes[reason] = outcomes.get(reason, 0) + 1
    log(f"decide: {len(samples)} decisions, reasons {outcomes}")
    return [
        figure("physical.decide.p50_ms", percentile(samples, 0.50), "ms", n=len(samples)),
        figure("physical.decide.p99_ms", percentile(samples, 0.99), "ms", n=len(samples)),
    ]


PARTS: list[Callable[[Bench], list[Figure]]] = [decide_latency]


@contextmanager
def scratch_database() -> Iterator[str]:
    """A new PostgreSQL database, dropped afterwards."""
    admin = create_engine(URL, isolation_level="AUTOCOMMIT")
    name = f"vigie_bench_physical_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def vigie(env: dict[str, str], *args: str) -> None:
    """Run a vigie command to completion."""
    subprocess.run([sys.executable, "-m", "app", *args], env=env, cwd=ROOT, check=True)


@contextmanager
def demo_server() -> Iterator[Bench]:
    """The demo site in a scratch database, served by `vigie serve` until the block ends."""
    with scratch_database() as database_url, tempfile.TemporaryDirectory() as var:
        port = free_port()
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "VIGIE_DATABASE_URL": database_url,
            "VIGIE_VAR_DIR": var,
            "VIGIE_PORT": str(port),
            "VIGIE_CHECKPOINT_INTERVAL_S": "0",
        }
        vigie(env, "migrate")
        vigie(env, "demo")
        server = subprocess.Popen(
            [sys.executable, "-m", "app", "serve"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            with httpx.Client(base_url=base_url, timeout=10) as http:
                wait_ready(http, server)
                yield Bench(base_url, database_url, Path(var), http)
        finally:
            server.terminate()
            server.wait(timeout=30)


def wait_ready(http: httpx.Client, server: subprocess.Popen[bytes]) -> None:
    """Poll /healthz until the server answers (or died)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"vigie serve exited with {server.returncode}")
        try:
            if http.get("/healthz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("vigie serve did not become ready within 60 s")


def main() -> None:
    """Run every part against one demo server and print its figures."""
    with demo_server() as bench:
        for part in PARTS:
            log(f"running {part.__name__}")
            for line in part(bench):
                print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
