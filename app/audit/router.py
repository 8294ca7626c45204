"""Audit API: the list of evidence reads."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.audit import service
from app.audit.deps import viewing
from app.audit.schemas import ReadPage, ReadQuery
from app.audit.service import Viewer
from app.auth.principal import Role
from app.deps import SessionDep

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
# Who may see who read what: staff who answer for the evidence, never a tenant (the reads
# of every tenant's evidence are mixed here).
AuditViewer = Annotated[Viewer, viewing(Role.admin, Role.security, Role.auditor)]


@router.get("/reads")
def list_reads(
    query: Annotated[ReadQuery, Query()],
    session: SessionDep,
    viewer: AuditViewer,
) -> ReadPage:
    """Who read which evidence, when and from where, newest first (this listing included)."""
    return service.list_reads(session, query=query, viewer=viewer)
