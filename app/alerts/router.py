"""Alert API: list, get, acknowledge, resolve, and the stream of new alerts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import StreamingResponse

from app.alerts import service, stream
from app.alerts.schemas import AlertAction, AlertOut, AlertPage, AlertQuery
from app.audit.deps import EvidenceViewer
from app.auth.policy import allow
from app.auth.principal import Principal, Role
from app.deps import SessionDep, SettingsDep
from app.errors import Invalid

router = APIRouter(prefix="/api/v1/alerts", tags=["alerts"])
# Reading is open to every person's role (a tenant auditor gets the alerts at its doors,
# readers, rooms and airlocks: app.auth.scope) and recorded; handling is staff's.
Handler = Annotated[Principal, allow(Role.admin, Role.security)]
AlertId = Annotated[int, Path(ge=1, lt=2**63)]


@router.get("")
def list_alerts(
    query: Annotated[AlertQuery, Query()], session: SessionDep, viewer: EvidenceViewer
) -> AlertPage:
    """Alerts, filtered, newest first, a page at a time."""
    return service.list_alerts(session, query=query, viewer=viewer)


@router.get("/stream")
def alert_stream(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    viewer: EvidenceViewer,
    last_event_id: Annotated[str | None, Header(max_length=40)] = None,
    max_events: Annotated[int | None, Query(ge=1, le=10_000)] = None,
) -> StreamingResponse:
    """New alerts as server-sent events; Last-Event-ID resumes after that alert."""
    if last_event_id is None:
        after = stream.latest_id(session)
    elif last_event_id.isascii() and last_event_id.isdigit() and int(last_event_id) < 2**63:
        after = int(last_event_id)
    else:
        raise Invalid("Last-Event-ID must be an alert id")
    frames = stream.alert_events(
        request.app.state.session_factory,
        viewer=viewer,
        after_id=after,
        poll_s=settings.alert_stream_poll_s,
        max_s=settings.alert_stream_max_s,
        max_events=max_events,
    )
    return StreamingResponse(
        frames, media_type="text/event-stream", headers={"Cache-Control": "no-store"}
    )


@router.get("/{alert_id}")
def get_alert(alert_id: AlertId, session: SessionDep, viewer: EvidenceViewer) -> AlertOut:
    """One alert."""
    return service.get(session, alert_id=alert_id, viewer=viewer)


@router.post("/{alert_id}/acknowledge")
def acknowledge(
    alert_id: AlertId, action: AlertAction, session: SessionDep, principal: Handler
) -> AlertOut:
    """Take an open alert on (409 unless open); recorded as a fact."""
    return service.acknowledge(session, alert_id=alert_id, note=action.note, principal=principal)


@router.post("/{alert_id}/resolve")
def resolve(
    alert_id: AlertId, action: AlertAction, session: SessionDep, principal: Handler
) -> AlertOut:
    """Close an alert with why (409 when already resolved); recorded as a fact."""
    return service.resolve(session, alert_id=alert_id, note=action.note, principal=principal)
