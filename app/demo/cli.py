"""`vigie demo`: load the demo site, keep its readers' private keys for the simulator, and
make one account per person's role."""

from __future__ import annotations

from contextlib import ExitStack

import typer

from app.auth.passwords import Passwords
from app.auth.principal import SYSTEM
from app.config import Settings
from app.db import command_session
from app.demo import accounts, site
from app.demo.load import load_demo
from app.topology.cli import reported
from app.topology.keys import pending_key_file


def demo(
    if_empty: bool = typer.Option(
        False, "--if-empty", help="Do nothing when the topology already has rows."
    ),
) -> None:
    """Load the demo site Paris-Nord DC1 (every row recorded as a fact) and its accounts."""
    settings = Settings()
    keys_dir = settings.var_dir / "demo-readers"
    accounts_file = settings.var_dir / "demo-users.txt"
    made: list[accounts.DemoAccount] = []
    # The session commits before the staged files are moved into place (inner first).
    with reported(), ExitStack() as staged, command_session(settings) as session:
        loaded = load_demo(session, actor=SYSTEM, if_empty=if_empty)
        if loaded is not None:
            made = accounts.create_accounts(
                session,
                passwords=Passwords.from_settings(settings),
                min_password_length=settings.password_min_length,
                actor=SYSTEM,
            )
            text = f"# username, role, tenant, password\n{accounts.table(made)}"
            staged.enter_context(pending_key_file(accounts_file, text.encode()))
        for code, pem in (loaded.reader_keys if loaded else {}).items():
            staged.enter_context(pending_key_file(keys_dir / f"{code}.pem", pem))
    if loaded is None:
        typer.echo("the topology is not empty: demo not loaded")
        return
    counts = ", ".join(f"{count} {name}" for name, count in loaded.counts.items())
    typer.echo(f"demo site {site.SITE['name']} loaded: {counts}")
    typer.echo(f"{len(loaded.reader_keys)} reader private keys in {keys_dir}/ (mode 0600)")
    typer.echo(f"demo accounts (passwords shown once, kept in {accounts_file}, mode 0600):")
    typer.echo(accounts.table(made), nl=False)
    _how_to_log_in(settings, made[0])


def _how_to_log_in(settings: Settings, account: accounts.DemoAccount) -> None:
    body = f'{{"username": "{account.username}", "password": "{account.password}"}}'
    typer.echo("log in, then send the access_token as 'Authorization: Bearer <token>':")
    typer.echo(
        f"  curl -s http://{settings.host}:{settings.port}/api/v1/auth/login"
        f" -H 'Content-Type: application/json' -d '{body}'"
    )
