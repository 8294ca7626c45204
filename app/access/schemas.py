"""Wire shapes of the access decision endpoint and of the offline rights snapshot."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from app.access.rules import Reason
from app.physical.schemas import UTCTimestamp


class DecideRequest(BaseModel):
    """A reader asks whether a badge may pass its door (at `at`, default now)."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    badge_uid: str = Field(pattern=r"^[0-9A-Za-z:_-]{1,64}$")
    at: UTCTimestamp | None = Field(None, description="RFC 3339 with offset; default now.")
    door: str | None = Field(None, min_length=1, max_length=64, description="Own door only.")


class Decision(BaseModel):
    """The answer, as recorded in the `access.decision` fact."""

    decision: Literal["grant", "deny"]
    reason: Reason
    escort_required: bool
    person: str | None = Field(description="Code of the badge's holder, when known.")
    zone: str = Field(description="The zone the door guards (its target zone).")


class SignedSnapshot(BaseModel):
    """A snapshot and its detached Ed25519 signature over canonical(snapshot)."""

    snapshot: dict[str, object]
    signature: str = Field(description="Base64 Ed25519 signature of canonical(snapshot).")
    public_key: str = Field(description="Base64 raw Ed25519 public key (the ledger's key).")
    key_id: str = Field(description="Hex id of the key, as in the ledger's signed notes.")


DECIDE = TypeAdapter(DecideRequest)
