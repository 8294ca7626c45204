"""Query and answers of GET /api/v1/audit/reads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.physical.schemas import UTCTimestamp

INDEX_LIMIT = 2**63


class ReadQuery(BaseModel):
    """Filters and page of the list of evidence reads, newest first."""

    model_config = ConfigDict(extra="forbid")

    actor: str | None = Field(
        None, min_length=1, max_length=255, description="Subject of the reader (username)."
    )
    resource: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        description=(
            "Kind of evidence read: physical_event, passage, presence_muster, "
            "presence_whereabouts, presence_occupancy, airlock_cycle, alert, ledger_entry, "
            "evidence_read."
        ),
    )
    since: UTCTimestamp | None = Field(None, description="Time of the read, inclusive.")
    until: UTCTimestamp | None = Field(None, description="Time of the read, exclusive.")
    limit: int = Field(100, ge=1, le=1000)
    before: int | None = Field(
        None, ge=0, lt=INDEX_LIMIT, description="next_before of the previous page."
    )

    @model_validator(mode="after")
    def _time_range(self) -> ReadQuery:
        if self.since is not None and self.until is not None and self.until < self.since:
            raise ValueError("until is before since")
        return self


class ReadOut(BaseModel):
    """One read of evidence: the `evidence.viewed` fact at `index`."""

    index: int = Field(description="Ledger index of the evidence.viewed fact.")
    recorded_at: datetime
    actor: dict[str, Any] = Field(description="Who read: kind, subject, role, tenant_id.")
    resource: str
    query: dict[str, Any] = Field(description="The filters and page asked for.")
    count: int = Field(description="Number of items returned.")
    indexes: list[int] = Field(
        description="Ledger indexes of the facts shown (for a read model, those behind each item)."
    )
    client_address: str | None
    user_agent: str | None


class ReadPage(BaseModel):
    """One page of reads; pass next_before as `before` (same filters) for older ones."""

    items: list[ReadOut]
    next_before: int | None
