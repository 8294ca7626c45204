"""Small builders of accounts, tokens and topology rows for the auth tests."""

from __future__ import annotations

import itertools
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.auth import users
from app.auth.models import User
from app.auth.passwords import Passwords
from app.auth.principal import SYSTEM, Role
from app.topology.models import Server, Site, Tenant, Zone
from tests.conftest import HASH_MEMORY_KIB, HASH_TIME_COST

PASSWORD = "correct horse battery staple"
CHEAP = Passwords(time_cost=HASH_TIME_COST, memory_kib=HASH_MEMORY_KIB)
_serial = itertools.count(1)


def unique(prefix: str) -> str:
    """A code no other row of the test uses."""
    return f"{prefix}-{next(_serial)}"


def tenant(session: Session, code: str | None = None) -> Tenant:
    """A hosted hospital."""
    row = Tenant(code=code or unique("tenant"), name="Hôpital")
    session.add(row)
    session.flush()
    return row


def site(session: Session) -> Site:
    """A datacenter campus."""
    row = Site(code=unique("site"), name="Campus")
    session.add(row)
    session.flush()
    return row


def zone(session: Session, site_row: Site, kind: str, parent: Zone | None = None) -> Zone:
    """A zone of a kind under a parent."""
    row = Zone(
        site_id=site_row.id,
        parent_id=parent.id if parent else None,
        code=unique(kind),
        name=kind,
        kind=kind,
    )
    session.add(row)
    session.flush()
    return row


def server(session: Session, rack: Zone, owner: Tenant) -> Server:
    """A server in a rack, owned by a tenant."""
    row = Server(hostname=f"{unique('srv')}.example", rack_zone_id=rack.id, tenant_id=owner.id)
    session.add(row)
    session.flush()
    return row


def user(
    session: Session,
    role: Role | str,
    *,
    tenant_code: str | None = None,
    password: str = PASSWORD,
    username: str | None = None,
) -> User:
    """An account with a role (a tenant auditor gets a new tenant unless one is named)."""
    if role == Role.tenant_auditor and tenant_code is None:
        tenant_code = tenant(session).code
    return users.add_user(
        session,
        passwords=CHEAP,
        min_password_length=12,
        username=username or unique(str(role)).replace("_", "-"),
        password=password,
        role=str(role),
        tenant_code=tenant_code,
        actor=SYSTEM,
    )


def login(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, Any]:
    """The token response of a successful login."""
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def bearer(token: str) -> dict[str, str]:
    """Authorization header of a token."""
    return {"Authorization": f"Bearer {token}"}
