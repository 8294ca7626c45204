"""The projector's loop: one per deployment, in its own process (`vigie project --follow`)."""

from __future__ import annotations

import logging
import threading

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.presence import projector

log = logging.getLogger(__name__)


class Projector:
    """Runs `projector.run_once` every `projector_interval_s`, at once again while behind."""

    def __init__(self, sessions: sessionmaker[Session], settings: Settings) -> None:
        self.sessions = sessions
        self.settings = settings

    def tick(self) -> int:
        """Project one batch in its own transaction; errors are logged, the loop goes on."""
        try:
            with self.sessions.begin() as session:
                return projector.run_once(session, settings=self.settings)
        except SQLAlchemyError:
            # The database may be away for a while (restart, failover): try again next time.
            log.exception("projector run failed")
            return 0

    def follow(self, stop: threading.Event) -> None:
        """Project what arrives until `stop` is set."""
        interval = self.settings.projector_interval_s
        while not stop.wait(interval):
            while self.tick() >= self.settings.projector_batch and not stop.is_set():
                pass  # a full batch: more are waiting
