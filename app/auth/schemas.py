"""Request and response bodies of the auth API."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from app.auth.principal import Role
from app.auth.users import PASSWORD_MAX_LENGTH


class LoginRequest(BaseModel):
    """A username and its password."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    password: SecretStr = Field(min_length=1, max_length=PASSWORD_MAX_LENGTH)


class RefreshRequest(BaseModel):
    """A refresh token, to rotate (refresh) or to end its session (logout)."""

    model_config = ConfigDict(extra="forbid")

    refresh_token: SecretStr = Field(min_length=1, max_length=4096)


class TokenResponse(BaseModel):
    """Tokens of a login session (OAuth 2.0 token response field names)."""

    access_token: str
    token_type: str = "bearer"  # noqa: S105 (the OAuth 2.0 token type, not a secret)
    expires_in: int = Field(description="Seconds until the access token expires.")
    refresh_token: str
    refresh_expires_in: int = Field(description="Seconds until the session ends.")


class Me(BaseModel):
    """The caller as vigie sees it."""

    kind: str
    subject: str
    role: Role
    tenant_id: int | None
