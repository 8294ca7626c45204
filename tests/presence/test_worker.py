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


def _scripted(worker: Projector, reads: list[int], newest: list[int]) -> list[int]:
    """Replace the worker's database with scripts: each tick reads the next figure, each
    look at the log sees the next newest id; its clock advances a second per look."""
    done: list[int] = []

    def tick() -> int:
        done.append(reads[len(done)])
        return done[-1]

    looks = iter(newest)
    worker.tick = tick  # type: ignore[method-assign]
    worker.newest = lambda: next(looks)  # type: ignore[method-assign]
    return done


def _ticking(worker: Projector, start: float = 0.0) -> None:
    seconds = iter(range(1000))
    worker.clock = lambda: start + next(seconds)
    worker.up_to_date_at = start


def test_catching_up_yields_to_a_burst_of_ingest_and_resumes_once_it_is_over(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    quick = settings.model_copy(update={"projector_batch": 100, "projector_yield_rate": 1000})
    worker = Projector(sessions, quick)
    _ticking(worker)
    # 5,000 events arrive in the second of the first batch: ingest goes first.
    done = _scripted(worker, reads=[100, 100, 100], newest=[10_000, 15_000])
    worker.catch_up(threading.Event())
    assert done == [100]
    # 500 in the next second: slower than the limit, the projector goes on at once.
    done = _scripted(worker, reads=[100, 100, 40], newest=[15_000, 15_500, 15_600, 15_600])
    worker.catch_up(threading.Event())
    assert done == [100, 100, 40]


def test_after_yield_max_s_behind_the_projector_catches_up_whatever_arrives(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    patient = settings.model_copy(
        update={"projector_batch": 100, "projector_yield_rate": 1000, "projector_yield_max_s": 30}
    )
    worker = Projector(sessions, patient)
    _ticking(worker)
    burst = [0, 50_000, 100_000, 150_000]
    worker.clock()  # 0 s: up to date
    for _ in range(40):  # 40 s of burst go by
        worker.clock()
    done = _scripted(worker, reads=[100, 100, 7], newest=burst)
    worker.catch_up(threading.Event())
    assert done == [100, 100, 7]  # behind for over 30 s: no more yielding
    # Up to date again: the next burst is yielded to.
    done = _scripted(worker, reads=[100, 100], newest=burst)
    worker.catch_up(threading.Event())
    assert done == [100]


def test_with_no_yield_rate_the_projector_never_yields(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    never = settings.model_copy(update={"projector_batch": 100, "projector_yield_rate": 0})
    worker = Projector(sessions, never)
    _ticking(worker)
    done = _scripted(worker, reads=[100, 100, 7], newest=[0, 50_000, 100_000, 150_000])
    worker.catch_up(threading.Event())
    assert done == [100, 100, 7]
