"""Who a bearer token names: the bootstrap admin token, a vigie access token, or an OIDC one."""

from __future__ import annotations

import hmac

import jwt
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from app.auth.admin_token import ensure_admin_token
from app.auth.models import RefreshToken, User
from app.auth.oidc import OidcVerifier
from app.auth.principal import Principal, Role
from app.auth.tokens import ACCESS, TokenSigner
from app.auth.users import principal_of
from app.config import Settings
from app.errors import Unauthenticated

ADMIN_TOKEN_PRINCIPAL = Principal(kind="admin_token", subject="admin-token", role=Role.admin)


def _unverified_issuer(token: str) -> object:
    """The `iss` a JWT claims, only to choose which keys verify it."""
    try:
        return jwt.decode(token, options={"verify_signature": False}).get("iss")
    except jwt.PyJWTError:
        return None


class Authenticator:
    """Resolves bearer tokens; built once per app from the settings."""

    def __init__(self, *, admin_token: str, tokens: TokenSigner, oidc: OidcVerifier | None) -> None:
        self._admin_token = admin_token.encode()
        self._tokens = tokens
        self._oidc = oidc

    @classmethod
    def from_settings(cls, settings: Settings, tokens: TokenSigner) -> Authenticator:
        """The authenticator the settings describe."""
        return cls(
            admin_token=ensure_admin_token(settings)[0],
            tokens=tokens,
            oidc=OidcVerifier.from_settings(settings),
        )

    def authenticate(self, session: Session, token: str) -> Principal:
        """The principal a bearer token names, or Unauthenticated."""
        if hmac.compare_digest(token.encode(), self._admin_token):
            return ADMIN_TOKEN_PRINCIPAL
        issuer = _unverified_issuer(token)
        if issuer == self._tokens.issuer:
            return self._local(session, token)
        if self._oidc is not None and issuer == self._oidc.issuer:
            return self._oidc.principal(session, token)
        raise Unauthenticated("invalid bearer token")

    def _local(self, session: Session, token: str) -> Principal:
        # Checked against the account on every request, so that disabling it, changing its
        # role or ending its session takes effect at once rather than at the token's expiry.
        claims = self._tokens.verify(token, ACCESS)
        user = session.scalars(select(User).where(User.username == claims["sub"])).one_or_none()
        if user is None or user.disabled:
            raise Unauthenticated("account unknown or disabled")
        if claims.get("role") != user.role or claims.get("tenant") != user.tenant_id:
            raise Unauthenticated("account changed since login; log in again")
        live = exists().where(
            RefreshToken.family_id == claims.get("sid"),
            RefreshToken.user_id == user.id,
            RefreshToken.revoked_at.is_(None),
        )
        if not session.scalar(select(live)):
            raise Unauthenticated("session ended; log in again")
        return principal_of(user)
