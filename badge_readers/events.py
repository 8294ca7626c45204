"""The events a reader reports, and their wire form (the reader ingest contract)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

SwipeResult = Literal["granted", "denied"]
DenyReason = Literal[
    "unknown_badge", "revoked", "expired", "no_right", "schedule", "antipassback", "other"
]
DoorState = Literal["opened", "closed", "forced", "held_open", "tamper"]
HealthStatus = Literal["ok", "degraded", "tamper"]


def _require_aware(moment: datetime) -> None:
    # The server refuses naive times; refusing them here keeps a bad event out of the queue,
    # where it would otherwise end as a dead letter.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("occurred_at must be timezone-aware")


@dataclass(frozen=True, slots=True)
class Swipe:
    """A badge presented to the reader, and the reader's decision."""

    occurred_at: datetime
    badge_uid: str
    result: SwipeResult
    reason: DenyReason | None = None

    def __post_init__(self) -> None:
        _require_aware(self.occurred_at)

    def to_wire(self, seq: int) -> dict[str, Any]:
        """The JSON object the ingest API expects, with the reader's sequence number."""
        return {
            "kind": "swipe",
            "seq": seq,
            "occurred_at": self.occurred_at,
            "badge_uid": self.badge_uid,
            "result": self.result,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class DoorEvent:
    """A change of the door's state seen by its controller."""

    occurred_at: datetime
    state: DoorState
    door: str | None = None

    def __post_init__(self) -> None:
        _require_aware(self.occurred_at)

    def to_wire(self, seq: int) -> dict[str, Any]:
        """The JSON object the ingest API expects, with the reader's sequence number."""
        wire: dict[str, Any] = {
            "kind": "door",
            "seq": seq,
            "occurred_at": self.occurred_at,
            "state": self.state,
        }
        if self.door is not None:
            wire["door"] = self.door
        return wire


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """The reader saying it is alive, and how it feels."""

    occurred_at: datetime
    status: HealthStatus = "ok"
    firmware: str | None = None

    def __post_init__(self) -> None:
        _require_aware(self.occurred_at)

    def to_wire(self, seq: int) -> dict[str, Any]:
        """The JSON object the ingest API expects, with the reader's sequence number."""
        wire: dict[str, Any] = {
            "kind": "heartbeat",
            "seq": seq,
            "occurred_at": self.occurred_at,
            "status": self.status,
        }
        if self.firmware is not None:
            wire["firmware"] = self.firmware
        return wire


Event = Swipe | DoorEvent | Heartbeat
