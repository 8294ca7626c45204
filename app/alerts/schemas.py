"""Wire shapes of the alert API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.physical.schemas import INT32_LIMIT, UTCTimestamp

State = Literal["open", "acknowledged", "resolved"]
Severity = Literal["info", "warning", "critical"]
Kind = Literal[
    "door_forced",
    "door_held_open",
    "door_tamper",
    "reader_offline",
    "clock_skew",
    "anti_passback",
    "revoked_badge",
    "interlock_breach",
    "airlock_tailgating",
    "airlock_unfinished",
]
Id = Field(None, ge=1, lt=INT32_LIMIT)


class AlertQuery(BaseModel):
    """Filters and page of GET /api/v1/alerts."""

    model_config = ConfigDict(extra="forbid")

    state: State | None = None
    kind: Kind | None = None
    severity: Severity | None = None
    door: int | None = Id
    zone: int | None = Id
    reader: int | None = Id
    person: int | None = Id
    airlock: int | None = Id
    since: UTCTimestamp | None = Field(None, description="Alerts still recurring at or after.")
    until: UTCTimestamp | None = Field(None, description="Alerts first seen before.")
    limit: int = Field(50, ge=1, le=500)
    cursor: int | None = Field(None, ge=1, lt=2**63, description="next_cursor of a page.")

    @model_validator(mode="after")
    def _time_range(self) -> AlertQuery:
        if self.since is not None and self.until is not None and self.until < self.since:
            raise ValueError("until is before since")
        return self


class AlertOut(BaseModel):
    """An alert, its subjects, the facts behind it and what people did about it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    severity: str
    state: str
    dedup_key: str
    summary: str
    door_id: int | None
    zone_id: int | None
    reader_id: int | None
    person_id: int | None
    airlock_id: int | None
    count: int
    first_at: datetime
    last_at: datetime
    fact_indexes: list[int]
    raised_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    acknowledged_note: str | None
    resolved_at: datetime | None
    resolved_by: str | None
    resolved_note: str | None


class AlertPage(BaseModel):
    """One page of alerts, newest first; pass next_cursor for the next one."""

    items: list[AlertOut]
    next_cursor: int | None


class AlertAction(BaseModel):
    """Why someone acknowledges or resolves an alert."""

    model_config = ConfigDict(extra="forbid", strict=True)

    note: str = Field(min_length=1, max_length=2000)
