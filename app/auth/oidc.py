"""Access tokens of an external identity provider (OIDC), verified with its JWKS."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from jwt import PyJWKClient, PyJWTError
from jwt.exceptions import PyJWKClientConnectionError, PyJWKClientError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.principal import Principal, Role
from app.auth.tokens import PROVIDER_REQUIRED_CLAIMS, decode
from app.config import Settings
from app.errors import Unauthenticated, Unavailable
from app.topology.models import Tenant

# When the provider grants several vigie roles, the caller acts with the widest.
PRECEDENCE = (Role.admin, Role.security, Role.auditor, Role.tenant_auditor)
FETCH_TIMEOUT_S = 5.0


class JwksClient(PyJWKClient):
    """PyJWKClient (caching, key lookup by kid) reading the key set with httpx or a file."""

    def __init__(self, *, url: str | None, path: Path | None, lifespan_s: int) -> None:
        # PyJWKClient insists on an http(s) URI even when fetch_data never uses it.
        super().__init__(url or "https://jwks-file.invalid/", lifespan=lifespan_s)
        self._path = path

    def fetch_data(self) -> Any:
        """The provider's key set, from its URL (no redirects) or the configured file."""
        try:
            if self._path is not None:
                return json.loads(self._path.read_bytes())
            response = httpx.get(self.uri, timeout=FETCH_TIMEOUT_S, follow_redirects=False)
            response.raise_for_status()
            return response.json()
        except (OSError, ValueError, httpx.HTTPError) as exc:
            raise PyJWKClientConnectionError(f"cannot read the JWKS: {exc}") from exc


def _claim(claims: dict[str, Any], name: str) -> Any:
    """A claim by name, or by a dotted path into objects (Keycloak's `realm_access.roles`)."""
    if name in claims:
        return claims[name]
    value: Any = claims
    for part in name.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


class OidcVerifier:
    """Turns a provider's access token into a principal: roles and tenant from its claims."""

    def __init__(self, settings: Settings, *, issuer: str, audience: str) -> None:
        self.issuer = issuer
        self._audience = audience
        self._algorithms = settings.oidc_algorithms
        self._leeway_s = settings.jwt_leeway_s
        self._roles_claim = settings.oidc_roles_claim
        self._role_map = settings.oidc_role_map
        self._tenant_claim = settings.oidc_tenant_claim
        self._jwks = JwksClient(
            url=settings.oidc_jwks_url,
            path=settings.oidc_jwks_file,
            lifespan_s=settings.oidc_jwks_cache_s,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> OidcVerifier | None:
        """The verifier, or None when no provider is configured."""
        if settings.oidc_issuer is None or settings.oidc_audience is None:
            return None
        return cls(settings, issuer=settings.oidc_issuer, audience=settings.oidc_audience)

    def principal(self, session: Session, token: str) -> Principal:
        """The caller a valid provider token names, or Unauthenticated."""
        try:
            key = self._jwks.get_signing_key_from_jwt(token)
        except PyJWKClientConnectionError as exc:
            raise Unavailable("the identity provider's keys cannot be read") from exc
        except (PyJWKClientError, PyJWTError) as exc:
            raise Unauthenticated("no key of the identity provider matches the token") from exc
        claims = decode(
            token,
            key,
            algorithms=self._algorithms,
            audience=self._audience,
            issuer=self.issuer,
            leeway_s=self._leeway_s,
            required=PROVIDER_REQUIRED_CLAIMS,
        )["payload"]
        role = self._role(claims)
        tenant_id = self._tenant_id(session, claims) if role is Role.tenant_auditor else None
        return Principal(kind="oidc", subject=str(claims["sub"]), role=role, tenant_id=tenant_id)

    def _role(self, claims: dict[str, Any]) -> Role:
        raw = _claim(claims, self._roles_claim)
        names = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
        if self._role_map:
            granted = {
                self._role_map[n] for n in names if isinstance(n, str) and n in self._role_map
            }
        else:
            granted = {Role(n) for n in names if n in PRECEDENCE}
        for role in PRECEDENCE:
            if role in granted:
                return role
        raise Unauthenticated("the token grants no vigie role")

    def _tenant_id(self, session: Session, claims: dict[str, Any]) -> int:
        code = _claim(claims, self._tenant_claim)
        tenant_id = None
        if isinstance(code, str):
            tenant_id = session.scalar(select(Tenant.id).where(Tenant.code == code))
        if tenant_id is None:
            raise Unauthenticated("a tenant auditor's token must name a known tenant")
        return tenant_id
