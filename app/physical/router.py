"""HTTP layer of the physical area: signed reader ingest and the event listing."""

from __future__ import annotations

from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import TypeAdapter, ValidationError

from app.audit.deps import EvidenceViewer
from app.deps import SessionDep, SettingsDep
from app.errors import Invalid, Unauthenticated
from app.physical import events, ingest
from app.physical.batch_gate import batch_turn
from app.physical.group_commit import writer_of
from app.physical.schemas import (
    BATCH,
    EVENT,
    BatchResult,
    EventPage,
    EventQuery,
    EventResult,
)
from app.physical.signatures import IngestAuth, SingleAuth, reader_keys_of
from app.physical.singles import SinglePost

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
async def post_event(post: SingleAuth, request: Request, response: Response) -> EventResult:
    """Store one signed event (201), or report it stored before (200)."""
    # On the event loop: the post waits for its group's commit without holding a thread
    # (app/physical/group_commit.py).
    event = parse_body(EVENT, post.body)
    try:
        result = await writer_of(request.app).store(SinglePost(post=post, event=event))
    except Unauthenticated:
        reader_keys_of(request.app).forget(post.reader.code)  # its row changed: read it anew
        raise
    if result.status == "duplicate":
        response.status_code = status.HTTP_200_OK
    return result


# The turn is taken before the signature's check (which locks the reader's row) and held
# until the commit: scope="function" ends it before the answer is sent.
@router.post("/ingest/batch", dependencies=[Depends(batch_turn, scope="function")])
def post_batch(post: IngestAuth, session: SessionDep, settings: SettingsDep) -> BatchResult:
    """Store a signed batch all or nothing; per event, accepted or duplicate."""
    batch = parse_body(BATCH, post.body)
    # Committed as soon as all is written, before the answer is built, rather than by the
    # session's teardown a hop through the event loop later: the ledger head lock, which
    # every writer queues for, is held about 2 ms less per 500-event batch (of 18 to 20
    # ms, medians over a 200,000-event burst). The teardown then has nothing to do.
    return ingest.store_batch(
        session, post=post, events=batch.events, settings=settings, then=session.commit
    )


@router.get("/events")
def list_events(
    query: Annotated[EventQuery, Query()], session: SessionDep, viewer: EvidenceViewer
) -> EventPage:
    """Stored events, filtered, newest (or oldest) first, a page at a time; each read is
    recorded as an evidence.viewed fact, and a tenant auditor gets its doors' events only."""
    return events.list_events(session, query=query, viewer=viewer)
