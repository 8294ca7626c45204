"""A reader's durable on-disk queue: events wait here, numbered, until the server acks them.

One SQLite file per reader, in WAL mode with synchronous=FULL: a committed enqueue or ack
survives a kill -9 or a power cut, and an interrupted one leaves no trace. The reader's
sequence number is assigned in the same transaction that stores the event, from a counter
that only grows, so a restart never reuses a seq that an event was ever stored under.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import NamedTuple

import orjson

from badge_readers.events import Event

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS counter"
    " (id INTEGER PRIMARY KEY CHECK (id = 1), next_seq INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS pending (seq INTEGER PRIMARY KEY, body BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS dead_letter (seq INTEGER PRIMARY KEY, body BLOB NOT NULL,"
    " status INTEGER NOT NULL, message TEXT NOT NULL, failed_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
)


class Pending(NamedTuple):
    """An event waiting for the server's ack: its seq and its exact JSON body."""

    seq: int
    body: bytes


class DeadLetter(NamedTuple):
    """An event the server refused for good, with the server's answer."""

    seq: int
    body: bytes
    status: int
    message: str
    failed_at: str


class EventQueue:
    """The durable queue of one reader; use it from one thread at a time."""

    def __init__(self, path: Path, *, first_seq: int = 1) -> None:
        """Open (or create, numbering from `first_seq`) the queue file at `path`."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # isolation_level=None: the module's implicit transactions are off, ours are explicit.
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA busy_timeout=10000")
        with self._transaction() as db:
            for statement in _SCHEMA:
                db.execute(statement)
            # Only a new file takes first_seq; an existing one keeps counting.
            db.execute("INSERT OR IGNORE INTO counter (id, next_seq) VALUES (1, ?)", (first_seq,))

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        # IMMEDIATE takes the write lock up front: a second process (`vigie-reader flush`
        # beside a running simulator) waits instead of failing half-way.
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def enqueue(self, events: Iterable[Event]) -> range:
        """Store events with the next seqs in one transaction (one fsync); return the seqs."""
        with self._transaction() as db:
            (first,) = db.execute("SELECT next_seq FROM counter").fetchone()
            rows = [
                (seq, orjson.dumps(event.to_wire(seq)))
                for seq, event in enumerate(events, start=first)
            ]
            db.executemany("INSERT INTO pending (seq, body) VALUES (?, ?)", rows)
            db.execute("UPDATE counter SET next_seq = ?", (first + len(rows),))
        return range(first, first + len(rows))

    def peek(self, limit: int) -> list[Pending]:
        """The oldest pending events, at most `limit` of them."""
        cursor = self._db.execute("SELECT seq, body FROM pending ORDER BY seq LIMIT ?", (limit,))
        return [Pending(seq, body) for seq, body in cursor]

    def ack(self, seqs: Iterable[int]) -> None:
        """Forget events the server has stored (accepted or duplicate)."""
        with self._transaction() as db:
            db.executemany("DELETE FROM pending WHERE seq = ?", ((seq,) for seq in seqs))

    def dead_letter(self, seq: int, *, status: int, message: str) -> None:
        """Move an event the server refused for good out of the way, keeping its answer."""
        failed_at = datetime.now(UTC).isoformat()
        with self._transaction() as db:
            db.execute(
                "INSERT INTO dead_letter (seq, body, status, message, failed_at)"
                " SELECT seq, body, ?, ?, ? FROM pending WHERE seq = ?",
                (status, message, failed_at, seq),
            )
            db.execute("DELETE FROM pending WHERE seq = ?", (seq,))

    def depth(self) -> int:
        """How many events wait for the server."""
        (count,) = self._db.execute("SELECT count(*) FROM pending").fetchone()
        return int(count)

    def last_seq(self) -> int:
        """The highest seq ever assigned (0 for a new queue)."""
        (next_seq,) = self._db.execute("SELECT next_seq FROM counter").fetchone()
        return int(next_seq) - 1

    def dead_letters(self) -> list[DeadLetter]:
        """Every event the server refused for good, oldest first."""
        cursor = self._db.execute(
            "SELECT seq, body, status, message, failed_at FROM dead_letter ORDER BY seq"
        )
        return [DeadLetter(*row) for row in cursor]

    def get_meta(self, key: str) -> str | None:
        """A value the queue's owner stored beside the events."""
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, values: dict[str, str]) -> None:
        """Store values beside the events, all or none (durably)."""
        with self._transaction() as db:
            db.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", values.items())

    def close(self) -> None:
        """Close the file; committed work is already on disk."""
        self._db.close()

    def __enter__(self) -> EventQueue:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
