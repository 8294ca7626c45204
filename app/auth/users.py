"""People's accounts: create, change password, disable or enable, list."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.auth.models import USER_ROLES, RefreshToken, User
from app.auth.passwords import Passwords
from app.auth.principal import Principal, Role
from app.errors import Conflict, Invalid, NotFound
from app.ledger import service as ledger
from app.ledger.service import NewFact
from app.topology.models import Tenant

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
# Argon2 accepts any length; a bound keeps one login from costing more than another.
PASSWORD_MAX_LENGTH = 1024


def principal_of(user: User) -> Principal:
    """The principal an account acts as."""
    return Principal(
        kind="user", subject=user.username, role=Role(user.role), tenant_id=user.tenant_id
    )


def get_user(session: Session, *, username: str) -> User:
    """The account with this username."""
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user


def list_users(session: Session) -> list[tuple[User, str | None]]:
    """Every account with its tenant's code, by username."""
    rows = session.execute(
        select(User, Tenant.code)
        .outerjoin(Tenant, Tenant.id == User.tenant_id)
        .order_by(User.username)
    )
    return [(user, code) for user, code in rows]


def check_password(password: str, *, min_length: int) -> None:
    """Refuse a password too short or too long to be accepted."""
    if not min_length <= len(password) <= PASSWORD_MAX_LENGTH:
        raise Invalid(f"a password has {min_length} to {PASSWORD_MAX_LENGTH} characters")


def add_user(
    session: Session,
    *,
    passwords: Passwords,
    min_password_length: int,
    username: str,
    password: str,
    role: str,
    tenant_code: str | None,
    actor: Principal,
) -> User:
    """Create an account; a tenant auditor names its tenant, no other role does."""
    if not USERNAME.fullmatch(username):
        raise Invalid("a username is 1 to 64 of a-z 0-9 . _ - and starts with a letter or digit")
    if role not in USER_ROLES:
        raise Invalid(f"a user's role is one of {', '.join(USER_ROLES)}")
    if (role == Role.tenant_auditor) != (tenant_code is not None):
        raise Invalid("a tenant is given for a tenant auditor, and only for one")
    check_password(password, min_length=min_password_length)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"user {username!r} exists")
    tenant_id = None
    if tenant_code is not None:
        tenant_id = session.scalar(select(Tenant.id).where(Tenant.code == tenant_code))
        if tenant_id is None:
            raise NotFound(f"no tenant {tenant_code!r}")
    now = datetime.now(UTC)
    user = User(
        username=username,
        password_hash=passwords.hash(password),
        role=role,
        tenant_id=tenant_id,
        disabled=False,
        failed_logins=0,
        created_at=now,
        updated_at=now,
    )
    session.add(user)
    session.flush()
    body = {"username": username, "role": role, "tenant": tenant_code}
    ledger.append(session, NewFact(type="auth.user.created", actor=actor.snapshot(), body=body))
    return user


def set_password(
    session: Session,
    *,
    passwords: Passwords,
    min_password_length: int,
    username: str,
    password: str,
    actor: Principal,
) -> User:
    """Replace an account's password; this also lifts a lockout."""
    check_password(password, min_length=min_password_length)
    user = get_user(session, username=username)
    user.password_hash = passwords.hash(password)
    user.failed_logins = 0
    user.locked_until = None
    user.updated_at = datetime.now(UTC)
    session.flush()
    fact = NewFact(
        type="auth.user.password_changed", actor=actor.snapshot(), body={"username": username}
    )
    ledger.append(session, fact)
    return user


def set_disabled(session: Session, *, username: str, disabled: bool, actor: Principal) -> User:
    """Disable an account (ending its sessions at once) or enable it again."""
    user = get_user(session, username=username)
    now = datetime.now(UTC)
    user.disabled = disabled
    user.failed_logins = 0
    user.locked_until = None
    user.updated_at = now
    if disabled:
        session.execute(
            update(RefreshToken)
            .where(RefreshToken.user_id == user.id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
    session.flush()
    kind = "auth.user.disabled" if disabled else "auth.user.enabled"
    ledger.append(session, NewFact(type=kind, actor=actor.snapshot(), body={"username": username}))
    return user
