"""Scenario tests: reader events projected into passages, presence, cycles and alerts."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.alerts.models import Alert
from app.config import Settings
from app.presence.models import AirlockCycle, Passage, PresenceInterval
from tests.presence.factories import (
    Script,
    TestSite,
    at,
    build_site,
    holder,
    post,
    project_all,
)


def _alerts(session: Session) -> list[tuple[str, int]]:
    return sorted((a.kind, a.count) for a in session.scalars(select(Alert)))


def _normal_day(session: Session, site: TestSite) -> tuple[Script, int]:
    person, badge = holder(session)
    day = Script(site)
    day.walk_in(badge, at(7))
    day.through("rack", "in", badge, at(9))
    day.walk_out(badge, at(15))
    day.readers_alive(at(25, 3000))
    return day, person.id


def test_a_normal_shift_gives_passages_presence_and_no_alert(
    session: Session, settings: Settings, site: TestSite
) -> None:
    day, person = _normal_day(session, site)
    day.post_all(session, settings)
    project_all(session, settings)
    passages = session.scalars(select(Passage).order_by(Passage.swiped_at)).all()
    assert [(p.status, p.passed_at) for p in passages][:2] == [
        ("passed", at(7, 2)),
        ("passed", at(7, 32)),
    ]
    assert len(passages) == 7
    z = site.zones
    presence = {
        i.zone_id: (i.start_at, i.end_at, i.bound_at, i.uncertain)
        for i in session.scalars(
            select(PresenceInterval).where(PresenceInterval.person_id == person)
        )
    }
    assert presence[z["building"].id] == (at(7, 2), at(15, 62), None, False)
    assert presence[z["hall"].id] == (at(7, 62), at(15, 2), None, False)
    # No exit reader at the rack: leaving the hall bounds the rack stay, uncertain.
    assert presence[z["rack"].id] == (at(9, 2), None, at(15, 2), True)
    cycles = session.scalars(select(AirlockCycle).order_by(AirlockCycle.started_at)).all()
    assert [(c.outcome, c.openings, c.grants, c.person_ids) for c in cycles] == [
        ("completed", 2, 2, [person]),
        ("completed", 2, 2, [person]),
    ]
    assert _alerts(session) == []


def test_a_grant_never_used_is_recorded_unused(
    session: Session, settings: Settings, site: TestSite
) -> None:
    _, badge = holder(session)
    day = Script(site)
    day.swipe("main-in", badge, at(8))
    day.door("main-in", "opened", at(8, 40))
    day.door("main-in", "closed", at(8, 45))
    day.post_all(session, settings)
    project_all(session, settings)
    assert session.scalars(select(Passage.status)).all() == ["unused"]
    assert session.scalars(select(PresenceInterval)).all() == []


def test_tailgate_in_the_airlock(session: Session, settings: Settings, site: TestSite) -> None:
    _, badge = holder(session)
    day = Script(site)
    day.through("outer", "in", badge, at(10))
    day.door("outer-in", "opened", at(10, 12))  # someone else, on no badge
    day.door("outer-in", "closed", at(10, 16))
    day.through("inner", "in", badge, at(10, 30))
    day.readers_alive(at(25, 3000))
    day.post_all(session, settings)
    project_all(session, settings)
    (cycle,) = session.scalars(select(AirlockCycle)).all()
    assert (cycle.outcome, cycle.openings, cycle.grants) == ("completed", 3, 2)
    assert _alerts(session) == [("airlock_tailgating", 1)]


def test_interlock_breach_and_unfinished_cycle(
    session: Session, settings: Settings, site: TestSite
) -> None:
    day = Script(site)
    day.door("outer-in", "opened", at(11))
    day.door("inner-in", "opened", at(11, 3))
    day.door("inner-in", "closed", at(11, 9))
    day.door("outer-in", "closed", at(11, 10))
    day.door("outer-in", "opened", at(12))
    day.door("outer-in", "closed", at(12, 5))
    day.readers_alive(at(25, 3000))
    day.post_all(session, settings)
    project_all(session, settings)
    assert _alerts(session) == [("airlock_unfinished", 1), ("interlock_breach", 1)]


def test_a_forced_door_at_night(session: Session, settings: Settings, site: TestSite) -> None:
    day = Script(site)
    day.door("main-in", "forced", at(2))
    day.door("main-in", "closed", at(2, 40))
    day.post_all(session, settings)
    project_all(session, settings)
    (alert,) = session.scalars(select(Alert)).all()
    assert (alert.kind, alert.severity, alert.door_id, alert.first_at) == (
        "door_forced",
        "critical",
        site.doors["main"].id,
        at(2),
    )
    assert len(alert.fact_indexes) == 1


def test_a_held_open_rack_door(session: Session, settings: Settings, site: TestSite) -> None:
    _, badge = holder(session)
    day = Script(site)
    day.swipe("rack-in", badge, at(14))
    day.door("rack-in", "opened", at(14, 2))
    day.door("rack-in", "held_open", at(14, 62))
    day.door("rack-in", "closed", at(14, 300))
    day.post_all(session, settings)
    project_all(session, settings)
    (alert,) = session.scalars(select(Alert)).all()
    # The reader's report and the late closing are one occurrence of one opening.
    assert (alert.kind, alert.count, alert.door_id) == ("door_held_open", 1, site.doors["rack"].id)


def test_a_badge_used_after_revocation(
    session: Session, settings: Settings, site: TestSite
) -> None:
    person, badge = holder(session, status="revoked")
    day = Script(site)
    day.swipe("main-in", badge, at(9), result="denied")
    day.swipe("main-in", badge, at(9, 20), result="granted")  # reader with a stale list
    day.post_all(session, settings)
    project_all(session, settings)
    (alert,) = session.scalars(select(Alert)).all()
    assert (alert.kind, alert.count, alert.person_id, alert.severity) == (
        "revoked_badge",
        2,
        person.id,
        "warning",
    )


def test_a_reader_that_goes_silent(session: Session, settings: Settings, site: TestSite) -> None:
    day = Script(site)
    for minute in range(0, 30, 5):
        day.heartbeat("main-in", at(6, minute * 60))
        day.heartbeat("main-out", at(6, minute * 60))
    day.heartbeat("main-out", at(25, 50 * 60))
    day.post_all(session, settings)
    project_all(session, settings)
    (alert,) = session.scalars(select(Alert)).all()
    assert (alert.kind, alert.reader_id) == ("reader_offline", site.readers["main-in"].id)
    assert alert.first_at == at(6, 25 * 60) + timedelta(seconds=settings.reader_offline_s)
    project_all(session, settings)  # still silent: the same silence, not a new alert
    assert _alerts(session) == [("reader_offline", 1)]


def test_clock_skew_is_flagged_per_reader(
    session: Session, settings: Settings, site: TestSite
) -> None:
    post(
        session,
        settings,
        site,
        "main-in",
        [{"kind": "heartbeat", "seq": 1, "occurred_at": at(25, 3000).isoformat(), "status": "ok"}],
        skew_s=120,
    )
    project_all(session, settings)
    assert _alerts(session) == [("clock_skew", 1)]


def test_anti_passback_alerts_where_the_zone_asks_for_it(
    session: Session, settings: Settings
) -> None:
    site = build_site(session, anti_passback="alert")
    person, badge = holder(session)
    day = Script(site)
    day.through("inner", "out", badge, at(6))  # leaves the hall, never badged in
    day.through("inner", "in", badge, at(8))
    day.through("inner", "in", badge, at(9))  # in again without leaving
    day.readers_alive(at(25, 3000))
    day.post_all(session, settings)
    project_all(session, settings)
    # Only the inner door is used here, so the airlock also reports unfinished cycles.
    (alert,) = session.scalars(select(Alert).where(Alert.kind == "anti_passback")).all()
    assert (alert.kind, alert.count, alert.person_id, alert.zone_id) == (
        "anti_passback",
        2,
        person.id,
        site.zones["hall"].id,
    )
    stays = session.scalars(
        select(PresenceInterval)
        .where(PresenceInterval.zone_id == site.zones["hall"].id)
        .order_by(PresenceInterval.start_at)
    ).all()
    assert [(s.start_at, s.end_at, s.bound_at, s.uncertain) for s in stays] == [
        (at(8, 2), None, at(9, 2), True),
        (at(9, 2), None, None, False),
    ]
