"""The `vigie-reader` command: simulate a site, flush queues, show them, build a plan, load."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import orjson
import typer
from pydantic import ValidationError

from badge_readers.client import ReaderClient, ReaderRejected, ServerUnavailable
from badge_readers.load import run_load
from badge_readers.plan import SitePlan, load_plan
from badge_readers.queue import EventQueue
from badge_readers.scenario import Scenario
from badge_readers.signing import load_private_key
from badge_readers.simulator import Pacing, Simulator
from badge_readers.topology_api import fetch_plan

cli = typer.Typer(
    help="vigie-reader: badge readers speaking to vigie over HTTP (client and simulator).",
    no_args_is_help=True,
)

PLAN = typer.Option(..., "--plan", exists=True, dir_okay=False, help="Site plan JSON file.")
SERVER = typer.Option(..., "--server", help="Base URL of vigie, e.g. http://127.0.0.1:8000.")
QUEUE_DIR = typer.Option(
    Path("var/reader-queues"), "--queue-dir", help="One queue file per reader lives here."
)


@cli.callback()
def _logging(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log each flush."),
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def _plan(path: Path) -> SitePlan:
    try:
        return load_plan(path)
    except (ValidationError, ValueError, OSError) as exc:
        raise typer.BadParameter(f"{path}: {exc}", param_hint="--plan") from exc


@cli.command()
def simulate(
    plan: Path = PLAN,
    server: str = SERVER,
    days: int = typer.Option(1, min=1, help="Days of traffic."),
    seed: int = typer.Option(1, help="Same seed, same events."),
    start: datetime | None = typer.Option(
        None, formats=["%Y-%m-%d"], help="First day (site time); default: `days` days ago."
    ),
    speed: float = typer.Option(
        0.0, min=0, help="Simulated seconds per wall second; 0 = as fast as possible."
    ),
    queue_dir: Path = QUEUE_DIR,
    heartbeat_every: float = typer.Option(5.0, min=0.1, help="Minutes between heartbeats."),
    batch_size: int = typer.Option(500, min=1, max=1000, help="Events per request."),
    flush_every: float = typer.Option(1.0, min=0.01, help="Seconds between flushes."),
    retry_budget: float = typer.Option(
        2.0, min=0, help="Seconds a flush retries before the simulation goes on queueing."
    ),
    drain_timeout: float = typer.Option(
        60.0, min=0, help="Seconds to empty the queues at the end."
    ),
) -> None:
    """Play realistic days of a site's traffic (resumes where a killed run stopped)."""
    site = _plan(plan)
    first_day = start.date() if start else _days_ago(site, days)
    scenario = Scenario(site, seed, first_day, days, timedelta(minutes=heartbeat_every))
    pacing = Pacing(
        speed=speed,
        flush_every_s=flush_every,
        retry_budget_s=retry_budget,
        drain_timeout_s=drain_timeout,
        batch_size=batch_size,
    )
    report = Simulator(scenario, server=server, queue_dir=queue_dir, pacing=pacing).run()
    typer.echo(
        f"{report.generated} events in the scenario: {report.skipped} queued before, "
        f"{report.recorded} recorded now; {report.accepted} accepted, {report.duplicates} "
        f"duplicates, {report.dead_lettered} dead letters, {report.remaining} still queued"
    )
    if report.remaining:
        raise typer.Exit(1)


def _days_ago(site: SitePlan, days: int) -> date:
    return datetime.now(ZoneInfo(site.timezone)).date() - timedelta(days=days)


