"""Auth API: login, token refresh, logout, and who am I."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse

from app.auth import service
from app.auth.passwords import Passwords
from app.auth.policy import SignedIn, public
from app.auth.schemas import LoginRequest, Me, RefreshRequest, TokenResponse
from app.auth.tokens import TokenSigner
from app.deps import SessionDep, SettingsDep
from app.http_errors import error_response

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])
REFUSED: dict[int | str, dict[str, Any]] = {401: {"description": "Credentials refused."}}


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


def _tokens(request: Request) -> TokenSigner:
    tokens: TokenSigner = request.app.state.tokens
    return tokens


def _answer(outcome: service.TokenPair | service.Refusal) -> TokenResponse | JSONResponse:
    if isinstance(outcome, service.Refusal):
        return error_response(outcome.error)
    now = datetime.now(UTC)
    return TokenResponse(
        access_token=outcome.access.token,
        expires_in=int((outcome.access.expires_at - now).total_seconds()),
        refresh_token=outcome.refresh.token,
        refresh_expires_in=int((outcome.refresh.expires_at - now).total_seconds()),
    )


@router.post("/login", response_model=TokenResponse, responses=REFUSED, dependencies=[public()])
def login(
    body: LoginRequest, request: Request, session: SessionDep, settings: SettingsDep
) -> TokenResponse | JSONResponse:
    """Exchange a username and password for an access token and a refresh token."""
    passwords: Passwords = request.app.state.passwords
    outcome = service.login(
        session,
        settings=settings,
        passwords=passwords,
        tokens=_tokens(request),
        username=body.username,
        password=body.password.get_secret_value(),
        client=_client(request),
    )
    return _answer(outcome)


@router.post("/refresh", response_model=TokenResponse, responses=REFUSED, dependencies=[public()])
def refresh(
    body: RefreshRequest, request: Request, session: SessionDep, settings: SettingsDep
) -> TokenResponse | JSONResponse:
    """Exchange a refresh token for new tokens; the one presented stops working."""
    outcome = service.refresh(
        session,
        settings=settings,
        tokens=_tokens(request),
        token=body.refresh_token.get_secret_value(),
        client=_client(request),
    )
    return _answer(outcome)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=REFUSED,
    dependencies=[public()],
)
def logout(body: RefreshRequest, request: Request, session: SessionDep) -> None:
    """End the session of a refresh token; its access tokens stop working too."""
    service.logout(
        session,
        tokens=_tokens(request),
        token=body.refresh_token.get_secret_value(),
        client=_client(request),
    )


@router.get("/me", response_model=Me)
def me(principal: SignedIn) -> Me:
    """The caller's identity, role and tenant."""
    return Me(
        kind=principal.kind,
        subject=principal.subject,
        role=principal.role,
        tenant_id=principal.tenant_id,
    )
