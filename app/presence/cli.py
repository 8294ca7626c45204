"""`vigie rebuild` and `vigie project`: the read models from the stored events, on demand."""

from __future__ import annotations

import typer

from app.config import Settings
from app.db import command_session
from app.presence import projector
from app.topology.cli import reported


def rebuild() -> None:
    """Recompute passages, presence and airlock cycles from every stored physical event."""
    settings = Settings()
    with reported(), command_session(settings) as session:
        read = projector.rebuild(session, settings=settings)
    typer.echo(f"read models rebuilt from {read} physical events")


def project() -> None:
    """Project the events stored since the last run (what the background projector does)."""
    settings = Settings()
    total = 0
    with reported(), command_session(settings) as session:
        while read := projector.run_once(session, settings=settings):
            total += read
    typer.echo(f"{total} new physical events projected")
