"""vigie's own JWTs: short-lived access tokens and refresh tokens, signed with Ed25519.

EdDSA rather than HS256: only the holder of the private key can mint a token, while any
service (or auditor) can verify one with the public key; with one fixed algorithm on
decode, a token cannot pick HS256 to turn that public key into an HMAC secret, nor "none".
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.auth.keys import signing_key
from app.config import Settings
from app.errors import Unauthenticated

ALGORITHM = "EdDSA"
# Explicit typing (RFC 8725 section 3.11): a refresh token is never taken for an access
# token, nor the reverse. "at+jwt" is RFC 9068's type of access tokens.
ACCESS = "at+jwt"
REFRESH = "rt+jwt"
# vigie's own tokens carry every registered claim; identity providers vary (many omit
# nbf and jti), so theirs need only these.
REQUIRED_CLAIMS = ["exp", "iat", "nbf", "iss", "aud", "sub", "jti"]
PROVIDER_REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub"]


def decode(
    token: str,
    key: Any,
    *,
    algorithms: list[str],
    audience: str,
    issuer: str,
    leeway_s: int,
    required: list[str],
) -> dict[str, Any]:
    """Verify a JWT's signature and registered claims; every failure is a 401."""
    try:
        return jwt.decode_complete(
            token,
            key,
            algorithms=algorithms,
            audience=audience,
            issuer=issuer,
            leeway=leeway_s,
            options={"require": required},
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthenticated("token expired") from exc
    except jwt.ImmatureSignatureError as exc:
        raise Unauthenticated("token not yet valid") from exc
    except jwt.InvalidAudienceError as exc:
        raise Unauthenticated("token meant for another audience") from exc
    except jwt.InvalidIssuerError as exc:
        raise Unauthenticated("token from another issuer") from exc
    except jwt.PyJWTError as exc:
        raise Unauthenticated("invalid token") from exc


@dataclass(frozen=True)
class Issued:
    """A signed token and the registered claims the server keeps track of."""

    token: str
    jti: str
    expires_at: datetime


class TokenSigner:
    """Issues and verifies vigie's tokens with the deployment's Ed25519 key."""

    def __init__(
        self, key: Ed25519PrivateKey, *, issuer: str, audience: str, leeway_s: int
    ) -> None:
        self._key = key
        self._public_key = key.public_key()
        self.issuer = issuer
        self.audience = audience
        self._leeway_s = leeway_s

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenSigner:
        """The signer the settings describe (creating the key on first run)."""
        return cls(
            signing_key(settings),
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            leeway_s=settings.jwt_leeway_s,
        )

    def issue(
        self,
        typ: str,
        *,
        subject: str,
        now: datetime,
        expires_at: datetime,
        claims: dict[str, Any],
    ) -> Issued:
        """Sign a token of a type (ACCESS or REFRESH) for a subject."""
        jti = uuid.uuid4().hex
        payload = {
            **claims,
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "iat": now,
            "nbf": now,
            "exp": expires_at,
            "jti": jti,
        }
        token = jwt.encode(payload, self._key, algorithm=ALGORITHM, headers={"typ": typ})
        return Issued(token=token, jti=jti, expires_at=expires_at)

    def verify(self, token: str, typ: str) -> dict[str, Any]:
        """The claims of a valid token of the given type, or Unauthenticated."""
        decoded = decode(
            token,
            self._public_key,
            algorithms=[ALGORITHM],
            audience=self.audience,
            issuer=self.issuer,
            leeway_s=self._leeway_s,
            required=REQUIRED_CLAIMS,
        )
        if decoded["header"].get("typ") != typ:
            raise Unauthenticated("wrong kind of token")
        claims: dict[str, Any] = decoded["payload"]
        return claims
