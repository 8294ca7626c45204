"""Server-sent events of new alerts, polled from the table (any worker sees every alert)."""

from __future__ import annotations

import time
from collections.abc import Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.alerts import service
from app.alerts.models import Alert
from app.audit.service import Viewer

BATCH = 100
KEEPALIVE_S = 15.0


def latest_id(session: Session) -> int:
    """Id of the newest alert (0 when none): a stream without Last-Event-ID starts there."""
    return session.scalar(select(func.coalesce(func.max(Alert.id), 0))) or 0


def alert_events(
    sessions: sessionmaker[Session],
    *,
    viewer: Viewer,
    after_id: int,
    poll_s: float,
    max_s: float,
    max_events: int | None,
) -> Iterator[bytes]:
    """`text/event-stream` frames of alerts after `after_id`, until a bound is reached.

    Each frame's `id:` is the alert id, so a reconnecting EventSource resumes with
    Last-Event-ID; `retry:` asks it to come back quickly when the server ends the stream.
    Each batch holds only alerts the viewer may see, and is recorded as a read before it
    is sent (committed in its own transaction: the stream outlives its request's).
    """
    deadline = time.monotonic() + max_s
    sent = 0
    quiet_since = time.monotonic()
    yield b"retry: 2000\n\n"
    while time.monotonic() < deadline:
        with sessions.begin() as session:
            batch = service.newer_than(
                session, after_id=after_id, limit=BATCH, principal=viewer.principal
            )
            if batch:
                service.record_read(
                    session, viewer=viewer, query={"stream_after": after_id}, alerts=batch
                )
        for alert in batch:
            yield f"id: {alert.id}\nevent: alert\ndata: {alert.model_dump_json()}\n\n".encode()
            after_id = alert.id
            sent += 1
            if max_events is not None and sent >= max_events:
                return
        if batch:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= KEEPALIVE_S:
            yield b": keep-alive\n\n"  # proxies close idle connections
            quiet_since = time.monotonic()
        time.sleep(poll_s)
