"""Ledger commands: checkpoint, verify, verify-proof, export-ledger, ledger-key."""

from __future__ import annotations

import base64
from pathlib import Path

import typer
from pydantic import ValidationError
from sqlalchemy.orm import Session
from tqdm import tqdm  # type: ignore[import-untyped]

from app.config import Settings
from app.db import engine_from_settings
from app.ledger import checkpoints, export, keys, proof_file
from app.ledger.merkle import ProofError
from app.ledger.note import NoteError, Verifier
from app.ledger.verify import DatabaseSource, LogSource, Report, verify_log

ledger_cli = typer.Typer()
PROGRESS_FROM = 100_000
"""Logs smaller than this verify in a blink: no progress bar."""

PublicKeyOption = typer.Option(
    None,
    "--public-key",
    help="Verifier key (name+id+key, as GET /api/v1/ledger/public-key gives) or a file "
    "holding it; default: the key of this installation.",
)


def _verifier(public_key: str | None, settings: Settings) -> Verifier:
    try:
        if public_key is None:
            return keys.load_signer(settings, create=False).verifier
        path = Path(public_key)
        return Verifier.parse(path.read_text() if path.is_file() else public_key)
    except (NoteError, keys.SigningKeyError, OSError) as exc:
        raise typer.BadParameter(str(exc), param_hint="--public-key") from exc


def _run(source: LogSource, verifier: Verifier) -> Report:
    size = source.size()
    with tqdm(total=size, unit="entry", unit_scale=True, disable=size < PROGRESS_FROM) as bar:
        return verify_log(source, verifier, progress=bar.update)


def _print(report: Report) -> None:
    for failure in report.failures:
        typer.echo(f"FAIL {failure}", err=True)
    if report.unreported:
        typer.echo(f"FAIL ... and {report.unreported} more", err=True)
    typer.echo(
        f"{report.size} entries, {report.nodes} stored nodes, {report.checkpoints} checkpoints; "
        f"root {base64.b64encode(report.root_hash).decode()}"
    )
    typer.echo("ledger verified" if report.ok else "LEDGER DOES NOT VERIFY")


@ledger_cli.command()
def verify(
    export_file: Path | None = typer.Option(
        None, "--export", help="Verify this export file instead of the database."
    ),
    public_key: str | None = PublicKeyOption,
) -> None:
    """Recompute the whole ledger and check every node and checkpoint; exit 1 on any failure."""
    settings = Settings()
    verifier = _verifier(public_key, settings)
    if export_file is not None:
        try:
            report = _run(export.ExportSource(export_file), verifier)
        except (OSError, export.ExportError) as exc:
            typer.echo(f"FAIL {exc}", err=True)
            raise typer.Exit(1) from exc
    else:
        engine = engine_from_settings(settings)
        try:
            with Session(engine) as session:
                report = _run(DatabaseSource(session), verifier)
        finally:
            engine.dispose()
    _print(report)
    if not report.ok:
        raise typer.Exit(1)


@ledger_cli.command("verify-proof")
def verify_proof(
    file: Path = typer.Argument(..., help="Proof JSON as the ledger API answers it."),
    public_key: str = typer.Option(..., "--public-key", help="Verifier key, or a file."),
) -> None:
    """Check one inclusion or consistency proof and its checkpoints; no database needed."""
    verifier = _verifier(public_key, Settings())
    try:
        typer.echo(proof_file.check(proof_file.parse(file.read_bytes()), verifier))
    except (OSError, ValidationError, ProofError, NoteError) as exc:
        typer.echo(f"FAIL {exc}", err=True)
        raise typer.Exit(1) from exc


@ledger_cli.command("export-ledger")
def export_ledger(file: Path = typer.Argument(..., help="JSON Lines file to write.")) -> None:
    """Write every entry and checkpoint to a file that `vigie verify --export` checks."""
    settings = Settings()
    engine = engine_from_settings(settings)
    try:
        with Session(engine) as session, file.open("wb") as out:
            count = export.write(session, out)
    finally:
        engine.dispose()
    typer.echo(f"{count} entries written to {file}")


@ledger_cli.command()
def checkpoint() -> None:
    """Sign a checkpoint of the ledger now and print its note."""
    settings = Settings()
    signer = keys.load_signer(settings)
    engine = engine_from_settings(settings)
    try:
        with Session(engine) as session, session.begin():
            row, _ = checkpoints.create(session, signer=signer)
            typer.echo(row.note, nl=False)
    finally:
        engine.dispose()


@ledger_cli.command("ledger-key")
def ledger_key() -> None:
    """Print the verifier key of this installation's checkpoints (to give to auditors)."""
    typer.echo(keys.load_signer(Settings()).verifier.text())
