"""The site plan file: validated, with key paths relative to the plan."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from pydantic import ValidationError

from badge_readers.plan import SitePlan, load_plan
from tests.badge_readers.factories import write_plan


def reader(code: str, door: str, direction: str = "in", **extra: Any) -> dict[str, Any]:
    return {"code": code, "door": door, "direction": direction, "key": f"{code}.pem", **extra}


def test_load_resolves_keys_against_the_plan_directory(tmp_path: Path) -> None:
    path, _ = write_plan(tmp_path)
    plan = load_plan(path)
    assert plan.readers[0].key == tmp_path.resolve() / "keys" / "RD-ENT-IN.pem"
    assert plan.readers[0].key.exists()


def test_default_route_is_the_non_rack_doors_in_reader_order(tmp_path: Path) -> None:
    plan = load_plan(write_plan(tmp_path)[0])
    assert plan.walking_route() == ["D-ENT", "D-AL-OUTER", "D-AL-INNER"]
    assert plan.rack_doors() == ["D-RACK-A1"]
    assert plan.controller("D-ENT") == plan.reader_at("D-ENT", "in")


def test_an_explicit_route_is_followed() -> None:
    plan = SitePlan(route=["D2", "D1"], readers=[reader("R1", "D1"), reader("R2", "D2")], badges=[])
    assert plan.walking_route() == ["D2", "D1"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"readers": [reader("R1", "D1"), reader("R1", "D2")]}, "duplicate reader code"),
        ({"readers": [reader("R1", "D1"), reader("R2", "D1")]}, "share a door"),
        ({"route": ["D9"]}, "route names doors without readers"),
        ({"timezone": "Mars/Olympus"}, "unknown timezone"),
        ({"badges": [{"uid": "B1"}, {"uid": "B1"}]}, "duplicate badge uid"),
        ({"badges": [{"uid": "bad uid!"}]}, "String should match pattern"),
        ({"readers": [reader("R1", "D1", door_kind="rack_door")]}, "no door to walk through"),
        ({"readers": [reader("R1", "D1", direction="sideways")]}, "direction"),
        ({"readers": []}, "at least 1"),
        ({"surprise": True}, "Extra inputs are not permitted"),
    ],
)
def test_inconsistent_plans_are_refused(changes: dict[str, Any], message: str) -> None:
    plan = {"readers": [reader("R1", "D1")], "badges": [{"uid": "B1"}], **changes}
    with pytest.raises(ValidationError, match=message):
        SitePlan.model_validate_json(orjson.dumps(plan))
