"""The bench's bulk traffic is what the projector derives from the same physical events."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import make_url, select
from sqlalchemy.orm import Session, aliased

from app.auth.principal import SYSTEM
from app.config import Settings
from app.db import make_engine
from app.demo.load import load_demo
from app.presence import projector
from app.presence.models import Passage, PresenceInterval
from bench import presence_data
from bench.presence_data import Shape
from tests.databases import POSTGRES_URL, migrated_database

# The generator is PostgreSQL SQL (generate_series), as the bench it feeds.
ONLY_POSTGRES = ["postgresql"] if POSTGRES_URL else []


def _read_models(session: Session) -> dict[str, Any]:
    entry, exit_ = aliased(Passage), aliased(Passage)
    stays = session.execute(
        select(
            PresenceInterval.person_id,
            PresenceInterval.zone_id,
            PresenceInterval.start_at,
            PresenceInterval.end_at,
            PresenceInterval.bound_at,
            PresenceInterval.uncertain,
            entry.swipe_event_id,
            exit_.swipe_event_id,
        )
        .join(entry, entry.id == PresenceInterval.entry_passage_id)
        .outerjoin(exit_, exit_.id == PresenceInterval.exit_passage_id)
    ).all()
    passages = session.execute(
        select(
            Passage.swipe_event_id,
            Passage.swipe_index,
            Passage.open_index,
            Passage.door_id,
            Passage.reader_id,
            Passage.person_id,
            Passage.badge_uid,
            Passage.from_zone_id,
            Passage.to_zone_id,
            Passage.swiped_at,
            Passage.passed_at,
            Passage.status,
        )
    ).all()
    return {"passages": sorted(passages), "stays": sorted(stays, key=repr)}


@pytest.mark.parametrize("backend", ONLY_POSTGRES)
def test_the_bench_traffic_is_what_the_projector_derives(backend: str, tmp_path: Path) -> None:
    with migrated_database(backend, tmp_path) as url:
        engine = make_engine(url)
        try:
            with Session(engine) as session, session.begin():
                load_demo(session, actor=SYSTEM)
            plain = make_url(url).set(drivername="postgresql").render_as_string(False)
            shape = Shape(people=3, visits=8, unbadged_exit=0.3, heartbeat_s=30 * 86400)
            counts = presence_data.load(plain, shape)
            with Session(engine) as session:
                loaded = _read_models(session)
            settings = Settings(var_dir=tmp_path / "var", database_url=url)
            with Session(engine) as session, session.begin():
                projector.rebuild(session, settings=settings, now=datetime.now(UTC))
            with Session(engine) as session:
                derived = _read_models(session)
        finally:
            engine.dispose()
    assert counts["passage"] == len(loaded["passages"]) == len(derived["passages"])
    heartbeats = 13 * 26  # every 30 days over a year, at each of the demo's 26 readers
    assert counts["physical_event"] == 3 * counts["passage"] + heartbeats
    assert derived == loaded
    stays = loaded["stays"]
    assert len(stays) == 7 * shape.people * shape.visits
    # Exits left unbadged: lobby stays open, bounded by the next visit (uncertain) or not.
    open_stays = [s for s in stays if s.end_at is None]
    assert any(s.bound_at is not None and s.uncertain for s in open_stays)
    assert all(s.uncertain == (s.bound_at is not None) for s in open_stays)
