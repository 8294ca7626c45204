"""`vigie serve`'s projector process: restarted when it dies, stopped with the server."""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Callable

import pytest

from app.presence.supervisor import ProjectorProcess


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def test_a_projector_that_dies_is_logged_and_started_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    crashing = ProjectorProcess(
        [sys.executable, "-c", "raise SystemExit(3)"], restart_s=0.01, max_restart_s=0.05
    )
    crashing.start()
    try:
        _wait_for(lambda: crashing.starts >= 3, "two restarts")
    finally:
        crashing.stop()
    assert "projector process exited with code 3; restarting" in caplog.text


def test_stopping_ends_the_running_projector() -> None:
    running = ProjectorProcess([sys.executable, "-c", "import time; time.sleep(60)"])
    running.start()
    _wait_for(lambda: running.process is not None, "the projector to start")
    running.stop(timeout=10)
    assert running.process is not None and running.process.returncode == -signal.SIGTERM
    assert running.starts == 1  # stopped, not restarted
