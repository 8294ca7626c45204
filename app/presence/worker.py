"""The projector's loop: one per deployment, in its own process (`vigie project --follow`)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.physical.models import PhysicalEvent
from app.presence import projector

log = logging.getLogger(__name__)


class Projector:
    """Runs `projector.run_once` every `projector_interval_s`, at once again while behind,
    unless events are pouring in (`projector_yield_rate`): ingest goes first."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        settings: Settings,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.clock = clock
        self.up_to_date_at = clock()  # when a run last found less than a full batch

    def tick(self) -> int:
        """Project one batch in its own transaction; errors are logged, the loop goes on."""
        try:
            with self.sessions.begin() as session:
                return projector.run_once(session, settings=self.settings)
        except SQLAlchemyError:
            # The database may be away for a while (restart, failover): try again next time.
            log.exception("projector run failed")
            return 0

    def newest(self) -> int:
        """The id of the newest stored event (0 if none, or the database is away)."""
        try:
            with self.sessions() as session:
                return session.scalar(select(func.max(PhysicalEvent.id))) or 0
        except SQLAlchemyError:
            return 0

    def follow(self, stop: threading.Event) -> None:
        """Project what arrives until `stop` is set."""
        while not stop.wait(self.settings.projector_interval_s):
            self.catch_up(stop)

    def catch_up(self, stop: threading.Event) -> None:
        """Full batches back to back while behind, until the events arrive faster than
        `projector_yield_rate` per second: then the rest waits for the next interval, for
        at most `projector_yield_max_s` since the projector was last up to date.

        Every batch ingest stores ends under the ledger head lock; the projector's CPU
        (its own and its PostgreSQL backend's, 21 us per event measured) stretches that
        lock's hold during a burst. Live traffic stays far below the rate and is
        projected at once; the muster says how many events are not projected yet.
        """
        settings = self.settings
        newest, since = self.newest(), self.clock()
        while (read := self.tick()) >= settings.projector_batch and not stop.is_set():
            now_newest, now = self.newest(), self.clock()
            burst = (now_newest - newest) > settings.projector_yield_rate * max(now - since, 1e-3)
            patient = now - self.up_to_date_at < settings.projector_yield_max_s
            if settings.projector_yield_rate and burst and patient:
                log.info("ingest burst: projecting resumes in %s s", settings.projector_interval_s)
                return
            newest, since = now_newest, now
        if read < settings.projector_batch:
            self.up_to_date_at = self.clock()
