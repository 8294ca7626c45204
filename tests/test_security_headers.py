"""Security headers on every answer; CORS closed unless origins are configured."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.main import create_app

ORIGIN = "https://ui.example"


def test_api_answers_carry_the_headers_and_are_never_cached(client: TestClient) -> None:
    for response in [
        client.get("/api/v1/auth/me"),
        client.post("/api/v1/auth/login", json={}),
        client.get("/api/v1/nothing-here"),
    ]:
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Cache-Control"] == "no-store"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert "Strict-Transport-Security" not in response.headers


def test_pages_may_load_resources_but_not_be_framed(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == "frame-ancestors 'none'"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_too_large_answers_carry_the_headers(client: TestClient) -> None:
    response = client.post("/api/v1/auth/login", content=b"x" * 3_000_000)
    assert response.status_code == 413
    assert response.headers["Cache-Control"] == "no-store"


def test_cors_is_closed_by_default(client: TestClient) -> None:
    preflight = client.options(
        "/api/v1/auth/me",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET"},
    )
    assert "Access-Control-Allow-Origin" not in preflight.headers
    simple = client.get("/healthz", headers={"Origin": ORIGIN})
    assert "Access-Control-Allow-Origin" not in simple.headers


def test_configured_origins_and_tls(settings: Settings, sessions: sessionmaker[Session]) -> None:
    configured = settings.model_copy(update={"cors_origins": [ORIGIN], "behind_tls": True})
    with TestClient(create_app(configured, sessions=sessions)) as client:
        preflight = client.options(
            "/api/v1/auth/me",
            headers={
                "Origin": ORIGIN,
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "Authorization",
            },
        )
        assert preflight.headers["Access-Control-Allow-Origin"] == ORIGIN
        other = client.get("/healthz", headers={"Origin": "https://evil.example"})
        assert "Access-Control-Allow-Origin" not in other.headers
        hsts = client.get("/healthz").headers["Strict-Transport-Security"]
        assert hsts.startswith("max-age=31536000")
