"""Every refusal carries a "code"; a database that drops away answers 503, then heals."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url, text

from app.config import Settings
from app.main import create_app
from tests.conftest import ADMIN, ADMIN_TOKEN
from tests.databases import POSTGRES_URL, migrated_database


def test_validation_refusal_keeps_fastapis_detail_and_adds_a_code(client: TestClient) -> None:
    response = client.get("/api/v1/topology/zones/not-a-number", headers=ADMIN)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert body["detail"][0]["loc"] == ["path", "entity_id"]


def test_unknown_path_answers_not_found_with_a_code(client: TestClient) -> None:
    response = client.get("/api/v1/no-such-thing", headers=ADMIN)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found", "code": "not_found"}


def test_wrong_method_answers_405_with_a_code_and_the_allowed_methods(
    client: TestClient,
) -> None:
    response = client.put("/healthz")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert "GET" in response.headers["allow"]


@pytest.mark.skipif(POSTGRES_URL is None, reason="needs a PostgreSQL server to restart")
def test_dropped_database_connections_answer_503_once_then_the_service_heals(
    tmp_path: Path,
) -> None:
    """PostgreSQL kills every connection of the service (as a restart does): the request
    that meets a dead pooled connection is told to retry, and the retry succeeds."""
    with migrated_database("postgresql", tmp_path) as url:
        settings = Settings(
            var_dir=tmp_path / "var",
            database_url=url,
            admin_token=ADMIN_TOKEN,  # type: ignore[arg-type]
            checkpoint_interval_s=0,
            projector_interval_s=0,
        )
        name = make_url(url).database
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        try:
            with TestClient(create_app(settings)) as client:
                assert client.get("/api/v1/topology/sites", headers=ADMIN).status_code == 200
                with admin.connect() as conn:
                    killed = conn.execute(
                        text(
                            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                            " WHERE datname = :name AND pid <> pg_backend_pid()"
                        ),
                        {"name": name},
                    ).scalar_one()
                assert killed >= 1
                refused = client.get("/api/v1/topology/sites", headers=ADMIN)
                assert refused.status_code == 503
                assert refused.json()["code"] == "unavailable"
                assert refused.headers["retry-after"] == "1"
                assert client.get("/api/v1/topology/sites", headers=ADMIN).status_code == 200
        finally:
            admin.dispose()
