"""`vigie demo` on a fresh database, then the API serves it (the `make run` sequence)."""

from __future__ import annotations

import stat
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.cli import cli
from app.config import Settings
from app.db import command_session
from app.ledger import service as ledger
from app.main import create_app
from tests.databases import migrated_database

runner = CliRunner()


def test_demo_loads_once_keeps_reader_keys_and_is_served(backend: str, tmp_path: Path) -> None:
    var = tmp_path / "var"
    with migrated_database(backend, tmp_path) as url:
        env = {"VIGIE_DATABASE_URL": url, "VIGIE_VAR_DIR": str(var)}
        first = runner.invoke(cli, ["demo", "--if-empty"], env=env)
        assert first.exit_code == 0, first.output
        assert "demo site Paris-Nord DC1 loaded" in first.stdout
        keys = sorted((var / "demo-readers").iterdir())
        assert len(keys) == 26
        assert all(stat.S_IMODE(key.stat().st_mode) == 0o600 for key in keys)
        assert keys[0].read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
        settings = Settings(database_url=url, var_dir=var)
        with command_session(settings) as session:
            size = ledger.size(session)

        again = runner.invoke(cli, ["demo", "--if-empty"], env=env)
        assert again.exit_code == 0
        assert "not empty" in again.stdout
        refused = runner.invoke(cli, ["demo"], env=env)
        assert refused.exit_code == 1
        assert "already taken" in refused.stderr
        with command_session(settings) as session:
            assert ledger.size(session) == size
        assert sorted((var / "demo-readers").iterdir()) == keys

        with TestClient(create_app(settings)) as client:
            token = (var / "admin_token").read_text().strip()
            sites = client.get(
                "/api/v1/topology/sites", headers={"Authorization": f"Bearer {token}"}
            )
        assert sites.status_code == 200
        assert [site["name"] for site in sites.json()["items"]] == ["Paris-Nord DC1"]
