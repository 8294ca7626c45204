"""Events refuse what the server would refuse, and serialise to the contract's shapes."""

from __future__ import annotations

from datetime import datetime

import orjson
import pytest

from badge_readers.events import DoorEvent, Heartbeat, Swipe
from tests.badge_readers.factories import T0


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Swipe(datetime(2026, 11, 23, 8, 0), "B-1", "granted")


def test_optional_fields_are_left_out_when_unset() -> None:
    assert orjson.loads(orjson.dumps(DoorEvent(T0, "forced").to_wire(3))) == {
        "kind": "door",
        "seq": 3,
        "occurred_at": "2026-11-23T08:00:00+00:00",
        "state": "forced",
    }
    assert Heartbeat(T0, firmware="fw-2").to_wire(4)["firmware"] == "fw-2"
    assert "firmware" not in Heartbeat(T0).to_wire(4)


def test_a_denied_swipe_carries_its_reason() -> None:
    wire = Swipe(T0, "B-1", "denied", "revoked").to_wire(1)
    assert (wire["result"], wire["reason"]) == ("denied", "revoked")
