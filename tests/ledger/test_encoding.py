"""The entry template must give exactly the canonical bytes of the whole entry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from app.ledger.encoding import entry_bytes, entry_templates

MOMENT = datetime(2026, 11, 24, 17, 30, 1, 5, tzinfo=timezone(timedelta(hours=2)))


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"n": 1},
        {"index": 3, "v": 2, "type": "body keys that shadow the entry's"},
        {"when": datetime(2026, 1, 1, tzinfo=UTC), "raw": b"\x00\xff", "text": "ça 🚪"},
        {"nested": {"z": [1, {"b": None, "a": True}]}},
    ],
)
@pytest.mark.parametrize("index", [0, 7, 2**40])
def test_template_with_its_index_is_the_entry(body: dict[str, Any], index: int) -> None:
    actor = {"kind": "device", "subject": "RD-1"}
    facts = [("badge.swipe", actor, body), ("door.event", {}, body), ("badge.swipe", {}, {})]
    templates = entry_templates(recorded_at=MOMENT, facts=facts)
    for (type, fact_actor, fact_body), (prefix, suffix) in zip(facts, templates, strict=True):
        expected = entry_bytes(
            index=index, type=type, recorded_at=MOMENT, actor=fact_actor, body=fact_body
        )
        assert prefix + b"%d" % index + suffix == expected
