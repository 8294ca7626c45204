"""Tables of people's accounts and of the refresh tokens of their login sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.orm import Base

# Roles a person's account may hold; `device` is for machine credentials only.
USER_ROLES = ("admin", "security", "auditor", "tenant_auditor")


class User(Base):
    """A person who logs in with a password; a tenant auditor belongs to one tenant."""

    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenant.id"), index=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (
        CheckConstraint(f"role IN {USER_ROLES!r}", name="role"),
        CheckConstraint(
            "(role = 'tenant_auditor' AND tenant_id IS NOT NULL)"
            " OR (role <> 'tenant_auditor' AND tenant_id IS NULL)",
            name="tenant_iff_tenant_auditor",
        ),
        CheckConstraint("failed_logins >= 0", name="failed_logins"),
    )


class RefreshToken(Base):
    """One refresh token; the tokens rotated from one login form a family (a session)."""

    __tablename__ = "refresh_token"
    jti: Mapped[str] = mapped_column(String(32), primary_key=True)
    # The jti of the login's first token: revoking a session revokes every token sharing it.
    family_id: Mapped[str] = mapped_column(String(32), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    replaced_by: Mapped[str | None] = mapped_column(String(32))
