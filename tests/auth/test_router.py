"""The auth API as a client sees it: login, refresh rotation, logout, lockout, facts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.passwords import Passwords
from app.auth.principal import Role
from app.config import Settings
from app.ledger import service as ledger
from app.ledger.models import LedgerEntry
from tests.auth.factories import PASSWORD, bearer, login, user
from tests.conftest import ADMIN

LOGIN = "/api/v1/auth/login"


def facts(session: Session, kind: str) -> list[dict[str, Any]]:
    """The facts of a type, oldest first."""
    entries = session.scalars(
        select(LedgerEntry).where(LedgerEntry.type == kind).order_by(LedgerEntry.index)
    )
    return [fact for entry in entries if (fact := ledger.decode(entry)) is not None]


def test_login_returns_tokens_that_identify_the_user(client: TestClient, session: Session) -> None:
    account = user(session, Role.tenant_auditor)
    tokens = login(client, account.username)
    assert tokens["token_type"] == "bearer"
    assert 0 < tokens["expires_in"] <= 900
    assert tokens["refresh_expires_in"] > tokens["expires_in"]
    me = client.get("/api/v1/auth/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200
    assert me.json() == {
        "kind": "user",
        "subject": account.username,
        "role": "tenant_auditor",
        "tenant_id": account.tenant_id,
    }
    [fact] = facts(session, "auth.login.succeeded")
    assert fact["body"] == {"username": account.username, "client": "testclient"}
    assert fact["actor"]["subject"] == account.username


def test_admin_token_still_works_on_me(client: TestClient) -> None:
    response = client.get("/api/v1/auth/me", headers=ADMIN)
    assert response.json()["kind"] == "admin_token"
    assert response.json()["role"] == "admin"


def refused(client: TestClient, username: str, password: str) -> None:
    """Assert a login is refused with the one message that tells nothing."""
    response = client.post(LOGIN, json={"username": username, "password": password})
    assert response.status_code == 401, response.text
    assert response.json()["detail"] == "invalid username or password, or account locked"
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_wrong_password_is_refused_and_recorded(client: TestClient, session: Session) -> None:
    account = user(session, Role.auditor)
    refused(client, account.username, "not the password")
    session.refresh(account)
    assert account.failed_logins == 1
    [fact] = facts(session, "auth.login.failed")
    assert fact["body"] == {
        "username": account.username,
        "client": "testclient",
        "reason": "bad_password",
    }
    assert fact["actor"] == {"kind": "anonymous", "subject": "testclient"}


@pytest.mark.parametrize("reason", ["unknown_user", "disabled"])
def test_unknown_and_disabled_accounts_are_refused_and_recorded(
    client: TestClient, session: Session, reason: str
) -> None:
    account = user(session, Role.security, username=f"who-{reason.replace('_', '-')}")
    account.disabled = reason == "disabled"
    if reason == "unknown_user":
        session.delete(account)
    session.flush()
    refused(client, account.username, PASSWORD)
    [fact] = facts(session, "auth.login.failed")
    assert fact["body"]["reason"] == reason
    assert fact["body"]["username"] == account.username


def test_repeated_failures_lock_the_account(
    client: TestClient, session: Session, settings: Settings
) -> None:
    account = user(session, Role.security)
    for _ in range(settings.login_max_failures):
        refused(client, account.username, "guess")
    [locked] = facts(session, "auth.login.locked")
    assert locked["body"]["username"] == account.username
    assert locked["body"]["client"] == "testclient"
    # Locked: even the right password is refused, and that attempt is recorded too.
    refused(client, account.username, PASSWORD)
    reasons = [f["body"]["reason"] for f in facts(session, "auth.login.failed")]
    assert reasons == ["bad_password"] * settings.login_max_failures + ["locked"]
    session.refresh(account)
    assert account.locked_until is not None
    lock = account.locked_until - datetime.now(UTC)
    assert timedelta(minutes=settings.login_lockout_minutes - 1) < lock
    # Once the lockout is over, the right password opens a session again.
    account.locked_until = datetime.now(UTC) - timedelta(seconds=1)
    session.flush()
    login(client, account.username)


def test_every_refusal_pays_the_password_hash_cost(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    passwords = client.app.state.passwords  # type: ignore[attr-defined]
    checked: list[str | None] = []
    verify = passwords.verify

    def counting(stored: str | None, password: str) -> bool:
        checked.append(stored)
        return bool(verify(stored, password))

    monkeypatch.setattr(passwords, "verify", counting)
    locked = user(session, Role.auditor)
    locked.locked_until = datetime.now(UTC) + timedelta(minutes=5)
    session.flush()
    refused(client, "nobody-here", PASSWORD)
    refused(client, locked.username, PASSWORD)
    assert checked == [None, locked.password_hash]


def test_refresh_rotates_and_reuse_revokes_the_session(
    client: TestClient, session: Session
) -> None:
    account = user(session, Role.auditor)
    first = login(client, account.username)
    second = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200, second.text
    rotated = second.json()
    assert rotated["refresh_token"] != first["refresh_token"]
    assert rotated["refresh_expires_in"] <= first["refresh_expires_in"]
    me = client.get("/api/v1/auth/me", headers=bearer(rotated["access_token"]))
    assert me.status_code == 200
    # The first refresh token comes back: a thief or a replay; the whole session ends.
    replay = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert replay.status_code == 401
    again = client.post("/api/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]})
    assert again.status_code == 401
    me = client.get("/api/v1/auth/me", headers=bearer(rotated["access_token"]))
    assert me.status_code == 401
    [fact] = facts(session, "auth.refresh.reused")
    assert fact["body"]["username"] == account.username


def test_logout_ends_the_session(client: TestClient, session: Session) -> None:
    account = user(session, Role.security)
    tokens = login(client, account.username)
    other = login(client, account.username)
    out = client.post("/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert out.status_code == 204
    assert client.get("/api/v1/auth/me", headers=bearer(tokens["access_token"])).status_code == 401
    refresh = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refresh.status_code == 401
    assert facts(session, "auth.refresh.reused") == []
    # Another session of the same account goes on.
    assert client.get("/api/v1/auth/me", headers=bearer(other["access_token"])).status_code == 200
    [fact] = facts(session, "auth.logout")
    assert fact["actor"]["subject"] == account.username


@pytest.mark.parametrize("change", ["disable", "role", "tenant"])
def test_account_changes_end_existing_tokens(
    client: TestClient, session: Session, change: str
) -> None:
    account = user(session, Role.tenant_auditor)
    tokens = login(client, account.username)
    if change == "disable":
        account.disabled = True
    elif change == "role":
        account.role, account.tenant_id = "admin", None
    else:
        account.tenant_id = user(session, Role.tenant_auditor).tenant_id
    session.flush()
    assert client.get("/api/v1/auth/me", headers=bearer(tokens["access_token"])).status_code == 401


def test_a_refresh_token_is_not_an_access_token_nor_the_reverse(
    client: TestClient, session: Session
) -> None:
    tokens = login(client, user(session, Role.admin).username)
    me = client.get("/api/v1/auth/me", headers=bearer(tokens["refresh_token"]))
    assert me.status_code == 401
    refresh = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["access_token"]})
    assert refresh.status_code == 401


def test_disabled_account_cannot_refresh(client: TestClient, session: Session) -> None:
    account = user(session, Role.auditor)
    tokens = login(client, account.username)
    account.disabled = True
    session.flush()
    refresh = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refresh.status_code == 401
    assert refresh.json()["detail"] == "account disabled"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"username": "a"},
        {"username": "", "password": "x"},
        {"username": "a", "password": "x" * 1025},
        {"username": "a" * 65, "password": "x"},
        {"username": "a", "password": "x", "extra": 1},
        {"username": 1, "password": ["x"]},
    ],
)
def test_malformed_login_is_422(client: TestClient, body: dict[str, Any]) -> None:
    assert client.post(LOGIN, json=body).status_code == 422


def test_malformed_refresh_is_refused(client: TestClient) -> None:
    assert client.post("/api/v1/auth/refresh", json={}).status_code == 422
    garbage = client.post("/api/v1/auth/refresh", json={"refresh_token": "garbage"})
    assert garbage.status_code == 401
    assert client.post("/api/v1/auth/logout", json={"refresh_token": "x.y.z"}).status_code == 401


def test_login_upgrades_a_hash_made_with_other_costs(
    client: TestClient, session: Session, settings: Settings
) -> None:
    account = user(session, Role.auditor)
    account.password_hash = Passwords(time_cost=2, memory_kib=128).hash(PASSWORD)
    session.flush()
    login(client, account.username)
    session.refresh(account)
    costs = f"m={settings.password_hash_memory_kib},t={settings.password_hash_time_cost},"
    assert costs in account.password_hash
    login(client, account.username)
