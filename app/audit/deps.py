"""Who reads evidence: a policy-checked principal, with the request's address and user agent.

No `from __future__ import annotations`: FastAPI reads the closure's annotations, which
name the policy made for each call of `viewing`.
"""

from typing import Annotated, Any

from fastapi import Depends, Request

from app.audit.service import Viewer
from app.auth.policy import PEOPLE, allow
from app.auth.principal import Principal, Role


def viewing(*roles: Role) -> Any:
    """Dependency for an evidence read open to these roles: the Viewer to record it with."""

    def viewer(request: Request, principal: Annotated[Principal, allow(*roles)]) -> Viewer:
        # The peer address: behind a reverse proxy, run uvicorn with --proxy-headers and
        # --forwarded-allow-ips so that it is the client's, not the proxy's.
        address = request.client.host if request.client else None
        return Viewer(
            principal=principal, address=address, user_agent=request.headers.get("user-agent")
        )

    return Depends(viewer)


# Evidence is open to every person's role; each query gives a tenant auditor its scope.
EvidenceViewer = Annotated[Viewer, viewing(*PEOPLE)]
