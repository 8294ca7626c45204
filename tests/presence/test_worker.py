"""The background projector: each tick projects new events in its own transaction."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.presence.models import Passage
from app.presence.worker import ProjectorThread
from tests.presence.factories import Script, at, build_site, holder


def test_tick_projects_what_arrived_since_the_last_one(
    sessions: sessionmaker[Session], session: Session, settings: Settings
) -> None:
    site = build_site(session)
    _, badge = holder(session)
    day = Script(site)
    day.through("main", "in", badge, at(8))
    day.post_all(session, settings)
    session.commit()
    worker = ProjectorThread(sessions, settings)
    assert worker.tick() == 3
    assert worker.tick() == 0
    with sessions() as check:
        assert check.scalar(select(func.count()).select_from(Passage)) == 1
