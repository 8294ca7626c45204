"""Demo accounts: one per person's role, each with a password generated at load time."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.auth import users
from app.auth.passwords import Passwords
from app.auth.principal import Principal, Role
from app.demo import site

TENANT = site.TENANTS[0]["code"]  # the tenant auditor's hospital: CHU Nord-Ouest
# (username, role, tenant code)
ACCOUNTS = [
    ("demo-admin", Role.admin, None),
    ("demo-security", Role.security, None),
    ("demo-auditor", Role.auditor, None),
    ("demo-chu", Role.tenant_auditor, TENANT),
]


@dataclass(frozen=True)
class DemoAccount:
    """An account the demo made, with the only copy of its password."""

    username: str
    role: Role
    tenant: str | None
    password: str


def create_accounts(
    session: Session, *, passwords: Passwords, min_password_length: int, actor: Principal
) -> list[DemoAccount]:
    """Create the demo accounts (each one a fact), with new random passwords."""
    made = []
    for username, role, tenant in ACCOUNTS:
        password = secrets.token_urlsafe(18)  # 144 random bits, 24 URL-safe characters
        users.add_user(
            session,
            passwords=passwords,
            min_password_length=min_password_length,
            username=username,
            password=password,
            role=role,
            tenant_code=tenant,
            actor=actor,
        )
        made.append(DemoAccount(username=username, role=role, tenant=tenant, password=password))
    return made


def table(accounts: list[DemoAccount]) -> str:
    """The accounts as aligned lines: username, role, tenant (or -), password."""
    return "".join(
        f"{a.username:<14} {a.role:<15} {a.tenant or '-':<7} {a.password}\n" for a in accounts
    )
