"""Liveness and readiness probes for load balancers and the container healthcheck."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app import migrations_state
from app.auth.policy import public

router = APIRouter(tags=["health"])


@router.get("/healthz", dependencies=[public()])
def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/readyz", dependencies=[public()])
def readyz(request: Request) -> JSONResponse:
    """The database answers and its schema is at the newest migration."""
    expected = migrations_state.heads()
    try:
        with request.app.state.session_factory() as session:
            session.execute(text("SELECT 1"))
            found = migrations_state.current(session.connection())
    except SQLAlchemyError as exc:
        return JSONResponse({"status": "unready", "database": str(exc.__class__.__name__)}, 503)
    if found != expected:
        return JSONResponse(
            {"status": "unready", "migrations": sorted(found), "expected": sorted(expected)}, 503
        )
    return JSONResponse({"status": "ready", "migrations": sorted(found)})
