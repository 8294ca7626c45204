"""Small builders for the audit tests: signed-in people, stored events, recorded reads."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.auth.models import User
from app.auth.principal import Role
from app.physical.models import PhysicalEvent
from tests.auth.factories import bearer, login, user
from tests.physical.factories import make_badge, make_door, make_reader, stored_swipe
from tests.topology.factories import facts

EVENTS = "/api/v1/events"
READS = "/api/v1/audit/reads"


def signed_in(
    client: TestClient, session: Session, role: Role, **options: Any
) -> tuple[User, dict[str, str]]:
    """A new account of a role and the headers of its access token."""
    account = user(session, role, **options)
    return account, bearer(login(client, account.username)["access_token"])


def swipes(session: Session, count: int) -> list[PhysicalEvent]:
    """`count` swipes of known badges at one new door."""
    door = make_door(session)
    make_reader(session, door=door)
    return [stored_swipe(session, door, make_badge(session)) for _ in range(count)]


def reads(session: Session) -> list[dict[str, Any]]:
    """Every evidence.viewed fact, oldest first."""
    return facts(session, "evidence.viewed")
