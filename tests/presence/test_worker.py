"""The projector loop: each tick projects new events in its own transaction."""

from __future__ import annotations

import threading

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.presence.models import Passage
from app.presence.worker import Projector
from tests.presence.factories import Script, TestSite, at, holder


def _one_passage(session: Session, settings: Settings, site: TestSite) -> None:
    _, badge = holder(session)
    day = Script(site)
    day.through("main", "in", badge, at(8))  # a swipe, an opening, a closing
    day.post_all(session, settings)
    session.commit()


def test_tick_projects_what_arrived_since_the_last_one(
    sessions: sessionmaker[Session], session: Session, settings: Settings, site: TestSite
) -> None:
    _one_passage(session, settings, site)
    worker = Projector(sessions, settings)
    assert worker.tick() == 3
    assert worker.tick() == 0
    with sessions() as check:
        assert check.scalar(select(func.count()).select_from(Passage)) == 1


def test_follow_goes_on_at_once_while_behind_and_stops_when_asked(
    sessions: sessionmaker[Session], session: Session, settings: Settings, site: TestSite
) -> None:
    _one_passage(session, settings, site)
    quick = settings.model_copy(update={"projector_interval_s": 0.01, "projector_batch": 2})
    worker = Projector(sessions, quick)
    stop = threading.Event()
    reads: list[int] = []
    tick = worker.tick

    def counted() -> int:
        reads.append(tick())
        if len(reads) == 3:
            stop.set()  # as SIGTERM does
        return reads[-1]

    worker.tick = counted  # type: ignore[method-assign]
    worker.follow(stop)
    assert reads == [2, 1, 0]  # a full batch, the rest at once; then nothing new
    with sessions() as check:
        assert check.scalar(select(func.count()).select_from(Passage)) == 1