@cli.command()
def flush(
    plan: Path = PLAN,
    server: str = SERVER,
    queue_dir: Path = QUEUE_DIR,
    retry_budget: float = typer.Option(60.0, min=0, help="Seconds to keep retrying per reader."),
) -> None:
    """Send what the plan's readers have queued; exit 1 if anything is left."""
    left = 0
    for reader in _plan(plan).readers:
        path = queue_dir / f"{reader.code}.sqlite"
        if not path.exists():
            continue
        key = load_private_key(reader.key)
        with ReaderClient(server, reader.code, key, path, retry_budget_s=retry_budget) as client:
            try:
                report = client.flush()
            except (ServerUnavailable, ReaderRejected) as exc:
                typer.echo(f"{reader.code}: {exc}", err=True)
            else:
                typer.echo(
                    f"{reader.code}: {report.accepted} accepted, {report.duplicates} "
                    f"duplicates, {report.dead_lettered} dead letters"
                )
            left += client.queue.depth()
    if left:
        typer.echo(f"{left} events still queued", err=True)
        raise typer.Exit(1)


@cli.command()
def status(
    queue_dir: Path = QUEUE_DIR,
    dead: bool = typer.Option(False, "--dead", help="Also print every dead letter."),
) -> None:
    """Show each reader's queue depth, last seq and dead letters."""
    paths = sorted(queue_dir.glob("*.sqlite"))
    if not paths:
        typer.echo(f"no queue in {queue_dir}")
        return
    typer.echo(f"{'reader':<24} {'queued':>8} {'last seq':>10} {'dead':>6}")
    for path in paths:
        with EventQueue(path) as queue:
            letters = queue.dead_letters()
            typer.echo(
                f"{path.stem:<24} {queue.depth():>8} {queue.last_seq():>10} {len(letters):>6}"
            )
            for letter in letters if dead else []:
                typer.echo(f"  seq {letter.seq}: {letter.status} {letter.message}")
                typer.echo(f"    {letter.body.decode()}")


@cli.command("plan")
def plan_command(
    from_api: str = typer.Option(..., "--from-api", help="Base URL of vigie."),
    token: str = typer.Option(..., "--token", envvar="VIGIE_ADMIN_TOKEN", help="Admin token."),
    keys_dir: Path = typer.Option(
        Path("var/demo-readers"), "--keys-dir", help="Holds <reader code>.pem files."
    ),
    timezone: str = typer.Option("Europe/Paris", help="The site's time zone."),
    out: Path = typer.Option(Path("plan.json"), "--out", help="Where to write the plan."),
) -> None:
    """Build a plan from the registry: readers with a key in keys-dir, and every badge."""
    try:
        site = fetch_plan(from_api, token, keys_dir.resolve(), timezone=timezone)
    except httpx.HTTPError as exc:
        raise typer.BadParameter(f"registry: {exc}", param_hint="--from-api") from exc
    except ValidationError as exc:
        raise typer.BadParameter(f"cannot build a plan: {exc}", param_hint="--keys-dir") from exc
    out.write_bytes(orjson.dumps(site.model_dump(mode="json"), option=orjson.OPT_INDENT_2))
    typer.echo(f"{out}: {len(site.readers)} readers, {len(site.badges)} badges")


@cli.command()
def load(
    plan: Path = PLAN,
    server: str = SERVER,
    count: int = typer.Option(200_000, min=1, help="Swipes to send."),
    batch_size: int = typer.Option(500, min=1, max=1000, help="Events per request."),
    concurrency: int = typer.Option(4, min=1, help="Readers flushing at the same time."),
    queue_dir: Path = QUEUE_DIR,
) -> None:
    """Queue COUNT swipes across the plan's readers, send them, print events per second."""
    report = run_load(
        _plan(plan),
        server=server,
        queue_dir=queue_dir,
        count=count,
        batch_size=batch_size,
        concurrency=concurrency,
    )
    typer.echo(
        f"{report.events} events queued in {report.queue_s:.2f} s, sent in "
        f"{report.send_s:.2f} s: {report.events_per_s:,.0f} events/s "
        f"({report.accepted} accepted, {report.duplicates} duplicates, "
        f"{report.remaining} still queued)"
    )
    if report.remaining:
        raise typer.Exit(1)


def main() -> None:
    """Entry point of the `vigie-reader` script."""
    cli()
