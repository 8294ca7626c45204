"""`vigie rebuild` and `vigie project`: the read models from the stored events."""

from __future__ import annotations

import logging
import os
import signal
import threading
from types import FrameType

import typer

from app.config import Settings
from app.db import command_session, engine_from_settings, session_factory
from app.presence import projector
from app.presence.worker import Projector
from app.topology.cli import reported

log = logging.getLogger(__name__)


def rebuild() -> None:
    """Recompute passages, presence and airlock cycles from every stored physical event."""
    settings = Settings()
    with reported(), command_session(settings) as session:
        read = projector.rebuild(session, settings=settings)
    typer.echo(f"read models rebuilt from {read} physical events")


def project(
    follow: bool = typer.Option(
        False,
        "--follow",
        help="Keep projecting what arrives, every VIGIE_PROJECTOR_INTERVAL_S, until "
        "SIGTERM (what `vigie serve` runs beside the API).",
    ),
) -> None:
    """Project the events stored since the last run."""
    settings = Settings()
    if follow:
        _follow(settings)
        return
    total = 0
    with reported(), command_session(settings) as session:
        while read := projector.run_once(session, settings=settings):
            total += read
    typer.echo(f"{total} new physical events projected")


def _follow(settings: Settings) -> None:
    if settings.projector_interval_s <= 0:
        raise typer.BadParameter("VIGIE_PROJECTOR_INTERVAL_S is 0: nothing to follow at")
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s:     %(name)s: %(message)s"
    )
    # Below the API's priority: a burst of ingest is served first, the projector catches
    # up when the burst is over (its lag is measured by bench/ingest.py).
    os.nice(settings.projector_nice)
    stop = threading.Event()
    parent = os.getppid()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    # Should the server die without stopping us (SIGKILL), we are re-parented: stop too.
    threading.Thread(target=_orphaned, args=(parent, stop), daemon=True).start()
    engine = engine_from_settings(settings, name="vigie-projector")
    try:
        log.info("projector following, every %s s", settings.projector_interval_s)
        Projector(session_factory(engine), settings).follow(stop)
    finally:
        engine.dispose()


def _orphaned(parent: int, stop: threading.Event) -> None:
    while not stop.wait(1.0):
        if os.getppid() != parent:
            stop.set()
