"""`vigie serve` keeps one projector process beside the API: restarted when it dies."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time
from collections.abc import Sequence

log = logging.getLogger(__name__)

PROJECT = (sys.executable, "-m", "app", "project", "--follow")


class ProjectorProcess:
    """Runs `command` (the projector) in a child process, again after each exit, until stopped.

    The child is its own process: its CPU is not the request-serving workers' (a thread
    in each worker held their GIL, and every worker ran one), it lowers its own priority,
    and a crash of it leaves the API serving. Its own session, too, so that a Ctrl-C at
    the terminal reaches the server, which then stops it, rather than both at once.
    """

    def __init__(
        self,
        command: Sequence[str] = PROJECT,
        *,
        restart_s: float = 1.0,
        max_restart_s: float = 60.0,
    ) -> None:
        self.command = list(command)
        self.restart_s = restart_s
        self.max_restart_s = max_restart_s
        self.starts = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._child: subprocess.Popen[bytes] | None = None
        self._thread = threading.Thread(target=self._run, name="projector-supervisor", daemon=True)

    @property
    def process(self) -> subprocess.Popen[bytes] | None:
        """The projector process started last, if any."""
        return self._child

    def start(self) -> None:
        """Start the projector and keep it running."""
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        """Stop the projector (SIGTERM: it finishes its batch; SIGKILL after `timeout`)."""
        self._stop.set()
        with self._lock:
            child = self._child
        if child is not None and child.poll() is None:
            child.terminate()
            try:
                child.wait(timeout)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        self._thread.join(timeout)

    def _run(self) -> None:
        failures = 0
        while True:
            with self._lock:
                if self._stop.is_set():
                    return
                started = time.monotonic()
                # Our own command line (or a test's), never outside input.
                self._child = subprocess.Popen(self.command, start_new_session=True)  # noqa: S603
                self.starts += 1
            code = self._child.wait()
            if self._stop.is_set():
                return
            # Back off while it keeps failing at once (database away, bad settings).
            failures = 0 if time.monotonic() - started > self.max_restart_s else failures + 1
            delay = min(self.restart_s * 2 ** (failures - 1), self.max_restart_s)
            log.error("projector process exited with code %s; restarting in %.1f s", code, delay)
            if self._stop.wait(delay):
                return
