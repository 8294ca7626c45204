"""Tokens of an external identity provider, with keys and a JWKS the tests make."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.testclient import TestClient
from jwt.algorithms import ECAlgorithm
from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.main import create_app
from tests.auth.factories import bearer, tenant

ISSUER = "https://idp.example/realms/dc"
AUDIENCE = "vigie-api"
ME = "/api/v1/auth/me"
KEY = ec.generate_private_key(ec.SECP256R1())


def jwks(key: ec.EllipticCurvePrivateKey = KEY, kid: str = "k1") -> dict[str, Any]:
    """A key set holding the public half of a key."""
    jwk = ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {"keys": [{**jwk, "kid": kid, "alg": "ES256", "use": "sig"}]}


def idp_token(key: ec.EllipticCurvePrivateKey = KEY, kid: str = "k1", **claims: Any) -> str:
    """An access token as the provider would sign it; claims override the defaults."""
    now = datetime.now(UTC)
    payload = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "f3a1-user",
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(minutes=5),
        "jti": "abc",
        "roles": ["auditor"],
        **claims,
    }
    return jwt.encode(payload, key, algorithm="ES256", headers={"kid": kid})


@contextmanager
def oidc_client(
    settings: Settings, sessions: sessionmaker[Session], **oidc: Any
) -> Iterator[TestClient]:
    """A client of an app that trusts the test provider."""
    configured = Settings(
        **{**settings.model_dump(), "oidc_issuer": ISSUER, "oidc_audience": AUDIENCE, **oidc}
    )
    with TestClient(create_app(configured, sessions=sessions)) as client:
        yield client


@pytest.fixture
def jwks_file(tmp_path: Path) -> Path:
    """The provider's key set as an air-gapped site keeps it."""
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(jwks()))
    return path


@pytest.fixture
def client(
    settings: Settings, sessions: sessionmaker[Session], jwks_file: Path
) -> Iterator[TestClient]:
    """A client of an app reading the provider's keys from a file."""
    with oidc_client(settings, sessions, oidc_jwks_file=jwks_file) as client:
        yield client


def test_provider_token_names_the_caller(client: TestClient) -> None:
    response = client.get(ME, headers=bearer(idp_token()))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "kind": "oidc",
        "subject": "f3a1-user",
        "role": "auditor",
        "tenant_id": None,
    }


def test_widest_role_wins_and_unknown_names_are_ignored(client: TestClient) -> None:
    token = idp_token(roles=["tenant_auditor", "security", "device", "root"])
    assert client.get(ME, headers=bearer(token)).json()["role"] == "security"


@pytest.mark.parametrize("roles", [[], "device", ["root"], None, {"admin": True}])
def test_token_without_a_vigie_role_is_refused(client: TestClient, roles: Any) -> None:
    response = client.get(ME, headers=bearer(idp_token(roles=roles)))
    assert response.status_code == 401
    assert response.json()["detail"] == "the token grants no vigie role"


def test_tenant_auditor_gets_the_tenant_of_the_claim(client: TestClient, session: Session) -> None:
    hospital = tenant(session)
    token = idp_token(roles="tenant_auditor", vigie_tenant=hospital.code)
    assert client.get(ME, headers=bearer(token)).json()["tenant_id"] == hospital.id
    for code in ["no-such-tenant", None, 7]:
        token = idp_token(roles="tenant_auditor", vigie_tenant=code)
        assert client.get(ME, headers=bearer(token)).status_code == 401


def test_role_map_and_nested_claims(
    settings: Settings, sessions: sessionmaker[Session], jwks_file: Path
) -> None:
    with oidc_client(
        settings,
        sessions,
        oidc_jwks_file=jwks_file,
        oidc_roles_claim="realm_access.roles",
        oidc_role_map={"dc-admins": "admin"},
    ) as client:
        token = idp_token(realm_access={"roles": ["dc-admins"]})
        assert client.get(ME, headers=bearer(token)).json()["role"] == "admin"
        # With a map, vigie's own role names mean nothing by themselves.
        plain = idp_token(realm_access={"roles": ["admin"]})
        assert client.get(ME, headers=bearer(plain)).status_code == 401


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "another-service"},
        {"exp": datetime.now(UTC) - timedelta(minutes=5)},
        {"nbf": datetime.now(UTC) + timedelta(minutes=5)},
        {"iss": "https://idp.example/realms/other"},
    ],
)
def test_provider_tokens_with_bad_claims_are_refused(
    client: TestClient, claims: dict[str, Any]
) -> None:
    assert client.get(ME, headers=bearer(idp_token(**claims))).status_code == 401


