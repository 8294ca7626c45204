"""Account management at the service level."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth import users
from app.auth.models import RefreshToken
from app.auth.principal import SYSTEM, Principal, Role
from app.errors import Invalid
from tests.auth.factories import CHEAP, bearer, login, user


def test_disabling_revokes_every_session(client: TestClient, session: Session) -> None:
    account = user(session, Role.security)
    tokens = [login(client, account.username) for _ in range(2)]
    users.set_disabled(session, username=account.username, disabled=True, actor=SYSTEM)
    rows = session.scalars(select(RefreshToken).where(RefreshToken.user_id == account.id)).all()
    assert len(rows) == 2 and all(row.revoked_at is not None for row in rows)
    users.set_disabled(session, username=account.username, disabled=False, actor=SYSTEM)
    # Enabling again does not bring old sessions back: the person logs in anew.
    me = client.get("/api/v1/auth/me", headers=bearer(tokens[0]["access_token"]))
    assert me.status_code == 401
    login(client, account.username)


@pytest.mark.parametrize("password", ["x" * 11, "x" * 1025])
def test_password_length_is_bounded(session: Session, password: str) -> None:
    account = user(session, Role.auditor)
    with pytest.raises(Invalid):
        users.set_password(
            session,
            passwords=CHEAP,
            min_password_length=12,
            username=account.username,
            password=password,
            actor=SYSTEM,
        )


def test_a_tenant_auditor_acts_within_their_tenant(session: Session) -> None:
    account = user(session, Role.tenant_auditor)
    assert users.principal_of(account) == Principal(
        kind="user", subject=account.username, role=Role.tenant_auditor, tenant_id=account.tenant_id
    )
