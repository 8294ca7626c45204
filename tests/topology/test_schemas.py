"""Field rules: hostile or malformed values are refused before anything is queried."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from app.topology import schemas as s
from app.topology.entities import BADGE, SITE, ZONE

ZONE_FIELDS = {"site_id": 1, "code": "Z-1", "name": "Zone", "kind": "room"}
KEY = bytes(range(32))


def refused(model: type[BaseModel], **values: Any) -> str:
    with pytest.raises(ValidationError) as error:
        model.model_validate(values)
    return str(error.value)


@pytest.mark.parametrize(
    "changes",
    [
        {"code": ""},
        {"code": "has space"},
        {"code": "x" * 65},
        {"name": "nul\x00byte"},
        {"name": "line\nbreak"},
        {"name": "   "},
        {"kind": "basement"},
        {"site_id": 0},
        {"site_id": 2**31},
        {"anti_passback": "maybe"},
        {"colour": "blue"},
    ],
)
def test_zone_fields_refuse_bad_values(changes: dict[str, Any]) -> None:
    refused(s.ZoneCreate, **(ZONE_FIELDS | changes))


def test_text_is_trimmed() -> None:
    assert s.ZoneCreate.model_validate(ZONE_FIELDS | {"name": "  Hall  "}).name == "Hall"


def test_site_timezone_must_be_known() -> None:
    assert "unknown time zone" in refused(s.SiteCreate, code="S", name="S", timezone="Mars/Olympus")
    assert "unknown time zone" in refused(s.SiteCreate, code="S", name="S", timezone="../../etc")
    assert s.SiteCreate(code="S", name="S", timezone="America/New_York").timezone


def test_ip_addresses_are_normalised_and_checked() -> None:
    fields = {"code": "WS", "name": "WS", "zone_id": 1}
    made = s.WorkstationCreate.model_validate(
        fields | {"ip_addresses": ["FD00:0:0::1", "10.0.0.1"]}
    )
    assert made.ip_addresses == ["fd00::1", "10.0.0.1"]
    assert "not appear to be an IPv4 or IPv6" in refused(
        s.WorkstationCreate, **fields, ip_addresses=["10.0.0.256"]
    )
    assert "must not repeat" in refused(
        s.WorkstationCreate, **fields, ip_addresses=["10.0.0.1", "10.0.0.1"]
    )


def test_hostnames_follow_rfc_1123() -> None:
    fields = {"rack_zone_id": 1, "tenant_id": 1}
    assert s.ServerCreate(hostname="DB-01.Example.", **fields).hostname == "db-01.example"
    for bad in ["-db.example", "db_01.example", "a..b", "x" * 64 + ".example", ""]:
        assert "host name" in refused(s.ServerCreate, hostname=bad, **fields)


def test_public_key_is_base64_of_32_raw_bytes_and_read_back_as_base64() -> None:
    text = base64.b64encode(KEY).decode()
    reader = s.ReaderCreate.model_validate(
        {"code": "R-1", "door_id": 1, "direction": "in", "public_key": text}
    )
    assert reader.public_key == KEY
    assert reader.model_dump(mode="json")["public_key"] == text
    fields = {"code": "R-1", "door_id": 1, "direction": "in"}
    assert "must be base64" in refused(s.ReaderCreate, **fields, public_key="not base64!")
    short = base64.b64encode(KEY[:31]).decode()
    assert "32 raw bytes" in refused(s.ReaderCreate, **fields, public_key=short)
    assert "extra_forbidden" in refused(s.ReaderCreate, **fields, private_key="x")


def test_badge_dates_must_carry_an_offset() -> None:
    assert "timezone" in refused(s.BadgeCreate, uid="04:AA", valid_from="2026-01-01T00:00:00")
    badge = s.BadgeCreate(
        uid="04:AA", valid_from=datetime.fromisoformat("2026-01-01T00:00:00+01:00")
    )
    assert badge.valid_from is not None and badge.valid_from.utcoffset() is not None
    assert "string_pattern_mismatch" in refused(s.BadgeCreate, uid="04 AA")


@pytest.mark.parametrize(
    "window",
    [
        {"days": [7], "start": "08:00", "end": "17:00"},
        {"days": [], "start": "08:00", "end": "17:00"},
        {"days": [1, 1], "start": "08:00", "end": "17:00"},
        {"days": [1], "start": "24:00", "end": "17:00"},
        {"days": [1], "start": "8:00", "end": "17:00"},
        {"days": [1], "start": "08:00", "end": "08:00"},
        {"days": [1], "start": "08:00"},
    ],
)
def test_schedule_windows_are_checked(window: dict[str, Any]) -> None:
    refused(s.AccessRightCreate, zone_id=1, person_id=1, schedule=[window])


def test_a_window_may_cross_midnight() -> None:
    window = {"days": [0, 1, 2, 3, 4], "start": "21:00", "end": "01:00"}
    right = s.AccessRightCreate(zone_id=1, group_id=1, schedule=[window])
    assert right.schedule[0].end == "01:00"


def test_camera_coverage_is_sorted_and_without_repeats() -> None:
    fields = {"code": "C", "name": "C", "site_id": 1}
    covers = [{"kind": "zone", "id": 2}, {"kind": "door", "id": 9}, {"kind": "zone", "id": 1}]
    made = s.CameraCreate.model_validate(fields | {"covers": covers})
    assert [(t.kind, t.id) for t in made.covers] == [("door", 9), ("zone", 1), ("zone", 2)]
    assert "must not repeat" in refused(s.CameraCreate, **fields, covers=covers + covers[:1])
    assert "literal_error" in refused(
        s.CameraCreate, **fields, covers=[{"kind": "server", "id": 1}]
    )


def test_update_models_take_any_subset_but_refuse_null_where_a_value_is_required() -> None:
    assert ZONE.update_schema.model_validate({}).model_dump(exclude_unset=True) == {}
    assert ZONE.update_schema.model_validate({"parent_id": None}).model_dump(
        exclude_unset=True
    ) == {"parent_id": None}
    refused(ZONE.update_schema, name=None)
    refused(ZONE.update_schema, name="")
    refused(SITE.update_schema, timezone="Nowhere/Land")
    refused(BADGE.update_schema, status="stolen")


def test_read_models_add_id_and_version() -> None:
    fields = set(SITE.read_schema.model_fields)
    assert fields == {"id", "version", "code", "name", "timezone"}


def test_list_queries_bound_paging_and_refuse_unknown_filters() -> None:
    refused(ZONE.query_schema, limit=0)
    refused(ZONE.query_schema, limit=1001)
    refused(ZONE.query_schema, after_id=-1)
    refused(ZONE.query_schema, kind="basement")
    refused(ZONE.query_schema, site_id=2**31)
    refused(ZONE.query_schema, tenant_id=1)
