"""Endpoint policies: each route depends on `allow(...)` naming the roles it admits."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.auth.bearer import Authenticator
from app.auth.principal import Principal, Role
from app.deps import SessionDep
from app.errors import Forbidden, Unauthenticated

_bearer = HTTPBearer(auto_error=False)


class Policy:
    """A dependency admitting callers whose role is in `roles`; routes tests inspect it."""

    def __init__(self, roles: frozenset[Role], *, public: bool = False) -> None:
        self.roles = roles
        self.public = public

    def __call__(
        self,
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        session: SessionDep,
    ) -> Principal | None:
        if self.public:
            return None
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise Unauthenticated("a bearer token is required")
        authenticator: Authenticator = request.app.state.authenticator
        principal = authenticator.authenticate(session, credentials.credentials)
        if principal.role not in self.roles:
            raise Forbidden(f"role {principal.role} may not call this endpoint")
        return principal

    def __repr__(self) -> str:
        return "Policy(public)" if self.public else f"Policy({sorted(self.roles)})"


def allow(*roles: Role) -> Any:
    """Dependency for a route open to these roles only."""
    return Depends(Policy(frozenset(roles)))


def public() -> Any:
    """Dependency for the few routes anyone may call (health probes, login)."""
    return Depends(Policy(frozenset(), public=True))


AdminOnly = Annotated[Principal, allow(Role.admin)]
# Any person signed in, whatever their role (their own profile, for instance).
PEOPLE = (Role.admin, Role.security, Role.auditor, Role.tenant_auditor)
SignedIn = Annotated[Principal, allow(*PEOPLE)]
