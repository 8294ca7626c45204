"""Endpoint policies: each route depends on `allow(...)` naming the roles it admits."""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.auth.principal import Principal, Role
from app.errors import Forbidden, Unauthenticated

_bearer = HTTPBearer(auto_error=False)


def authenticate_bearer(request: Request, token: str) -> Principal:
    """Resolve a bearer token to a principal (the admin token for now)."""
    expected: str = request.app.state.admin_token
    if hmac.compare_digest(token.encode(), expected.encode()):
        return Principal(kind="admin_token", subject="admin-token", role=Role.admin)
    raise Unauthenticated("invalid bearer token")


class Policy:
    """A dependency admitting callers whose role is in `roles`; routes tests inspect it."""

    def __init__(self, roles: frozenset[Role], *, public: bool = False) -> None:
        self.roles = roles
        self.public = public

    def __call__(
        self,
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal | None:
        if self.public:
            return None
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise Unauthenticated("a bearer token is required")
        principal = authenticate_bearer(request, credentials.credentials)
        if principal.role not in self.roles:
            raise Forbidden(f"role {principal.role} may not call this endpoint")
        return principal

    def __repr__(self) -> str:
        return "Policy(public)" if self.public else f"Policy({sorted(self.roles)})"


def allow(*roles: Role) -> Any:
    """Dependency for a route open to these roles only."""
    return Depends(Policy(frozenset(roles)))


def public() -> Any:
    """Dependency for the few routes anyone may call (health probes)."""
    return Depends(Policy(frozenset(), public=True))


AdminOnly = Annotated[Principal, allow(Role.admin)]
