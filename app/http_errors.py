"""Turn domain and database errors into clear JSON answers (4xx, never a 500 for bad input)."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError

from app.errors import VigieError

log = logging.getLogger(__name__)


def error_response(exc: VigieError) -> JSONResponse:
    """The JSON answer of a domain error, for routes that answer one without raising."""
    body: dict[str, object] = {"detail": exc.message, "code": exc.code}
    if exc.details is not None:
        body["details"] = exc.details
    headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
    return JSONResponse(body, status_code=exc.status_code, headers=headers)


def _vigie_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, VigieError)
    return error_response(exc)


def _integrity_error(_request: Request, exc: Exception) -> JSONResponse:
    # A constraint the service did not anticipate (usually a concurrent writer): the
    # transaction is rolled back by the session dependency, so nothing is half-written.
    log.info("integrity error answered as 409: %s", exc)
    return JSONResponse(
        {"detail": "conflicts with data already stored", "code": "conflict"}, status_code=409
    )


def install(app: FastAPI) -> None:
    """Register the handlers on the app."""
    app.add_exception_handler(VigieError, _vigie_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
