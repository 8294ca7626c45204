"""`vigie demo`: load the demo site and keep its readers' private keys for the simulator."""

from __future__ import annotations

from contextlib import ExitStack

import typer

from app.auth.principal import SYSTEM
from app.config import Settings
from app.db import command_session
from app.demo import site
from app.demo.load import load_demo
from app.topology.cli import reported
from app.topology.keys import pending_key_file


def demo(
    if_empty: bool = typer.Option(
        False, "--if-empty", help="Do nothing when the topology already has rows."
    ),
) -> None:
    """Load the demo site Paris-Nord DC1 (every row recorded as a fact)."""
    settings = Settings()
    keys_dir = settings.var_dir / "demo-readers"
    # The session commits before the staged key files are moved into place (inner first).
    with reported(), ExitStack() as staged, command_session(settings) as session:
        loaded = load_demo(session, actor=SYSTEM, if_empty=if_empty)
        for code, pem in (loaded.reader_keys if loaded else {}).items():
            staged.enter_context(pending_key_file(keys_dir / f"{code}.pem", pem))
    if loaded is None:
        typer.echo("the topology is not empty: demo not loaded")
        return
    counts = ", ".join(f"{count} {name}" for name, count in loaded.counts.items())
    typer.echo(f"demo site {site.SITE['name']} loaded: {counts}")
    typer.echo(f"{len(loaded.reader_keys)} reader private keys in {keys_dir}/ (mode 0600)")
