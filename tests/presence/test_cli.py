"""`vigie rebuild` and `vigie project` on a real database."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from app.cli import cli
from tests.databases import migrated_database

runner = CliRunner()


def test_project_then_rebuild(backend: str, tmp_path: Path) -> None:
    with migrated_database(backend, tmp_path) as url:
        env = {"VIGIE_DATABASE_URL": url, "VIGIE_VAR_DIR": str(tmp_path / "var")}
        first = runner.invoke(cli, ["project"], env=env)
        assert first.exit_code == 0, first.output
        assert "0 new physical events projected" in first.stdout
        again = runner.invoke(cli, ["rebuild"], env=env)
        assert again.exit_code == 0, again.output
        assert "rebuilt from 0 physical events" in again.stdout
