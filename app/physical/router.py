"""HTTP layer of the physical area: signed reader ingest and the event listing."""

from __future__ import annotations

from typing import Annotated, TypeVar

from fastapi import APIRouter, Query, Response, status
from pydantic import TypeAdapter, ValidationError

from app.audit.deps import EvidenceViewer
from app.deps import SessionDep, SettingsDep
from app.errors import Invalid
from app.physical import events, ingest
from app.physical.schemas import (
    BATCH,
    EVENT,
    BatchResult,
    EventPage,
    EventQuery,
    EventResult,
)
from app.physical.signatures import IngestAuth

router = APIRouter(prefix="/api/v1", tags=["physical"])

T = TypeVar("T")
_SHOWN_ERRORS = 20


def parse_body(adapter: TypeAdapter[T], body: bytes) -> T:
    """The verified body parsed as JSON into the contract's shapes; 422 otherwise."""
    try:
        return adapter.validate_json(body)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        raise Invalid(
            f"{exc.error_count()} invalid field(s) in the body", details=errors[:_SHOWN_ERRORS]
        ) from exc


@router.post(
    "/ingest/event",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": EventResult, "description": "Duplicate of a stored event."}},
)
def post_event(
    post: IngestAuth, session: SessionDep, settings: SettingsDep, response: Response
) -> EventResult:
    """Store one signed event (201), or report it stored before (200)."""
    event = parse_body(EVENT, post.body)
    result = ingest.store_event(session, post=post, event=event, settings=settings)
    if result.status == "duplicate":
        response.status_code = status.HTTP_200_OK
    return result


@router.post("/ingest/batch")
def post_batch(post: IngestAuth, session: SessionDep, settings: SettingsDep) -> BatchResult:
    """Store a signed batch all or nothing; per event, accepted or duplicate."""
    batch = parse_body(BATCH, post.body)
    return ingest.store_batch(session, post=post, events=batch.events, settings=settings)


@router.get("/events")
def list_events(
    query: Annotated[EventQuery, Query()], session: SessionDep, viewer: EvidenceViewer
) -> EventPage:
    """Stored events, filtered, newest (or oldest) first, a page at a time; each read is
    recorded as an evidence.viewed fact, and a tenant auditor gets its doors' events only."""
    return events.list_events(session, query=query, viewer=viewer)
