"""Turn domain and database errors into clear JSON answers (4xx, never a 500 for bad input)."""

from __future__ import annotations

import logging
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException

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


def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    # FastAPI's own answer (each error's location, message and input), plus the "code"
    # every other refusal carries, so that clients branch on one field.
    assert isinstance(exc, RequestValidationError)
    return JSONResponse(
        {"detail": jsonable_encoder(exc.errors()), "code": "invalid"}, status_code=422
    )


def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    # Starlette's answers (an unknown path, a method the route lacks) with a code too:
    # the status phrase, e.g. "not_found", "method_not_allowed".
    assert isinstance(exc, HTTPException)
    code = HTTPStatus(exc.status_code).phrase.lower().replace(" ", "_").replace("-", "_")
    return JSONResponse(
        {"detail": exc.detail, "code": code}, status_code=exc.status_code, headers=exc.headers
    )


def _database_unavailable(_request: Request, exc: Exception) -> JSONResponse:
    # The database refused or dropped the connection (restarted, unreachable, a lock held
    # past the timeout): the transaction is lost and nothing was stored, the request may be
    # retried as is. SQLAlchemy has already discarded the pooled connections made before a
    # disconnect, so the retry gets a fresh one.
    log.warning("database unavailable, answered 503: %s", exc)
    return JSONResponse(
        {"detail": "the database cannot be reached now; retry", "code": "unavailable"},
        status_code=503,
        headers={"Retry-After": "1"},
    )


def install(app: FastAPI) -> None:
    """Register the handlers on the app."""
    app.add_exception_handler(VigieError, _vigie_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(OperationalError, _database_unavailable)
    app.add_exception_handler(InterfaceError, _database_unavailable)
