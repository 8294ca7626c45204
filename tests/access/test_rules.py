"""The access rules on their own: windows across midnight and DST, validity, precedence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.access.rules import Right, in_effect, in_window, judge_entry, judge_rights
from app.physical.badges import KnownBadge

PARIS = ZoneInfo("Europe/Paris")
NIGHT = {"days": [4], "start": "22:00", "end": "06:00"}  # Friday night into Saturday
EARLY = {"days": [6], "start": "01:00", "end": "04:00"}  # Sunday, across the DST changes


def paris(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("moment", "inside"),
    [
        (paris(2026, 11, 27, 21, 59), False),  # Friday, before the start
        (paris(2026, 11, 27, 22, 0), True),  # start is inclusive
        (paris(2026, 11, 28, 5, 59), True),  # Saturday morning, the window's tail
        (paris(2026, 11, 28, 6, 0), False),  # end is exclusive
        (paris(2026, 11, 28, 23, 0), False),  # Saturday night: not a window day
        (paris(2026, 11, 27, 3, 0), False),  # Friday morning: Thursday has no window
    ],
)
def test_a_window_crossing_midnight_belongs_to_its_first_day(
    moment: datetime, inside: bool
) -> None:
    assert in_window(NIGHT, moment) is inside


def test_windows_use_the_wall_clock_on_the_day_clocks_go_forward() -> None:
    # 2027-03-28, Paris: 02:00 CET jumps to 03:00 CEST; the window lasts two real hours.
    change = datetime(2027, 3, 28, 1, 0, tzinfo=UTC)  # 03:00 CEST
    inside = [
        m
        for m in (change - timedelta(minutes=30 * k) for k in range(-6, 7))
        if in_window(EARLY, m.astimezone(PARIS))
    ]
    assert [m.astimezone(PARIS).strftime("%H:%M") for m in sorted(inside)] == [
        "01:00",
        "01:30",
        "03:00",
        "03:30",
    ]


def test_windows_use_the_wall_clock_on_the_day_clocks_go_back() -> None:
    # 2026-10-25, Paris: 03:00 CEST falls back to 02:00 CET; 02:xx happens twice.
    first_two = datetime(2026, 10, 25, 0, 0, tzinfo=UTC)  # 02:00 CEST
    second_two = first_two + timedelta(hours=1)  # 02:00 CET
    assert in_window(EARLY, first_two.astimezone(PARIS))
    assert in_window(EARLY, second_two.astimezone(PARIS))
    four = datetime(2026, 10, 25, 3, 0, tzinfo=UTC)  # 04:00 CET
    assert not in_window(EARLY, four.astimezone(PARIS))
    assert in_window(EARLY, (four - timedelta(seconds=1)).astimezone(PARIS))


def test_judging_converts_to_the_site_timezone() -> None:
    right = Right(None, None, [{"days": [0], "start": "08:00", "end": "09:00"}], False)
    monday_8_paris = datetime(2026, 11, 23, 7, 30, tzinfo=UTC)
    assert judge_rights([right], at=monday_8_paris, tz=PARIS).reason == "ok"
    assert judge_rights([right], at=monday_8_paris, tz=ZoneInfo("UTC")).reason == "schedule"
    summer = datetime(2026, 7, 6, 6, 30, tzinfo=UTC)  # Monday 08:30 CEST
    assert judge_rights([right], at=summer, tz=PARIS).reason == "ok"


def test_validity_bounds_are_half_open() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    end = start + timedelta(days=1)
    assert not in_effect(start, end, start - timedelta(microseconds=1))
    assert in_effect(start, end, start)
    assert not in_effect(start, end, end)
    assert in_effect(None, None, end)


def test_a_schedule_miss_is_reported_only_for_rights_in_effect() -> None:
    at = datetime(2026, 11, 24, 23, 0, tzinfo=UTC)
    ended = Right(None, at, [], False)
    closed = Right(None, None, [{"days": [0], "start": "08:00", "end": "09:00"}], False)
    assert judge_rights([ended], at=at, tz=PARIS).reason == "no_right"
    assert judge_rights([ended, closed], at=at, tz=PARIS).reason == "schedule"
    assert judge_rights([], at=at, tz=PARIS).reason == "no_right"


def test_the_badge_is_judged_before_the_holder_and_the_holder_before_rights() -> None:
    at = datetime(2026, 11, 24, tzinfo=UTC)
    expired = KnownBadge(1, 1, "active", None, at)
    revoked_and_expired = KnownBadge(1, 1, "revoked", None, at)
    always = [Right(None, None, [], False)]
    cases = [
        (None, True, "unknown_badge"),
        (revoked_and_expired, False, "revoked"),
        (expired, False, "expired"),
        (KnownBadge(1, 1, "active", None, None), False, "person_inactive"),
        (KnownBadge(1, None, "active", None, None), None, "no_right"),
        (KnownBadge(1, 1, "active", None, None), True, "ok"),
    ]
    for badge, active, reason in cases:
        verdict = judge_entry(badge=badge, person_active=active, rights=always, at=at, tz=PARIS)
        assert verdict.reason == reason
