"""`vigie demo` on a fresh database, then the API serves it (the `make run` sequence) to the
accounts it made."""

from __future__ import annotations

import stat
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from app.cli import cli
from app.config import Settings
from app.db import command_session
from app.demo import site
from app.ledger import service as ledger
from app.main import create_app
from app.topology.models import Site
from tests.auth.factories import bearer, login
from tests.conftest import CHEAP_HASHING_ENV, HASH_MEMORY_KIB, HASH_TIME_COST
from tests.databases import migrated_database

runner = CliRunner()


def test_demo_loads_once_with_keys_and_accounts_and_is_served(backend: str, tmp_path: Path) -> None:
    var = tmp_path / "var"
    with migrated_database(backend, tmp_path) as url:
        env = {"VIGIE_DATABASE_URL": url, "VIGIE_VAR_DIR": str(var), **CHEAP_HASHING_ENV}
        first = runner.invoke(cli, ["demo", "--if-empty"], env=env)
        assert first.exit_code == 0, first.output
        assert "demo site Paris-Nord DC1 loaded" in first.stdout
        keys = sorted((var / "demo-readers").iterdir())
        assert len(keys) == 26
        assert all(stat.S_IMODE(key.stat().st_mode) == 0o600 for key in keys)
        assert keys[0].read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
        accounts = var / "demo-users.txt"
        assert stat.S_IMODE(accounts.stat().st_mode) == 0o600
        made = [line.split() for line in accounts.read_text().splitlines()[1:]]
        assert [(name, role, tenant) for name, role, tenant, _ in made] == [
            ("demo-admin", "admin", "-"),
            ("demo-security", "security", "-"),
            ("demo-auditor", "auditor", "-"),
            ("demo-chu", "tenant_auditor", "CHU-NO"),
        ]
        assert all(password in first.stdout for *_, password in made)
        assert "curl -s http://127.0.0.1:8000/api/v1/auth/login" in first.stdout
        settings = Settings(
            database_url=url,
            var_dir=var,
            password_hash_time_cost=HASH_TIME_COST,
            password_hash_memory_kib=HASH_MEMORY_KIB,
        )
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
        assert [line.split() for line in accounts.read_text().splitlines()[1:]] == made
        assert not any(password in again.stdout + refused.stdout for *_, password in made)

        with TestClient(create_app(settings)) as client:
            token = (var / "admin_token").read_text().strip()
            sites = client.get(
                "/api/v1/topology/sites", headers={"Authorization": f"Bearer {token}"}
            )
            logins = {name: login(client, name, password) for name, _, _, password in made}
            me = client.get("/api/v1/auth/me", headers=bearer(logins["demo-chu"]["access_token"]))
            servers = client.get(
                "/api/v1/topology/servers", headers=bearer(logins["demo-chu"]["access_token"])
            )
        assert sites.status_code == 200
        assert [row["name"] for row in sites.json()["items"]] == ["Paris-Nord DC1"]
        assert me.json()["role"] == "tenant_auditor"
        hostnames = {server["hostname"] for server in servers.json()["items"]}
        assert hostnames == {host for host, _, owner, *_ in site.SERVERS if owner == "CHU-NO"}


def test_a_taken_demo_username_refuses_the_whole_demo(backend: str, tmp_path: Path) -> None:
    var = tmp_path / "var"
    with migrated_database(backend, tmp_path) as url:
        env = {"VIGIE_DATABASE_URL": url, "VIGIE_VAR_DIR": str(var), **CHEAP_HASHING_ENV}
        taken = runner.invoke(
            cli,
            ["users", "add", "demo-auditor", "--role", "auditor", "--password-stdin"],
            env=env,
            input="a long enough password\n",
        )
        assert taken.exit_code == 0, taken.output
        refused = runner.invoke(cli, ["demo"], env=env)
        assert refused.exit_code == 1
        assert "user 'demo-auditor' exists" in refused.stderr
        assert not (var / "demo-users.txt").exists()
        assert not (var / "demo-readers").exists() or not any((var / "demo-readers").iterdir())
        with command_session(Settings(database_url=url, var_dir=var)) as session:
            assert session.scalar(select(func.count()).select_from(Site)) == 0
