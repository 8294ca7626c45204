"""The access rules, pure: badge standing, holder, rights' validity and schedule windows.

The reader firmware applies the same rules offline (badge_readers/offline.py); that copy
is intentional, since the device must decide without the server, and the offline tests
compare both over a grid of badges and times.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, Literal, cast
from zoneinfo import ZoneInfo

from app.physical.badges import KnownBadge

Reason = Literal[
    "ok",
    "unknown_badge",
    "revoked",
    "lost",
    "suspended",
    "expired",
    "not_yet_valid",
    "person_inactive",
    "no_right",
    "schedule",
    "antipassback",
]


@dataclass(frozen=True)
class Right:
    """One access right on the zone, held by the person or by one of their groups."""

    valid_from: datetime | None
    valid_until: datetime | None
    schedule: Sequence[dict[str, Any]]  # [{"days": [0..6], "start": "HH:MM", "end": "HH:MM"}]
    escort_required: bool


@dataclass(frozen=True)
class Verdict:
    """The rules' answer before anti-passback: the reason and whether an escort is needed."""

    reason: Reason
    escort_required: bool = False


def in_effect(valid_from: datetime | None, valid_until: datetime | None, at: datetime) -> bool:
    """Whether `at` lies in [valid_from, valid_until); a missing bound is open."""
    return (valid_from is None or valid_from <= at) and (valid_until is None or at < valid_until)


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def in_window(window: dict[str, Any], local: datetime) -> bool:
    """Whether a local wall-clock moment falls in a window [start, end) of one of its days.

    A window whose end is not after its start crosses midnight and belongs to the day it
    starts: {"days": [4], "start": "22:00", "end": "06:00"} is Friday 22:00 to Saturday 06:00.
    Wall-clock comparison is what a schedule means across DST changes: 08:00-18:00 stays
    08:00-18:00 local on the day the clocks move.
    """
    start, end, now = _clock(window["start"]), _clock(window["end"]), local.time()
    days = window["days"]
    if start < end:
        return local.weekday() in days and start <= now < end
    yesterday = (local - timedelta(days=1)).weekday()
    return (local.weekday() in days and now >= start) or (yesterday in days and now < end)


def judge_rights(rights: Sequence[Right], *, at: datetime, tz: ZoneInfo) -> Verdict:
    """ok when a right in effect has a window open at `at` (no windows: always), else why not.

    Several rights may open the door; an escort is required only when every one of them
    requires it (a right without escort is the stronger one).
    """
    current = [r for r in rights if in_effect(r.valid_from, r.valid_until, at)]
    if not current:
        return Verdict("no_right")
    local = at.astimezone(tz)
    open_now = [
        r for r in current if not r.schedule or any(in_window(w, local) for w in r.schedule)
    ]
    if not open_now:
        return Verdict("schedule")
    return Verdict("ok", escort_required=all(r.escort_required for r in open_now))


def judge_entry(
    *,
    badge: KnownBadge | None,
    person_active: bool | None,
    rights: Sequence[Right],
    at: datetime,
    tz: ZoneInfo,
) -> Verdict:
    """The rules for entering a zone, in order: badge, its standing, holder, rights, schedule."""
    if badge is None:
        return Verdict("unknown_badge")
    standing = badge.standing_at(at)
    if standing != "valid":
        return Verdict(cast(Reason, standing))  # revoked, lost, suspended, expired, ...
    if person_active is None:
        return Verdict("no_right")  # a badge nobody holds carries no rights
    if not person_active:
        return Verdict("person_inactive")
    return judge_rights(rights, at=at, tz=tz)
