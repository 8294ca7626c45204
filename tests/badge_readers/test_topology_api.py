"""`vigie-reader plan --from-api`: a plan from the registry's lists."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from badge_readers.topology_api import fetch_plan
from tests.badge_readers.factories import write_key

# outside(1) -D-ENT-> hall(2) -D-AL-OUT-> airlock(3) -D-AL-IN-> secure room(4) -D-RACK-> rack(5)
# and hall(2) -D-ADMIN-> admin room(6): a shorter branch.
DOORS = [
    {"id": 11, "code": "D-AL-IN", "kind": "airlock_inner", "from_zone_id": 3, "to_zone_id": 4},
    {"id": 10, "code": "D-AL-OUT", "kind": "airlock_outer", "from_zone_id": 2, "to_zone_id": 3},
    {"id": 9, "code": "D-ENT", "kind": "door", "from_zone_id": 1, "to_zone_id": 2},
    {"id": 12, "code": "D-RACK", "kind": "rack_door", "from_zone_id": 4, "to_zone_id": 5},
    {"id": 13, "code": "D-ADMIN", "kind": "door", "from_zone_id": 2, "to_zone_id": 6},
]
READERS = [
    {"id": 1, "code": "RD-ENT-IN", "door_id": 9, "direction": "in", "enabled": True},
    {"id": 2, "code": "RD-ENT-OUT", "door_id": 9, "direction": "out", "enabled": True},
    {"id": 3, "code": "RD-AL-OUT", "door_id": 10, "direction": "in", "enabled": True},
    {"id": 4, "code": "RD-AL-IN", "door_id": 11, "direction": "in", "enabled": True},
    {"id": 5, "code": "RD-RACK", "door_id": 12, "direction": "in", "enabled": True},
    {"id": 6, "code": "RD-ADMIN", "door_id": 13, "direction": "in", "enabled": True},
    {"id": 7, "code": "RD-OFF", "door_id": 13, "direction": "out", "enabled": False},
]
PEOPLE = [{"id": 1, "kind": "staff"}, {"id": 2, "kind": "contractor"}]
BADGES = [
    {"id": 1, "uid": "B-1", "person_id": 1, "status": "active"},
    {"id": 2, "uid": "B-2", "person_id": 2, "status": "revoked"},
    {"id": 3, "uid": "V-1", "person_id": None, "status": "active"},
]


def registry(request: httpx.Request) -> httpx.Response:
    """Pages of two items for readers, bare lists for the rest."""
    assert request.headers["Authorization"] == "Bearer T0KEN"
    entity = request.url.path.rsplit("/", 1)[-1]
    rows: list[dict[str, Any]] = {
        "doors": DOORS,
        "readers": READERS,
        "people": PEOPLE,
        "badges": BADGES,
    }[entity]
    if entity != "readers":
        return httpx.Response(200, json=rows)
    after = int(request.url.params.get("after_id", 0))
    page = [r for r in rows if r["id"] > after][:2]
    more = page[-1]["id"] < rows[-1]["id"]
    return httpx.Response(
        200, json={"items": page, "next_after_id": page[-1]["id"] if more else None}
    )


def test_plan_from_the_registry(tmp_path: Path) -> None:
    for code in (
        "RD-ENT-IN",
        "RD-ENT-OUT",
        "RD-AL-OUT",
        "RD-AL-IN",
        "RD-RACK",
        "RD-ADMIN",
        "RD-OFF",
    ):
        write_key(tmp_path / f"{code}.pem")
    (tmp_path / "RD-ADMIN.pem").unlink()
    plan = fetch_plan(
        "http://vigie.test", "T0KEN", tmp_path, transport=httpx.MockTransport(registry)
    )
    assert [r.code for r in plan.readers] == [
        "RD-ENT-IN",
        "RD-ENT-OUT",
        "RD-AL-OUT",
        "RD-AL-IN",
        "RD-RACK",
    ]
    assert plan.readers[4].door_kind == "rack_door"
    assert plan.readers[0].key == tmp_path / "RD-ENT-IN.pem"
    assert plan.route == ["D-ENT", "D-AL-OUT", "D-AL-IN"]
    assert [(b.uid, b.status, b.holder) for b in plan.badges] == [
        ("B-1", "active", "staff"),
        ("B-2", "revoked", "contractor"),
        ("V-1", "active", "visitor"),
    ]
