"""A background thread that signs a checkpoint at a set interval while the log grows."""

from __future__ import annotations

import logging
import threading

from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app.ledger import checkpoints
from app.ledger.note import Signer
from app.ledger.tree import TreeCorrupted

log = logging.getLogger(__name__)


class Checkpointer:
    """Runs `checkpoints.create` every `interval_s` seconds until stopped."""

    def __init__(self, sessions: sessionmaker[Session], signer: Signer, interval_s: float) -> None:
        self.sessions = sessions
        self.signer = signer
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ledger-checkpointer", daemon=True)

    def start(self) -> None:
        """Start the thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread and wait for it."""
        self._stop.set()
        self._thread.join(timeout=30)

    def tick(self) -> None:
        """Sign one checkpoint if the log grew; errors are logged, the thread goes on."""
        try:
            with self.sessions.begin() as session:
                row, created = checkpoints.create(session, signer=self.signer)
            if created:
                log.info("ledger checkpoint signed at size %d", row.size)
        except IntegrityError:
            # Another worker signed the same size first.
            log.debug("checkpoint already signed by another worker")
        except (SQLAlchemyError, TreeCorrupted):
            log.exception("ledger checkpoint failed")

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.tick()
