"""Bad tokens, one by one: each is refused with 401 and never reaches a route."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.auth.keys import signing_key
from app.auth.principal import Role
from app.auth.tokens import ACCESS, REFRESH
from app.config import Settings
from tests.auth.factories import bearer, login, user

ME = "/api/v1/auth/me"


def b64(data: bytes) -> str:
    """Unpadded base64url, as JWTs spell their parts."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def valid_claims(client: TestClient, session: Session) -> dict[str, Any]:
    """The claims of a real access token of a fresh account (its session is live)."""
    token = login(client, user(session, Role.auditor).username)["access_token"]
    return dict(jwt.decode(token, options={"verify_signature": False}))


def forge(settings: Settings, claims: dict[str, Any], typ: str = ACCESS) -> str:
    """Sign claims with the deployment's own key: only the claims are wrong."""
    return jwt.encode(claims, signing_key(settings), algorithm="EdDSA", headers={"typ": typ})


def refused(client: TestClient, token: str, detail: str) -> None:
    """Assert /me refuses a token with 401 and the expected reason."""
    response = client.get(ME, headers=bearer(token))
    assert response.status_code == 401, response.text
    assert response.json()["detail"] == detail


def test_a_forged_token_with_valid_claims_is_accepted(
    client: TestClient, session: Session, settings: Settings
) -> None:
    # The control for the tests below: forge() alone does not cause a refusal.
    token = forge(settings, valid_claims(client, session))
    assert client.get(ME, headers=bearer(token)).status_code == 200


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        ({"exp": -60, "iat": -120, "nbf": -120}, "token expired"),
        ({"nbf": 600, "iat": 0}, "token not yet valid"),
        ({"aud": "another-service"}, "token meant for another audience"),
        ({"role": "admin"}, "account changed since login; log in again"),
        ({"sub": "nobody"}, "account unknown or disabled"),
        ({"sid": "0" * 32}, "session ended; log in again"),
    ],
)
def test_tokens_with_bad_claims_are_refused(
    client: TestClient,
    session: Session,
    settings: Settings,
    change: dict[str, Any],
    detail: str,
) -> None:
    claims = valid_claims(client, session)
    now = int(datetime.now(UTC).timestamp())
    for name, value in change.items():
        claims[name] = now + value if name in {"exp", "iat", "nbf"} else value
    refused(client, forge(settings, claims), detail)


def test_missing_claims_are_refused(
    client: TestClient, session: Session, settings: Settings
) -> None:
    for name in ["exp", "iat", "nbf", "aud", "sub", "jti"]:
        claims = valid_claims(client, session)
        del claims[name]
        refused(client, forge(settings, claims), "invalid token")


def test_wrong_issuer_is_refused(client: TestClient, session: Session, settings: Settings) -> None:
    refused(
        client,
        forge(settings, {**valid_claims(client, session), "iss": "evil"}),
        "invalid bearer token",
    )


def test_a_refresh_token_typed_claim_set_is_not_an_access_token(
    client: TestClient, session: Session, settings: Settings
) -> None:
    refused(
        client, forge(settings, valid_claims(client, session), typ=REFRESH), "wrong kind of token"
    )


def test_alg_none_is_refused(client: TestClient, session: Session) -> None:
    header = b64(json.dumps({"alg": "none", "typ": ACCESS}).encode())
    payload = b64(json.dumps(valid_claims(client, session)).encode())
    refused(client, f"{header}.{payload}.", "invalid token")


def test_hs256_signed_with_the_public_key_is_refused(
    client: TestClient, session: Session, settings: Settings
) -> None:
    # The classic algorithm confusion: an attacker who knows the public key signs with
    # HMAC using it as the secret, hoping the server verifies HS256 with that same key.
    public = signing_key(settings).public_key()
    for secret in (
        public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo),
        public.public_bytes(Encoding.Raw, PublicFormat.Raw),
    ):
        header = b64(json.dumps({"alg": "HS256", "typ": ACCESS}).encode())
        payload = b64(json.dumps(valid_claims(client, session)).encode())
        signature = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        refused(client, f"{header}.{payload}.{b64(signature)}", "invalid token")


def test_tampered_payload_is_refused(client: TestClient, session: Session) -> None:
    token = login(client, user(session, Role.tenant_auditor).username)["access_token"]
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["role"], claims["tenant"] = "admin", None
    refused(client, f"{header}.{b64(json.dumps(claims).encode())}.{signature}", "invalid token")


def test_token_signed_by_another_key_is_refused(client: TestClient, session: Session) -> None:
    claims = valid_claims(client, session)
    other = jwt.encode(
        claims, Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"typ": ACCESS}
    )
    refused(client, other, "invalid token")


@pytest.mark.parametrize(
    "header", ["Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer a.b", "token"]
)
def test_garbage_authorization_headers_are_refused(client: TestClient, header: str) -> None:
    response = client.get(ME, headers={"Authorization": header})
    assert response.status_code == 401


def test_revoked_refresh_token_is_refused(client: TestClient, session: Session) -> None:
    tokens = login(client, user(session, Role.security).username)
    client.post("/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    response = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert response.status_code == 401
    assert response.json()["detail"] == "refresh token revoked"


def test_expired_refresh_token_is_refused(
    client: TestClient, session: Session, settings: Settings
) -> None:
    tokens = login(client, user(session, Role.security).username)
    claims = jwt.decode(tokens["refresh_token"], options={"verify_signature": False})
    claims["exp"] = int((datetime.now(UTC) - timedelta(minutes=1)).timestamp())
    expired = forge(settings, claims, typ=REFRESH)
    response = client.post("/api/v1/auth/refresh", json={"refresh_token": expired})
    assert response.status_code == 401
    assert response.json()["detail"] == "token expired"
