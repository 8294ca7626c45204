"""`vigie users`: manage people's accounts from the server's shell."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import typer
from sqlalchemy.orm import Session

from app.auth import users as accounts
from app.auth.models import USER_ROLES
from app.auth.passwords import Passwords
from app.auth.principal import Principal, Role
from app.config import Settings
from app.db import engine_from_settings, session_factory, transaction
from app.errors import VigieError

users = typer.Typer(
    help="People's accounts: add, passwd, disable, enable, list.", no_args_is_help=True
)

STDIN_HELP = "Read the password from the first line of standard input instead of a prompt."


def _operator() -> Principal:
    """Who the facts of these commands name: the shell account running them."""
    return Principal(kind="cli", subject=getpass.getuser(), role=Role.admin)


def _password(from_stdin: bool) -> str:
    # Never an argument: it would be visible to every user in the process list and kept
    # in shell history.
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@contextmanager
def _database(settings: Settings) -> Iterator[Session]:
    """One transaction on the configured database; a domain error exits with status 1."""
    engine = engine_from_settings(settings)
    try:
        yield from transaction(session_factory(engine))
    except VigieError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()


@users.command("add")
def add(
    username: str,
    role: str = typer.Option(..., help=f"One of: {', '.join(USER_ROLES)}."),
    tenant: str | None = typer.Option(None, help="Tenant code; for a tenant_auditor only."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help=STDIN_HELP),
) -> None:
    """Create an account."""
    settings = Settings()
    password = _password(password_stdin)
    with _database(settings) as session:
        accounts.add_user(
            session,
            passwords=Passwords.from_settings(settings),
            min_password_length=settings.password_min_length,
            username=username,
            password=password,
            role=role,
            tenant_code=tenant,
            actor=_operator(),
        )
    typer.echo(f"user {username} ({role}) created; log in with POST /api/v1/auth/login")


@users.command("passwd")
def passwd(
    username: str,
    password_stdin: bool = typer.Option(False, "--password-stdin", help=STDIN_HELP),
) -> None:
    """Set an account's password (this also lifts a lockout)."""
    settings = Settings()
    password = _password(password_stdin)
    with _database(settings) as session:
        accounts.set_password(
            session,
            passwords=Passwords.from_settings(settings),
            min_password_length=settings.password_min_length,
            username=username,
            password=password,
            actor=_operator(),
        )
    typer.echo(f"password of {username} changed")


@users.command("disable")
def disable(username: str) -> None:
    """Disable an account; its sessions end at once."""
    with _database(Settings()) as session:
        accounts.set_disabled(session, username=username, disabled=True, actor=_operator())
    typer.echo(f"user {username} disabled")


@users.command("enable")
def enable(username: str) -> None:
    """Enable a disabled account again."""
    with _database(Settings()) as session:
        accounts.set_disabled(session, username=username, disabled=False, actor=_operator())
    typer.echo(f"user {username} enabled")


@users.command("list")
def list_() -> None:
    """Every account: username, role, tenant, state."""
    with _database(Settings()) as session:
        rows = accounts.list_users(session)
    now = datetime.now(UTC)
    for user, tenant in rows:
        locked = user.locked_until is not None and user.locked_until > now
        state = "disabled" if user.disabled else "locked" if locked else "active"
        typer.echo(f"{user.username}\t{user.role}\t{tenant or '-'}\t{state}")
