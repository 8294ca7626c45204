"""The `vigie` command: serve, migrate, demo, devices, and the areas' own commands."""

from __future__ import annotations

from typing import Any

import typer
import uvicorn

from app import migrations_state, serving
from app.auth.admin_token import ensure_admin_token, token_path
from app.auth.cli import users
from app.config import Settings
from app.db import engine_from_settings
from app.demo.cli import demo
from app.ledger.cli import ledger_cli
from app.presence.cli import project, rebuild
from app.presence.supervisor import ProjectorProcess
from app.topology.cli import devices

cli = typer.Typer(
    help="vigie: the evidence service of a health-data datacenter.", no_args_is_help=True
)
cli.add_typer(users, name="users")

cli.add_typer(devices, name="devices")
cli.command()(demo)
cli.command()(rebuild)
cli.command()(project)


@cli.command()
def migrate() -> None:
    """Bring the database schema to the newest migration."""
    settings = Settings()
    engine = engine_from_settings(settings)
    try:
        migrations_state.upgrade(engine)
    finally:
        engine.dispose()
    typer.echo("database at the newest migration")


@cli.command()
def serve(
    host: str | None = typer.Option(None, help="Address to bind (default VIGIE_HOST)."),
    port: int | None = typer.Option(None, help="Port (default VIGIE_PORT)."),
    workers: int = typer.Option(1, min=1, help="Worker processes."),
) -> None:
    """Serve the API (and the UI) with uvicorn, and run the projector beside it."""
    settings = Settings()
    token, generated = ensure_admin_token(settings)
    if generated:
        typer.echo(f"admin token (shown once, kept in {token_path(settings)}): {token}")
    # One projector per deployment, whatever the number of workers: its own process.
    projector = ProjectorProcess() if settings.projector_interval_s > 0 else None
    if projector is not None:
        projector.start()
    try:
        options: dict[str, Any] = {
            "factory": True,
            "host": host or settings.host,
            "port": port or settings.port,
            "workers": workers,
            "log_level": settings.log_level,
            "access_log": settings.access_log,
        }
        if workers > 1 and serving.balanced():  # each worker on its own socket
            serving.run(uvicorn.Config("app.main:create_app", **options))
        else:
            uvicorn.run("app.main:create_app", **options)
    finally:
        if projector is not None:
            projector.stop()


cli.add_typer(ledger_cli)


def main() -> None:
    """Entry point of the `vigie` script."""
    cli()
