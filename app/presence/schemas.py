"""Wire shapes of the presence API: muster lists, whereabouts, occupancy, passages, cycles."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.physical.schemas import INT32_LIMIT, UTCTimestamp


class Stay(BaseModel):
    """A person in a zone. end is null when no exit was badged (open); uncertain says the
    end is not a badged exit, latest_end the latest they can have left when known."""

    person_id: int
    person: str
    zone_id: int
    zone: str
    start: datetime
    end: datetime | None
    open: bool
    uncertain: bool
    latest_end: datetime | None


class Muster(BaseModel):
    """Who was in a zone at an instant."""

    zone_id: int
    at: datetime
    count: int
    uncertain: int = Field(description="How many of them have an unbadged (open) exit.")
    pending_events: int = Field(
        description="Events stored but not yet projected when the list was made (counted "
        "up to 100,000): whom they move in or out is not reflected yet. 0: up to date."
    )
    people: list[Stay]


class Window(BaseModel):
    """A time range, since inclusive, until exclusive."""

    model_config = ConfigDict(extra="forbid")

    since: UTCTimestamp
    until: UTCTimestamp

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.until <= self.since:
            raise ValueError("until must be after since")
        if (self.until - self.since).days > 366:
            raise ValueError("at most a year at a time")
        return self


class Whereabouts(BaseModel):
    """Where a person was during a window, oldest first."""

    person_id: int
    since: datetime
    until: datetime
    stays: list[Stay]


class Hour(BaseModel):
    """Distinct people present at some point of one hour (UTC)."""

    start: datetime
    people: int
    uncertain: int


class Occupancy(BaseModel):
    """A zone's occupancy, hour by hour, over one UTC day."""

    zone_id: int
    day: date
    hours: list[Hour]


class PassageQuery(BaseModel):
    """Filters and page of GET /api/v1/presence/passages."""

    model_config = ConfigDict(extra="forbid")

    door: int | None = Field(None, ge=1, lt=INT32_LIMIT)
    person: int | None = Field(None, ge=1, lt=INT32_LIMIT)
    zone: int | None = Field(None, ge=1, lt=INT32_LIMIT, description="Zone entered.")
    status: Literal["passed", "unused"] | None = None
    since: UTCTimestamp | None = Field(None, description="Swipe time, inclusive.")
    until: UTCTimestamp | None = Field(None, description="Swipe time, exclusive.")
    limit: int = Field(100, ge=1, le=1000)
    cursor: int | None = Field(None, ge=1, lt=2**63, description="next_cursor of a page.")


class PassageOut(BaseModel):
    """A granted swipe and the opening that followed (passed), or none (unused)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    door_id: int
    reader_id: int
    person_id: int | None
    badge_uid: str
    from_zone_id: int
    to_zone_id: int
    swiped_at: datetime
    passed_at: datetime | None
    status: str
    swipe_index: int
    open_index: int | None


class PassagePage(BaseModel):
    """Passages, newest first; pass next_cursor for the next page."""

    items: list[PassageOut]
    next_cursor: int | None


class CycleOut(BaseModel):
    """One use of an airlock."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    airlock_id: int
    entry_door_id: int
    started_at: datetime
    ended_at: datetime | None
    outcome: str
    openings: int
    grants: int
    person_ids: list[int]
