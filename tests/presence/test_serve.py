"""`vigie serve --workers 2` runs one projector process beside the API, whatever befalls it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
from sqlalchemy import select

from app.db import make_engine
from app.presence.models import ProjectionCursor
from tests.conftest import ADMIN_TOKEN
from tests.databases import migrated_database
from tests.processes import children, free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]


def _projectors(server: int) -> list[int]:
    """Children of the server process running `vigie project --follow`."""
    return [
        pid
        for pid, command in children(server).items()
        if b"--follow" in command and b"project" in command
    ]


def _projected(url: str) -> bool:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.scalar(select(ProjectionCursor.name)) is not None
    finally:
        engine.dispose()


def _healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def test_one_projector_for_two_workers_restarted_after_a_crash(
    backend: str, tmp_path: Path
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with migrated_database(backend, tmp_path) as url:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "VIGIE_DATABASE_URL": url,
            "VIGIE_VAR_DIR": str(tmp_path / "var"),
            "VIGIE_ADMIN_TOKEN": ADMIN_TOKEN,
            "VIGIE_PROJECTOR_INTERVAL_S": "0.2",
            "VIGIE_CHECKPOINT_INTERVAL_S": "0",
        }
        log = (tmp_path / "server.log").open("wb")
        server = subprocess.Popen(
            [sys.executable, "-m", "app", "serve", "--port", str(port), "--workers", "2"],
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for(lambda: _healthy(base), "the server")
            wait_for(lambda: _projected(url), "the projector's first run")
            (first,) = _projectors(server.pid)  # one, not one per worker
            os.kill(first, signal.SIGKILL)
            wait_for(lambda: _projectors(server.pid) not in ([], [first]), "a new projector")
            assert len(_projectors(server.pid)) == 1
            assert _healthy(base)  # the API never went down
            (second,) = _projectors(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=60)
            log.close()
        assert not Path(f"/proc/{second}").exists()  # stopped with the server
    output = (tmp_path / "server.log").read_text()
    assert "projector process exited with code -9; restarting" in output
