"""`vigie devices`: register badge readers with a fresh key pair, list them."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from enum import StrEnum
from pathlib import Path

import typer
from pydantic import ValidationError

from app.auth.principal import Principal, Role
from app.config import Settings
from app.db import command_session
from app.errors import VigieError
from app.topology import devices as service
from app.topology.keys import pending_key_file

devices = typer.Typer(help="Badge readers and door controllers.", no_args_is_help=True)


class Direction(StrEnum):
    """Which way a reader lets people through its door."""

    IN = "in"
    OUT = "out"


def operator() -> Principal:
    """The actor of facts caused from the command line: the operating-system user."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry and no LOGNAME, as in some containers
        user = "unknown"
    return Principal(kind="cli", subject=user, role=Role.admin)


@contextmanager
def reported() -> Iterator[None]:
    """Turn a refused command (bad input, conflict, unknown name) into a message and status 1."""
    try:
        yield
    except VigieError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from exc
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        typer.echo(f"error: {problems}", err=True)
        raise typer.Exit(1) from exc


@devices.command("add")
def add(
    code: str = typer.Option(..., "--code", help="Reader code, e.g. R-DC1-SAS-EXT-IN."),
    door: str | None = typer.Option(None, "--door", help="Code of the reader's door."),
    direction: Direction | None = typer.Option(None, "--direction", help="in or out."),
    key_out: Path | None = typer.Option(
        None, "--key-out", help="Write the private key here (mode 0600) instead of printing it."
    ),
    rotate: bool = typer.Option(False, "--rotate", help="Give an existing reader a new key."),
) -> None:
    """Register a reader with a new Ed25519 key pair; its private key is shown only once."""
    settings = Settings()
    # The session commits before the staged key files are moved into place (inner first).
    with reported(), ExitStack() as staged, command_session(settings) as session:
        registered = service.register_reader(
            session,
            code=code,
            door_code=door,
            direction=None if direction is None else direction.value,
            rotate=rotate,
            actor=operator(),
        )
        if key_out is not None:
            staged.enter_context(pending_key_file(key_out, registered.private_key_pem))
    reader = registered.reader
    what = "new key for reader" if registered.rotated else "registered reader"
    typer.echo(f"{what} {reader.code} (door id {reader.door_id}, {reader.direction})", err=True)
    if key_out is None:
        typer.echo(registered.private_key_pem.decode(), nl=False)
        typer.echo("keep this private key now: vigie keeps only the public key", err=True)
    else:
        typer.echo(f"private key written to {key_out} (mode 0600)", err=True)


@devices.command("list")
def list_() -> None:
    """List the readers: code, door, direction, enabled, public key (base64)."""
    with reported(), command_session(Settings()) as session:
        lines = service.list_readers(session)
    for line in lines:
        state = "enabled" if line.enabled else "disabled"
        key = line.public_key or "(no key)"
        typer.echo(f"{line.code}\t{line.door}\t{line.direction}\t{state}\t{key}")
