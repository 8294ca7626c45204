"""ReaderClient: queue events durably, deliver them to vigie signed, in order, exactly once.

Delivery rules (see README.md):
- events leave the queue only after the server's 2xx answer names them (accepted or
  duplicate); a kill at any point at worst re-sends a batch, which the server reports as
  duplicates;
- transient failures (connection errors, timeouts, 5xx, 429, 401 "stale") are retried with
  exponential backoff and full jitter, re-signed on every attempt, within a retry budget;
- a batch refused for one event's sake (409, 422, 403) is bisected until the event is
  alone, then that event is dead-lettered with the server's message and the rest is sent;
- other refusals (401, 404, ...) mean the reader is misconfigured: nothing is dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple

import httpx
import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from tenacity import (
    RetryCallState,
    Retrying,
    before_sleep_log,
    retry_if_exception_type,
    stop_before_delay,
    wait_random_exponential,
)

from badge_readers.events import Event
from badge_readers.queue import EventQueue, Pending
from badge_readers.signing import RequestSigner

log = logging.getLogger(__name__)

EVENT_PATH = "/api/v1/ingest/event"
BATCH_PATH = "/api/v1/ingest/batch"
MAX_BATCH = 1000
# Answers that refuse the whole request for the sake of (at least) one event in it.
PER_EVENT_REFUSALS = frozenset({403, 409, 413, 422})


class ServerUnavailable(Exception):
    """The server could not be reached or kept failing for the whole retry budget."""


class ReaderRejected(Exception):
    """The server refuses this reader itself (identity, URL): retrying will not help."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail


class _Transient(Exception):
    """One failed attempt worth retrying, with the server's Retry-After hint if any."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


@dataclass
class FlushReport:
    """What one flush did."""

    accepted: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    requests: int = 0
    remaining: int = 0


class _Answer(NamedTuple):
    """The server's final answer to one request: per-event results when it stored them."""

    status: int
    detail: str
    results: list[dict[str, Any]] | None


def _results(response: httpx.Response, path: str) -> list[dict[str, Any]]:
    """The per-event results of a 2xx answer, one dict per event stored."""
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError as exc:
        # Stored or not, we cannot tell: sending again is safe (duplicates).
        raise _Transient(f"{response.status_code} with an unreadable body") from exc
    if path == EVENT_PATH:
        results: Any = [body]
    else:
        results = body.get("results") if isinstance(body, dict) else None
    if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
        raise _Transient(f"{response.status_code} without per-event results")
    return results


