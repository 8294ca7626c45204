"""A background thread that runs the projector at a set interval."""

from __future__ import annotations

import logging
import threading

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.presence import projector

log = logging.getLogger(__name__)


class ProjectorThread:
    """Runs `projector.run_once` every `projector_interval_s`, at once again while behind."""

    def __init__(self, sessions: sessionmaker[Session], settings: Settings) -> None:
        self.sessions = sessions
        self.settings = settings
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="presence-projector", daemon=True)

    def start(self) -> None:
        """Start the thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread and wait for it."""
        self._stop.set()
        self._thread.join(timeout=30)

    def tick(self) -> int:
        """Project one batch in its own transaction; errors are logged, the thread goes on."""
        try:
            with self.sessions.begin() as session:
                return projector.run_once(session, settings=self.settings)
        except SQLAlchemyError:
            # Another worker's projector may hold the cursor, or created it first.
            log.exception("projector run failed")
            return 0

    def _run(self) -> None:
        while not self._stop.wait(self.settings.projector_interval_s):
            while self.tick() >= self.settings.projector_batch and not self._stop.is_set():
                pass  # a full batch: more are waiting
