"""Deterministic days of a site's traffic: shifts, visitors, denials, incidents, heartbeats.

The same plan, seed, start day and length give the same events, byte for byte: the
simulator relies on it to resume after a crash without recording anything twice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from random import Random
from zoneinfo import ZoneInfo

import orjson

from badge_readers.events import Event, Heartbeat
from badge_readers.plan import SitePlan
from badge_readers.traffic import Day

FIRMWARE = "vigie-sim/1.0"
MS = timedelta(milliseconds=1)


@dataclass(frozen=True, slots=True)
class Scheduled:
    """An event a reader will report, and which reader."""

    reader: str
    event: Event

    @property
    def at(self) -> datetime:
        """When it happens (the reader's clock, UTC)."""
        return self.event.occurred_at


@dataclass(frozen=True)
class Scenario:
    """`days` days of traffic from local midnight of `start`, in the site's time zone."""

    plan: SitePlan
    seed: int
    start: date
    days: int
    heartbeat_every: timedelta = timedelta(minutes=5)

    def __post_init__(self) -> None:
        if self.days < 1:
            raise ValueError("days must be at least 1")
        if self.heartbeat_every <= timedelta(0):
            raise ValueError("heartbeat_every must be positive")

    def fingerprint(self) -> str:
        """Identifies the scenario (not where keys are stored) to resume it safely."""
        plan = self.plan.model_dump(mode="json", exclude={"readers": {"__all__": {"key"}}})
        canonical = orjson.dumps(
            {
                "plan": plan,
                "seed": self.seed,
                "start": self.start.isoformat(),
                "days": self.days,
                "heartbeat_s": self.heartbeat_every.total_seconds(),
            },
            option=orjson.OPT_SORT_KEYS,
        )
        return hashlib.sha256(canonical).hexdigest()

    def window(self) -> tuple[datetime, datetime]:
        """The first and the last instant simulated (UTC)."""
        zone = ZoneInfo(self.plan.timezone)
        begin = datetime.combine(self.start, time(0), zone).astimezone(UTC)
        end_day = self.start + timedelta(days=self.days)
        return begin, datetime.combine(end_day, time(0), zone).astimezone(UTC)

    def events(self) -> list[Scheduled]:
        """Every event of the scenario in time order (ties keep their generation order)."""
        produced: list[Scheduled] = []
        for offset in range(self.days):
            day = self.start + timedelta(days=offset)
            # A seeded PRNG on purpose: the same seed must give the same day (not secrets).
            rng = Random(f"{self.seed}:{day.isoformat()}")  # noqa: S311
            traffic = Day(self.plan, day, rng)
            traffic.generate(first=offset == 0)
            produced.extend(Scheduled(reader, event) for reader, event in traffic.emitted)
        produced.extend(self._heartbeats())
        produced.sort(key=lambda scheduled: scheduled.at)
        return produced

    def _heartbeats(self) -> list[Scheduled]:
        begin, end = self.window()
        beats = []
        for reader in self.plan.readers:
            # Readers were not all switched on at the same second: spread their beats.
            phase = Random(f"{self.seed}:heartbeat:{reader.code}").random()  # noqa: S311
            at = begin + timedelta(milliseconds=round(self.heartbeat_every / MS * phase))
            while at < end:
                beats.append(Scheduled(reader.code, Heartbeat(at, "ok", FIRMWARE)))
                at += self.heartbeat_every
        return beats


def per_reader(events: list[Scheduled]) -> dict[str, list[Event]]:
    """The events of each reader, in the order that reader reports them."""
    streams: dict[str, list[Event]] = {}
    for scheduled in events:
        streams.setdefault(scheduled.reader, []).append(scheduled.event)
    return streams
