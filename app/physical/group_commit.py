"""Group commit of single posts: one writer thread per worker, one transaction per group.

A single post alone costs its transaction: 8 round trips, the ledger head lock held until
the commit's fsync, every other post of the log queued behind it. Here the request (on
the event loop, its signature checked and its body parsed) hands its event to the
worker's writer thread and awaits the answer. The writer takes every post waiting at
that moment (up to `max_group`), stores them with singles.store_group in one
transaction (one lock of the head, one insert, one commit and fsync for all), and only
after the commit answers each: a 201 still means committed. Nothing waits on purpose: a
group is whatever arrived during the previous commit, one post when the load is light.

Failures: a post's own refusal (401, 403, 409, 422) is decided before anything is
written and answers that post alone. A database error before the commit rolls the group
back and runs each of its posts again in a transaction of its own, so a post that breaks
a constraint cannot take the others down. A failed commit answers every member with the
error (a 5xx): none of them is acknowledged, and their retries are idempotent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.physical.schemas import EventResult
from app.physical.singles import Outcome, SinglePost, store_group

log = logging.getLogger(__name__)

MAX_GROUP = 64
IDLE_S = 5.0  # the thread ends after this long without posts, and starts again on demand


@dataclass(frozen=True)
class _Waiting:
    single: SinglePost
    loop: asyncio.AbstractEventLoop
    answer: asyncio.Future[EventResult]


class GroupWriter:
    """Stores the single posts of one worker process in groups; see the module's doc."""

    def __init__(
        self, sessions: sessionmaker[Session], settings: Settings, *, max_group: int = MAX_GROUP
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.max_group = max_group
        self._queue: queue.SimpleQueue[_Waiting] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._running = False

    async def store(self, single: SinglePost) -> EventResult:
        """Store one post with the others waiting; its result once committed, or its error."""
        loop = asyncio.get_running_loop()
        waiting = _Waiting(single=single, loop=loop, answer=loop.create_future())
        with self._lock:
            self._queue.put(waiting)
            if not self._running:
                self._running = True
                threading.Thread(target=self._run, name="ingest-group-writer", daemon=True).start()
        return await waiting.answer

    def _run(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=IDLE_S)
            except queue.Empty:
                with self._lock:  # a post queued after the timeout finds the flag still set
                    if self._queue.empty():
                        self._running = False
                        return
                continue
            group = [first]
            while len(group) < self.max_group:
                try:
                    group.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._write(group)

    def _write(self, group: list[_Waiting]) -> None:
        singles = [waiting.single for waiting in group]
        outcomes: Sequence[Outcome | Exception]
        try:
            outcomes = self._commit(singles)
        except _BeforeCommit as exc:
            if len(group) == 1:
                outcomes = [exc.error]
            else:
                log.warning("group of %d posts failed (%s): each again alone", len(group), exc)
                outcomes = [self._alone(single) for single in singles]
        except Exception as exc:  # the commit itself: no member is acknowledged
            outcomes = [exc] * len(group)
        for waiting, outcome in zip(group, outcomes, strict=True):
            # RuntimeError: that event loop has closed, nobody is left to answer.
            with contextlib.suppress(RuntimeError):
                waiting.loop.call_soon_threadsafe(_settle, waiting.answer, outcome)

    def _alone(self, single: SinglePost) -> Outcome | Exception:
        try:
            return self._commit([single])[0]
        except _BeforeCommit as exc:
            return exc.error
        except Exception as exc:
            return exc

    def _commit(self, singles: list[SinglePost]) -> list[Outcome]:
        with self.sessions() as session:
            try:
                outcomes = store_group(session, singles, settings=self.settings)
            except Exception as exc:
                session.rollback()
                raise _BeforeCommit(exc) from exc
            session.commit()  # its failure rolls back when the session closes
            return outcomes


class _BeforeCommit(Exception):
    """A group's statements failed: it was rolled back, nothing of it is stored."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


def writer_of(app: FastAPI) -> GroupWriter:
    """The app's group writer (one per worker process), made on first use."""
    writer: GroupWriter | None = getattr(app.state, "ingest_writer", None)
    if writer is None:
        writer = app.state.ingest_writer = GroupWriter(
            app.state.session_factory, app.state.settings
        )
    return writer


def _settle(answer: asyncio.Future[EventResult], outcome: Outcome | Exception) -> None:
    if answer.done():  # the request was cancelled (client gone): nobody to answer
        return
    if isinstance(outcome, Exception):
        answer.set_exception(outcome)
    else:
        answer.set_result(outcome)
