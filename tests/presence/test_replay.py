"""Out-of-order arrival and rebuild: the read models depend on the events alone."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.alerts.models import Alert
from app.config import Settings
from app.presence import projector
from tests.presence.factories import NIGHT, Script, TestSite, at, holder, project_all, snapshot


def _busy_day(session: Session, site: TestSite) -> Script:
    day = Script(site)
    for n in range(3):
        _, badge = holder(session)
        day.walk_in(badge, at(7 + n / 4))
        day.through("rack", "in", badge, at(9 + n))
        day.walk_out(badge, at(15 + n / 4))
    day.door("main-in", "forced", at(2))
    day.door("main-in", "closed", at(2, 40))
    day.door("outer-in", "opened", at(7, 41))  # a tailgater behind the first badge holder
    day.door("outer-in", "closed", at(7, 44))
    day.readers_alive(at(25, 3000))
    return day


@pytest.mark.parametrize(("seed", "batch"), [(5, 3), (11, 1), (23, 5), (42, 2)])
def test_replay_in_shuffled_order_gives_the_same_results(
    session: Session, settings: Settings, site: TestSite, seed: int, batch: int
) -> None:
    day = _busy_day(session, site)
    first = session.begin_nested()
    day.post_all(session, settings, batch=7)
    project_all(session, settings)
    in_order = snapshot(session)
    first.rollback()
    session.expunge_all()  # the rolled-back rows' objects must not shadow the replay's
    assert in_order["alerts"] and in_order["presence"] and in_order["cycles"]
    shuffled = day.replay_order(seed=seed)
    # Projected between the batches too: a late opening re-pairs the swipes before it,
    # a late passage refolds its holder's presence from there.
    day.post_all(
        session, settings, order=shuffled, batch=batch, then=lambda: project_all(session, settings)
    )
    assert snapshot(session) == in_order


def test_rebuild_equals_incremental(session: Session, settings: Settings, site: TestSite) -> None:
    day = _busy_day(session, site)
    day.post_all(session, settings, batch=4, then=lambda: project_all(session, settings))
    incremental = snapshot(session)
    alerts = session.scalars(select(Alert.id)).all()
    projector.rebuild(session, settings=settings, now=NIGHT)
    assert snapshot(session) == incremental
    assert session.scalars(select(Alert.id)).all() == alerts


def test_one_opening_held_open_is_one_occurrence_whatever_the_batches(
    session: Session, settings: Settings, site: TestSite
) -> None:
    _, badge = holder(session)
    day = Script(site)
    day.swipe("rack-in", badge, at(14))
    day.door("rack-in", "opened", at(14, 2))
    day.door("rack-in", "held_open", at(14, 2 + settings.held_open_s + 30))
    day.door("rack-in", "closed", at(14, 600))
    # One event per batch, projected after each: the held_open report comes in well past
    # the look-back margin of the opening, the closing later still.
    day.post_all(session, settings, batch=1, then=lambda: project_all(session, settings))
    (alert,) = session.scalars(select(Alert)).all()
    assert (alert.kind, alert.count, alert.first_at) == ("door_held_open", 1, at(14, 2))
