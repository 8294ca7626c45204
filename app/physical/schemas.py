"""Wire shapes of reader ingest (README.md) and of the event listing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    model_validator,
)

SEQ_LIMIT = 2**63
INT32_LIMIT = 2**31
Kind = Literal["swipe", "door", "heartbeat"]


def _to_utc(moment: datetime) -> datetime:
    try:
        return moment.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("timestamp out of range once converted to UTC") from exc


# RFC 3339 with an offset (naive refused), normalised to UTC.
UTCTimestamp = Annotated[AwareDatetime, AfterValidator(_to_utc)]


class _Event(BaseModel):
    # Strict: JSON numbers are not timestamps, "5" is not a sequence number, and unknown
    # fields are refused rather than silently left out of the content hash.
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    seq: int = Field(ge=0, lt=SEQ_LIMIT, description="The reader's own increasing number.")
    occurred_at: UTCTimestamp = Field(description="Device time, RFC 3339 with offset.")


class Swipe(_Event):
    """A badge presented to the reader, and the reader's decision."""

    kind: Literal["swipe"]
    badge_uid: str = Field(pattern=r"^[0-9A-Za-z:_-]{1,64}$")
    result: Literal["granted", "denied"]
    reason: (
        Literal[
            "unknown_badge", "revoked", "expired", "no_right", "schedule", "antipassback", "other"
        ]
        | None
    ) = None


class DoorEvent(_Event):
    """A change of the reader's door state."""

    kind: Literal["door"]
    state: Literal["opened", "closed", "forced", "held_open", "tamper"]
    door: str | None = Field(None, min_length=1, max_length=64, description="Own door only.")


class Heartbeat(_Event):
    """The reader is alive; its health, firmware and unsent queue."""

    kind: Literal["heartbeat"]
    status: Literal["ok", "degraded", "tamper"]
    firmware: str | None = Field(None, max_length=64)
    queue_depth: int | None = Field(None, ge=0, lt=INT32_LIMIT)


Event = Annotated[Swipe | DoorEvent | Heartbeat, Field(discriminator="kind")]


class Batch(BaseModel):
    """Events replayed together: all stored or none."""

    model_config = ConfigDict(strict=True, extra="forbid")

    events: list[Event]


EVENT: TypeAdapter[Swipe | DoorEvent | Heartbeat] = TypeAdapter(Event)
BATCH: TypeAdapter[Batch] = TypeAdapter(Batch)


class EventResult(BaseModel):
    """What became of one posted event."""

    seq: int
    status: Literal["accepted", "duplicate"]
    index: int = Field(description="Ledger index of the stored fact (the original's if duplicate).")


class BatchResult(BaseModel):
    """What became of a batch, per event in request order."""

    accepted: int
    duplicates: int
    results: list[EventResult]


class EventQuery(BaseModel):
    """Filters and page of GET /api/v1/events."""

    model_config = ConfigDict(extra="forbid")

    reader: str | None = Field(None, max_length=64, description="Reader code.")
    door: str | None = Field(None, max_length=64, description="Door code.")
    zone: str | None = Field(None, max_length=64, description="Zone code, or id.")
    badge: str | None = Field(None, max_length=64, description="Badge UID.")
    person: int | None = Field(None, ge=1, lt=INT32_LIMIT, description="Person id.")
    kind: Kind | None = None
    since: UTCTimestamp | None = Field(None, description="Device time, inclusive.")
    until: UTCTimestamp | None = Field(None, description="Device time, exclusive.")
    order: Literal["desc", "asc"] = "desc"
    limit: int = Field(100, ge=1, le=1000)
    cursor: str | None = Field(None, max_length=200, description="next_cursor of a page.")

    @model_validator(mode="after")
    def _time_range(self) -> EventQuery:
        if self.since is not None and self.until is not None and self.until < self.since:
            raise ValueError("until is before since")
        return self


class EventOut(BaseModel):
    """A stored event: device and server times, skew, flags and its ledger index."""

    id: int
    index: int
    kind: Kind
    seq: int
    reader: str
    door: str
    zone: str
    occurred_at: datetime
    received_at: datetime
    skew_ms: int
    clock_skew: bool
    badge_uid: str | None
    badge_status: str | None
    person_id: int | None
    result: str | None
    reason: str | None
    state: str | None
    status: str | None
    firmware: str | None
    queue_depth: int | None


class EventPage(BaseModel):
    """One page of events; pass next_cursor (with the same filters) for the next one."""

    items: list[EventOut]
    next_cursor: str | None
