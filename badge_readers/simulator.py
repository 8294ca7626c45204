"""Drive a scenario's events through one ReaderClient per reader, as the site's readers would.

Resuming is exact: each reader's queue remembers which scenario it records and from which
seq, so after a crash the simulator regenerates the same events, skips those already
queued, and records the rest. Events then reach the server exactly once: queued ones are
re-sent until acked, and a re-send of an event already stored comes back as a duplicate.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from badge_readers.client import ReaderClient, ReaderRejected, ServerUnavailable
from badge_readers.events import Event
from badge_readers.scenario import Scenario, Scheduled
from badge_readers.signing import load_private_key

log = logging.getLogger(__name__)

SCENARIO_KEY = "scenario"
FIRST_SEQ_KEY = "scenario_first_seq"
CHUNK = 2000  # events recorded per transaction when not pacing in real time
MAX_PAUSE_S = 30.0  # longest wait between flush attempts while the server is away


@dataclass
class SimulationReport:
    """What a run did."""

    generated: int = 0
    skipped: int = 0
    recorded: int = 0
    accepted: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    remaining: int = 0


@dataclass
class Pacing:
    """How the run is paced and flushed."""

    speed: float = 0.0  # simulated seconds per wall second; 0 = as fast as possible
    flush_every_s: float = 1.0
    retry_budget_s: float = 2.0  # per flush while simulating: a down server never stalls us
    drain_timeout_s: float = 60.0
    batch_size: int = 500
    timeout_s: float = 10.0


class Simulator:
    """Runs one scenario against one server, with queues under `queue_dir`."""

    def __init__(
        self,
        scenario: Scenario,
        *,
        server: str,
        queue_dir: Path,
        pacing: Pacing | None = None,
    ) -> None:
        self.scenario = scenario
        self.pacing = pacing or Pacing()
        self._http = httpx.Client(timeout=self.pacing.timeout_s)
        self.clients = {
            reader.code: ReaderClient(
                server,
                reader.code,
                load_private_key(reader.key),
                queue_dir / f"{reader.code}.sqlite",
                batch_size=self.pacing.batch_size,
                http=self._http,
            )
            for reader in scenario.plan.readers
        }
        self.report = SimulationReport()
        self._next_flush = 0.0
        self._pause = self.pacing.flush_every_s

    def run(self) -> SimulationReport:
        """Record every event not yet recorded, flushing as it goes, then drain the queues."""
        try:
            skip = self._resume()
            events = self.scenario.events()
            self.report.generated = len(events)
            self._play(events, skip)
            self._drain()
        finally:
            self.close()
        return self.report

    def _resume(self) -> dict[str, int]:
        """How many events of each reader's stream its queue already holds."""
        fingerprint = self.scenario.fingerprint()
        skip = {}
        for code, client in self.clients.items():
            queue = client.queue
            first = queue.get_meta(FIRST_SEQ_KEY)
            if queue.get_meta(SCENARIO_KEY) != fingerprint or first is None:
                first = str(queue.last_seq() + 1)
                queue.set_meta({SCENARIO_KEY: fingerprint, FIRST_SEQ_KEY: first})
            skip[code] = queue.last_seq() + 1 - int(first)
        if any(skip.values()):
            log.info("resuming: %d events already recorded", sum(skip.values()))
        return skip

    def _play(self, events: list[Scheduled], skip: dict[str, int]) -> None:
        todo = []
        for scheduled in events:
            if skip[scheduled.reader] > 0:
                skip[scheduled.reader] -= 1
                self.report.skipped += 1
            else:
                todo.append(scheduled)
        if not todo:
            return
        started, origin = time.monotonic(), todo[0].at
        buffer: list[Scheduled] = []
        for scheduled, following in zip(todo, todo[1:], strict=False):
            buffer.append(scheduled)
            if self.pacing.speed > 0:
                due = started + (following.at - origin).total_seconds() / self.pacing.speed
                if due > time.monotonic():
                    self._record(buffer)
                    self._wait_until(due)
                    continue
            # Behind schedule or unpaced: queue in chunks, and still flush on time.
            if len(buffer) >= CHUNK or time.monotonic() >= self._next_flush:
                self._record(buffer)
                self._flush_if_due()
        buffer.append(todo[-1])
        self._record(buffer)

    def _record(self, buffer: list[Scheduled]) -> None:
        """Queue the buffered events, one transaction per reader."""
        by_reader: dict[str, list[Event]] = {}
        for scheduled in buffer:
            by_reader.setdefault(scheduled.reader, []).append(scheduled.event)
        for code, events in by_reader.items():
            self.clients[code].record_many(events)
        self.report.recorded += len(buffer)
        buffer.clear()

    def _wait_until(self, due: float) -> None:
        while (left := due - time.monotonic()) > 0:
            self._flush_if_due()
            time.sleep(max(0.0, min(left, self._next_flush - time.monotonic())))

    def _flush_if_due(self) -> None:
        if time.monotonic() < self._next_flush:
            return
        try:
            refused = self._flush_all(time.monotonic() + self.pacing.retry_budget_s)
        except ServerUnavailable as exc:
            log.warning("server unavailable (%s)", exc)
            refused = True
        if refused:
            # Keep simulating, events pile up in the queues; try again later, less often.
            self._pause = min(self._pause * 2, MAX_PAUSE_S)
            log.warning("next flush in %.1f s", self._pause)
        else:
            self._pause = self.pacing.flush_every_s
        self._next_flush = time.monotonic() + self._pause

    def _flush_all(self, deadline: float) -> bool:
        """Flush every reader with queued events; whether the server refused a reader.

        ServerUnavailable stops the round: the server is away for every reader.
        """
        refused = False
        for code, client in self.clients.items():
            if client.queue.depth() == 0:
                continue
            try:
                flushed = client.flush(retry_budget_s=max(0.0, deadline - time.monotonic()))
            except ReaderRejected as exc:
                log.error("%s refused by the server (%s): its events stay queued", code, exc)
                refused = True
                continue
            self.report.accepted += flushed.accepted
            self.report.duplicates += flushed.duplicates
            self.report.dead_lettered += flushed.dead_lettered
        return refused

    def _drain(self) -> None:
        try:
            self._flush_all(time.monotonic() + self.pacing.drain_timeout_s)
        except ServerUnavailable as exc:
            log.warning("could not drain the queues: %s", exc)
        self.report.remaining = self._depth()

    def _depth(self) -> int:
        return sum(client.queue.depth() for client in self.clients.values())

    def close(self) -> None:
        """Close every queue and the shared connection pool."""
        for client in self.clients.values():
            client.close()
        self._http.close()
