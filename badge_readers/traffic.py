"""One day of people at a site's doors: who swipes where and when, and what the doors do.

Each door is used by one passage at a time (a person or a group swipes, the door opens,
then closes), so every granted swipe is followed by its door opening and closing on the
same reader. Times are seconds from the day's local midnight until they are emitted.
"""

from __future__ import annotations

import bisect
from datetime import UTC, date, datetime, time, timedelta
from random import Random
from zoneinfo import ZoneInfo

from badge_readers.events import DenyReason, DoorEvent, DoorState, Event, Swipe, SwipeResult
from badge_readers.plan import SitePlan

HOUR = 3600.0
SHIFTS = ((6, 14), (14, 22))  # morning and evening, local hours
ABSENCE = 0.08  # share of staff away on a given day
HELD_OPEN_AFTER_S = 60.0  # a door open longer than this reports held_open
INCIDENT_ODDS = 0.3  # after the first day, the odds of a forced door or a held-open rack door


class Day:
    """Generates one day; read `emitted` afterwards: (reader code, event) pairs."""

    def __init__(self, plan: SitePlan, day: date, rng: Random) -> None:
        self.plan = plan
        self.day = day
        self.rng = rng
        self.emitted: list[tuple[str, Event]] = []
        zone = ZoneInfo(plan.timezone)
        self._zone = zone
        self._origin = datetime.combine(day, time(0), zone).astimezone(UTC)
        self._busy: dict[str, list[tuple[float, float]]] = {}
        self._route = plan.walking_route()
        staff_kinds = {"staff", "contractor", "tenant_staff"}
        active = [b for b in plan.badges if b.status == "active"]
        self._staff = [b.uid for b in active if b.holder in staff_kinds]
        self._visitors = [b.uid for b in active if b.holder == "visitor"]
        self._barred = [b.uid for b in plan.badges if b.status != "active"]

    def generate(self, *, first: bool) -> None:
        """Play the day; the first day of a scenario always has both incidents."""
        present = [uid for uid in self._staff if self.rng.random() >= ABSENCE]
        shifts = {uid: SHIFTS[i % 2] for i, uid in enumerate(self._staff)}
        held_open_by = self._pick(present) if first or self._odds() else None
        for uid in present:
            self._shift(uid, shifts[uid], held_open=uid == held_open_by)
        if self.day.weekday() < 5:
            morning = [uid for uid in present if shifts[uid] == SHIFTS[0]]
            self._visits(morning)
        self._denials(shifts)
        if first or self._odds():
            self._forced_door()

    def _odds(self) -> bool:
        return self.rng.random() < INCIDENT_ODDS

    def _pick(self, choices: list[str]) -> str | None:
        return self.rng.choice(choices) if choices else None

    def _local(self, hour: float) -> float:
        """Seconds from the UTC origin to a local wall-clock hour (DST-proof)."""
        whole = int(hour)
        moment = time(whole, int((hour - whole) * 60))
        local = datetime.combine(self.day, moment, self._zone).astimezone(UTC)
        return (local - self._origin).total_seconds()

    def _at(self, seconds: float) -> datetime:
        return self._origin + timedelta(milliseconds=round(seconds * 1000))

    def _swipe(self, at: float, reader: str, uid: str, reason: DenyReason | None = None) -> None:
        result: SwipeResult = "granted" if reason is None else "denied"
        self.emitted.append((reader, Swipe(self._at(at), uid, result, reason)))

    def _door(self, at: float, reader: str, door: str, state: DoorState) -> None:
        self.emitted.append((reader, DoorEvent(self._at(at), state, door)))

    def _reserve(self, door: str, at: float, duration: float) -> float:
        """The earliest start at or after `at` when the door is free for `duration`."""
        spans = self._busy.setdefault(door, [])
        start = at
        for begin, end in spans:
            if begin >= start + duration + 1:
                break
            if end + 1 > start:
                start = end + 1
        bisect.insort(spans, (start, start + duration))
        return start

    def _pass(self, door: str, direction: str, badges: list[str], at: float, hold: bool) -> float:
        """A group goes through a door; returns when the door closed."""
        gaps = [self.rng.uniform(1.5, 4.0) for _ in badges[1:]]
        open_after = self.rng.uniform(0.8, 2.5)
        open_for = self.rng.uniform(240, 480) if hold else self.rng.uniform(4, 9) + 2 * len(gaps)
        start = self._reserve(door, at, sum(gaps) + open_after + open_for)
        reader = self.plan.reader_at(door, direction)
        # No reader on this side: the exit button opens it; its controller sees the door.
        reporter = reader or self.plan.controller(door)
        if reader is not None:
            swiped = start
            for uid, gap in zip(badges, [*gaps, 0.0], strict=True):
                self._swipe(swiped, reader.code, uid)
                swiped += gap
        opened = start + sum(gaps) + open_after
        if reporter is not None:
            self._door(opened, reporter.code, door, "opened")
            if hold:
                self._door(opened + HELD_OPEN_AFTER_S, reporter.code, door, "held_open")
            self._door(opened + open_for, reporter.code, door, "closed")
        return opened + open_for

    def _walk(self, badges: list[str], at: float, direction: str) -> float:
        """Walk the route in (outside to secure room) or out; returns the arrival time."""
        doors = self._route if direction == "in" else self._route[::-1]
        for door in doors:
            at = self._pass(door, direction, badges, at, hold=False) + self.rng.uniform(8, 60)
        return at

    def _shift(self, uid: str, shift: tuple[int, int], *, held_open: bool) -> None:
        arrived = self._walk([uid], self._local(shift[0]) + self.rng.uniform(-20, 15) * 60, "in")
        leaving = self._local(shift[1]) + self.rng.uniform(0, 30) * 60
        racks = self.plan.rack_doors()
        visits = self.rng.randint(1 if held_open else 0, 2) if racks else 0
        for number in range(visits):
            rack = self.rng.choice(racks)
            at = self.rng.uniform(arrived + 600, leaving - 1800)
            self._pass(rack, "in", [uid], at, hold=held_open and number == 0)
        self._walk([uid], leaving, "out")

    def _visits(self, escorts: list[str]) -> None:
        """Visitors are met at the entrance by an escort, walked in and back out."""
        if not escorts or not self._visitors:
            return
        count = min(self.rng.randint(1, 2), len(self._visitors))
        for visitor in self.rng.sample(self._visitors, count):
            escort = self.rng.choice(escorts)
            at = self._local(9) + self.rng.uniform(0, 2.5) * HOUR
            met = self._walk([escort], at, "out")
            inside = self._walk([escort, visitor], met + self.rng.uniform(30, 300), "in")
            done = self._walk([escort, visitor], inside + self.rng.uniform(30, 90) * 60, "out")
            self._walk([escort], done + self.rng.uniform(20, 120), "in")

    def _denials(self, shifts: dict[str, tuple[int, int]]) -> None:
        entrance = self._route[0]
        for _ in range(self.rng.randint(1, 3)):
            uid = f"UNKNOWN-{self.rng.randrange(16**8):08X}"
            at = self._local(7) + self.rng.uniform(0, 13) * HOUR
            self._deny(entrance, uid, "unknown_badge", at, attempts=self.rng.randint(1, 2))
        barred = self._pick(self._barred)
        if barred is not None:
            at = self._local(8) + self.rng.uniform(0, 10) * HOUR
            self._deny(entrance, barred, "revoked", at, attempts=1)
        morning = [uid for uid, shift in shifts.items() if shift == SHIFTS[0]]
        late = self._pick(morning)
        if late is not None:
            at = self._local(22.5) + self.rng.uniform(0, 75) * 60
            self._deny(entrance, late, "schedule", at, attempts=2)

    def _deny(self, door: str, uid: str, reason: DenyReason, at: float, attempts: int) -> None:
        reader = self.plan.reader_at(door, "in")
        if reader is None:
            return
        start = self._reserve(door, at, 8.0 * attempts)
        for attempt in range(attempts):
            self._swipe(start + 8.0 * attempt, reader.code, uid, reason)

    def _forced_door(self) -> None:
        """At night a door opens with no swipe (forced), then closes."""
        door = self.rng.choice(self._route)
        reporter = self.plan.controller(door)
        assert reporter is not None, "the plan checks that every route door has a reader"
        open_for = self.rng.uniform(30, 180)
        start = self._reserve(door, self._local(1) + self.rng.uniform(0, 3) * HOUR, open_for)
        self._door(start, reporter.code, door, "forced")
        self._door(start + open_for, reporter.code, door, "closed")