def _detail(response: httpx.Response) -> str:
    """The server's error message, whatever shape the body has."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:500] or response.reason_phrase
    if isinstance(body, dict):
        return str(body.get("detail") or body.get("code") or body)[:500]
    return str(body)[:500]


def _is_stale(response: httpx.Response) -> bool:
    # The contract answers 401 "stale" when `created` is outside the server's window (our
    # clock or a slow retry); a fresh signature fixes it. Any other 401 is about identity.
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and any(
        "stale" in str(body.get(field, "")).lower() for field in ("code", "detail")
    )


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None


class ReaderClient:
    """One reader's durable queue and its signed connection to vigie."""

    def __init__(
        self,
        base_url: str,
        reader_code: str,
        private_key: Ed25519PrivateKey,
        queue_path: Path,
        *,
        batch_size: int = 500,
        timeout_s: float = 10.0,
        retry_budget_s: float = 60.0,
        backoff_initial_s: float = 0.2,
        backoff_max_s: float = 30.0,
        http: httpx.Client | None = None,
        first_seq: int = 1,
    ) -> None:
        if not 1 <= batch_size <= MAX_BATCH:
            raise ValueError(f"batch_size must be within 1..{MAX_BATCH}")
        self.reader_code = reader_code
        self.batch_size = batch_size
        self.retry_budget_s = retry_budget_s
        self.queue = EventQueue(queue_path, first_seq=first_seq)
        self._base_url = base_url.rstrip("/")
        self._signer = RequestSigner(reader_code, private_key)
        self._owns_http = http is None
        self._http = http or httpx.Client(timeout=timeout_s)
        self._backoff = wait_random_exponential(
            multiplier=backoff_initial_s, min=backoff_initial_s, max=backoff_max_s
        )
        self._backoff_max_s = backoff_max_s

    def record(self, event: Event) -> int:
        """Store one event durably (fsync) and return its seq; flush() sends it."""
        return self.queue.enqueue([event])[0]

    def record_many(self, events: Iterable[Event]) -> range:
        """Store events in one transaction (one fsync for all) and return their seqs."""
        return self.queue.enqueue(events)

    def flush(self, *, retry_budget_s: float | None = None) -> FlushReport:
        """Send every pending event, oldest first; raise ServerUnavailable if it cannot."""
        budget = self.retry_budget_s if retry_budget_s is None else retry_budget_s
        report = FlushReport()
        try:
            while batch := self.queue.peek(self.batch_size):
                settled = report.accepted + report.duplicates + report.dead_lettered
                self._deliver(batch, report, budget)
                if report.accepted + report.duplicates + report.dead_lettered == settled:
                    # A 2xx naming none of our events: sending the same batch again would
                    # loop forever; leave it queued for the next flush.
                    raise ServerUnavailable(f"{self.reader_code}: the server named no event")
        finally:
            report.remaining = self.queue.depth()
            if report.requests:
                log.info(
                    "%s: flushed %d accepted, %d duplicates, %d dead letters, %d left",
                    self.reader_code,
                    report.accepted,
                    report.duplicates,
                    report.dead_lettered,
                    report.remaining,
                )
        return report

    def _deliver(self, batch: Sequence[Pending], report: FlushReport, budget: float) -> None:
        answer = self._post(batch, budget)
        report.requests += 1
        if answer.results is not None:
            self._acknowledge(batch, answer.results, report)
        elif len(batch) == 1:
            log.error(
                "%s: seq %d refused for good (%d %s): dead letter",
                self.reader_code,
                batch[0].seq,
                answer.status,
                answer.detail,
            )
            self.queue.dead_letter(batch[0].seq, status=answer.status, message=answer.detail)
            report.dead_lettered += 1
        else:
            # One event spoils the whole (all-or-nothing) batch: halve until it is alone.
            log.warning(
                "%s: batch of %d refused (%d %s), bisecting",
                self.reader_code,
                len(batch),
                answer.status,
                answer.detail,
            )
            middle = len(batch) // 2
            self._deliver(batch[:middle], report, budget)
            self._deliver(batch[middle:], report, budget)

    def _acknowledge(
        self, batch: Sequence[Pending], results: list[dict[str, Any]], report: FlushReport
    ) -> None:
        sent = {pending.seq for pending in batch}
        # Only what the server names is forgotten; anything else is sent again later and
        # comes back as a duplicate, which costs a request but never loses an event.
        stored = [r for r in results if r.get("seq") in sent]
        if len(stored) != len(batch):
            log.warning(
                "%s: server named %d of %d events", self.reader_code, len(stored), len(batch)
            )
        self.queue.ack(r["seq"] for r in stored)
        report.duplicates += sum(1 for r in stored if r.get("status") == "duplicate")
        report.accepted += sum(1 for r in stored if r.get("status") == "accepted")

    def _post(self, batch: Sequence[Pending], budget: float) -> _Answer:
        if len(batch) == 1:
            path, body = EVENT_PATH, batch[0].body
        else:
            path, body = BATCH_PATH, b'{"events":[' + b",".join(p.body for p in batch) + b"]}"
        retrying = Retrying(
            retry=retry_if_exception_type(_Transient),
            stop=stop_before_delay(budget),
            wait=self._wait,
            before_sleep=before_sleep_log(log, logging.WARNING),
            reraise=True,
        )
        try:
            return retrying(self._attempt, path, body)
        except _Transient as exc:
            raise ServerUnavailable(f"{self.reader_code}: {exc}") from exc

    def _wait(self, state: RetryCallState) -> float:
        delay = self._backoff(state)
        failure = state.outcome.exception() if state.outcome else None
        if isinstance(failure, _Transient) and failure.retry_after:
            delay = max(delay, failure.retry_after)
        return min(delay, self._backoff_max_s)

    def _attempt(self, path: str, body: bytes) -> _Answer:
        request = self._http.build_request(
            "POST",
            self._base_url + path,
            content=body,
            headers={"Content-Type": "application/json"},
        )
        self._signer.sign(request, body)
        try:
            response = self._http.send(request)
        except httpx.TransportError as exc:
            raise _Transient(f"{type(exc).__name__}: {exc}") from exc
        status = response.status_code
        if response.is_success:
            return _Answer(status, "", _results(response, path))
        if status in PER_EVENT_REFUSALS:
            return _Answer(status, _detail(response), None)
        if status == 429 or status >= 500 or (status == 401 and _is_stale(response)):
            raise _Transient(f"{status} {_detail(response)}", _retry_after(response))
        raise ReaderRejected(status, _detail(response))

    def close(self) -> None:
        """Close the queue file and, if this client made it, the HTTP connection pool."""
        self.queue.close()
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> ReaderClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
