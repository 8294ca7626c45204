"""What the benchmarks share: JSON figure lines, scratch PostgreSQL databases, a real server."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import create_engine, make_url, text

from app import migrations_state
from app.db import make_engine

ROOT = Path(__file__).resolve().parent.parent
URL = os.environ.get(
    "VIGIE_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def log(message: str) -> None:
    """Progress on stderr (stdout carries only the figures)."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def emit(metric: str, value: float, unit: str, **context: object) -> None:
    """One figure as one JSON line on stdout."""
    line: dict[str, object] = {"metric": metric, "value": round(value, 3), "unit": unit}
    line.update(context)
    print(json.dumps(line), flush=True)


@contextmanager
def database(tag: str) -> Iterator[str]:
    """A new PostgreSQL database migrated to head, dropped afterwards; yields its URL."""
    name = f"vigie_bench_{tag}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(URL).set(database=name).render_as_string(hide_password=False)
    try:
        engine = make_engine(url)
        migrations_state.upgrade(engine)
        engine.dispose()
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def free_port() -> int:
    """A TCP port nobody listens on right now, on the loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def vigie(env: dict[str, str], *args: str) -> None:
    """Run one `vigie` command to completion; its output goes to stderr, with the progress."""
    subprocess.run(
        [sys.executable, "-m", "app", *args], env=env, cwd=ROOT, check=True, stdout=sys.stderr
    )


@contextmanager
def server(env: dict[str, str], *, workers: int = 1) -> Iterator[str]:
    """A real vigie server in a subprocess, ready; yields its base URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--port", str(port), "--workers", str(workers)],
        env={**env, "VIGIE_LOG_LEVEL": "warning"},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None:
                raise RuntimeError("vigie server exited during start-up")
            time.sleep(0.2)
        else:
            raise RuntimeError("vigie server not ready within 60 s")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) by nearest rank."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]