def test_provider_tokens_need_few_claims_and_namespaced_ones_work(
    settings: Settings, sessions: sessionmaker[Session], jwks_file: Path
) -> None:
    # Auth0-style: no nbf, no jti, roles under a URL-named claim holding dots.
    claim = "https://vigie.example/roles"
    with oidc_client(
        settings, sessions, oidc_jwks_file=jwks_file, oidc_roles_claim=claim
    ) as client:
        now = datetime.now(UTC)
        token = jwt.encode(
            {
                "iss": ISSUER,
                "aud": AUDIENCE,
                "sub": "u",
                "iat": now,
                "exp": now + timedelta(minutes=1),
                claim: ["security"],
            },
            KEY,
            algorithm="ES256",
            headers={"kid": "k1"},
        )
        assert client.get(ME, headers=bearer(token)).json()["role"] == "security"
        for missing in ["exp", "iat", "sub", "aud"]:
            claims = jwt.decode(token, options={"verify_signature": False})
            del claims[missing]
            partial = jwt.encode(claims, KEY, algorithm="ES256", headers={"kid": "k1"})
            assert client.get(ME, headers=bearer(partial)).status_code == 401


def test_tokens_not_signed_by_the_provider_are_refused(client: TestClient) -> None:
    stranger = ec.generate_private_key(ec.SECP256R1())
    assert client.get(ME, headers=bearer(idp_token(key=stranger))).status_code == 401
    assert client.get(ME, headers=bearer(idp_token(kid="k2"))).status_code == 401
    hs = jwt.encode({"iss": ISSUER, "aud": AUDIENCE, "sub": "x"}, "k" * 32, algorithm="HS256")
    assert client.get(ME, headers=bearer(hs)).status_code == 401


class _JwksHandler(BaseHTTPRequestHandler):
    served: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (the http.server method name)
        type(self).served.append(self.path)
        body = json.dumps(jwks()).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: Any) -> None:
        return


@pytest.fixture
def jwks_server() -> Iterator[str]:
    """A JWKS endpoint on loopback; yields its URL."""
    _JwksHandler.served = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _JwksHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/certs"
    server.shutdown()
    server.server_close()


def test_keys_fetched_over_http_are_cached(
    settings: Settings, sessions: sessionmaker[Session], jwks_server: str
) -> None:
    with oidc_client(settings, sessions, oidc_jwks_url=jwks_server) as client:
        for _ in range(3):
            assert client.get(ME, headers=bearer(idp_token())).status_code == 200
    assert _JwksHandler.served == ["/certs"]


def test_unreachable_provider_is_503(
    settings: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    with oidc_client(settings, sessions, oidc_jwks_file=tmp_path / "missing.json") as client:
        response = client.get(ME, headers=bearer(idp_token()))
        assert response.status_code == 503
        assert response.json()["code"] == "unavailable"


@pytest.mark.parametrize(
    "oidc",
    [
        {"oidc_algorithms": "HS256"},
        {"oidc_algorithms": "RS256,none"},
        {"oidc_jwks_url": "http://idp.example/certs"},
        {"oidc_jwks_url": "https://idp.example/certs", "oidc_jwks_file": "/tmp/jwks.json"},
        {"oidc_jwks_url": None},
        {"oidc_audience": None, "oidc_jwks_url": "https://idp.example/certs"},
        {"oidc_role_map": {"machines": "device"}, "oidc_jwks_url": "https://idp.example/c"},
        {"oidc_issuer": "vigie", "oidc_jwks_url": "https://idp.example/certs"},
    ],
)
def test_unsafe_or_incomplete_provider_settings_are_refused(oidc: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Settings(**{"oidc_issuer": ISSUER, "oidc_audience": AUDIENCE, **oidc})
