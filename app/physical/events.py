"""Reading stored physical events: filters and keyset pages on (occurred_at, id)."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any, Literal

import orjson
from pydantic import AwareDatetime, TypeAdapter
from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.auth.scope import scoped
from app.errors import Invalid
from app.ledger.encoding import utc_text
from app.physical.models import PhysicalEvent
from app.physical.schemas import INT32_LIMIT, EventOut, EventPage, EventQuery
from app.topology.models import Door, Reader, Zone

RESOURCE = "physical_event"  # what an evidence.viewed fact of this listing names
Order = Literal["asc", "desc"]
_CURSOR: TypeAdapter[tuple[Order, AwareDatetime, int]] = TypeAdapter(
    tuple[Order, AwareDatetime, int]
)


def encode_cursor(order: Order, occurred_at: datetime, event_id: int) -> str:
    """The opaque position after an event, valid for one order."""
    raw = orjson.dumps([order, utc_text(occurred_at), event_id])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, order: Order) -> tuple[datetime, int]:
    """The position a cursor names; 422 when it was not made by encode_cursor."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        made_for, occurred_at, event_id = _CURSOR.validate_json(raw)
    except ValueError as exc:  # binascii.Error and ValidationError are ValueErrors
        raise Invalid("malformed cursor: pass next_cursor unchanged") from exc
    if made_for != order:
        raise Invalid(f"this cursor pages order={made_for}, not order={order}")
    return occurred_at, event_id


def list_events(session: Session, *, query: EventQuery, viewer: audit.Viewer) -> EventPage:
    """A page of the events the viewer may see, newest or oldest first; the read is recorded."""
    stmt = scoped(_filtered(_columns(), query), PhysicalEvent, viewer.principal)
    position = tuple_(PhysicalEvent.occurred_at, PhysicalEvent.id)
    if query.cursor is not None:
        occurred_at, event_id = decode_cursor(query.cursor, query.order)
        after = (occurred_at, event_id)  # bound with the columns' types (UTCDateTime)
        stmt = stmt.where(position < after if query.order == "desc" else position > after)
    if query.order == "desc":
        stmt = stmt.order_by(PhysicalEvent.occurred_at.desc(), PhysicalEvent.id.desc())
    else:
        stmt = stmt.order_by(PhysicalEvent.occurred_at, PhysicalEvent.id)
    rows = session.execute(stmt.limit(query.limit + 1)).mappings().all()
    items = [EventOut.model_validate(dict(row)) for row in rows[: query.limit]]
    more = len(rows) > query.limit
    last = items[-1] if items else None
    cursor = encode_cursor(query.order, last.occurred_at, last.id) if more and last else None
    audit.record_view(
        session,
        viewer=viewer,
        resource=RESOURCE,
        query=query,
        indexes=[item.index for item in items],
    )
    return EventPage(items=items, next_cursor=cursor)


def _columns() -> Select[*tuple[Any, ...]]:
    event = PhysicalEvent
    return (
        select(
            event.id,
            event.ledger_index.label("index"),
            event.kind,
            event.seq,
            Reader.code.label("reader"),
            Door.code.label("door"),
            Zone.code.label("zone"),
            event.occurred_at,
            event.received_at,
            event.skew_ms,
            event.clock_skew,
            event.badge_uid,
            event.badge_status,
            event.person_id,
            event.result,
            event.reason,
            event.state,
            event.status,
            event.firmware,
            event.queue_depth,
        )
        .join(Reader, Reader.id == event.reader_id)
        .join(Door, Door.id == event.door_id)
        .join(Zone, Zone.id == event.zone_id)
    )


def _filtered(stmt: Select[*tuple[Any, ...]], query: EventQuery) -> Select[*tuple[Any, ...]]:
    # Codes become ids in scalar subqueries, so that each filter walks its own
    # (column, occurred_at, id) index in page order.
    event = PhysicalEvent
    if query.reader is not None:
        stmt = stmt.where(event.reader_id == _id_of(Reader, query.reader))
    if query.door is not None:
        stmt = stmt.where(event.door_id == _id_of(Door, query.door))
    if query.zone is not None:
        # A zone is named by its code, or by its id when no zone has that code.
        as_id = int(query.zone) if query.zone.isascii() and query.zone.isdigit() else None
        fallback = as_id if as_id is not None and as_id < INT32_LIMIT else None
        stmt = stmt.where(event.zone_id == func.coalesce(_id_of(Zone, query.zone), fallback))
    if query.badge is not None:
        stmt = stmt.where(event.badge_uid == query.badge)
    if query.person is not None:
        stmt = stmt.where(event.person_id == query.person)
    if query.kind is not None:
        stmt = stmt.where(event.kind == query.kind)
    if query.since is not None:
        stmt = stmt.where(event.occurred_at >= query.since)
    if query.until is not None:
        stmt = stmt.where(event.occurred_at < query.until)
    return stmt


def _id_of(table: type[Reader] | type[Door] | type[Zone], code: str) -> Any:
    return select(table.id).where(table.code == code).scalar_subquery()
