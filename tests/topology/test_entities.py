"""Each of the thirteen entities over HTTP: created, listed, filtered, changed, deleted."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.conftest import ADMIN
from tests.topology import factories as f
from tests.topology.factories import API, KEY, post


def _world(client: TestClient) -> dict[str, dict[str, Any]]:
    """One of each entity, created over HTTP, in an order that satisfies references."""
    made: dict[str, dict[str, Any]] = {}
    made["tenants"] = post(client, "tenants", {"code": "T", "name": "Hospital"})
    made["sites"] = site = post(client, "sites", {"code": "S", "name": "Site"})
    room = post(
        client,
        "zones",
        {
            "site_id": site["id"],
            "code": "ROOM",
            "name": "Room",
            "kind": "room",
            "parent_id": post(
                client,
                "zones",
                {"site_id": site["id"], "code": "BLD", "name": "Bld", "kind": "building"},
            )["id"],
        },
    )
    sas = post(
        client,
        "zones",
        {
            "site_id": site["id"],
            "code": "SAS",
            "name": "Sas",
            "kind": "airlock",
            "parent_id": room["parent_id"],
        },
    )
    made["zones"] = rack = post(
        client,
        "zones",
        {
            "site_id": site["id"],
            "code": "RACK",
            "name": "Rack",
            "kind": "rack",
            "parent_id": room["id"],
        },
    )
    outer = post(
        client,
        "doors",
        {
            "code": "D-OUT",
            "name": "Out",
            "kind": "airlock_outer",
            "from_zone_id": room["parent_id"],
            "to_zone_id": sas["id"],
        },
    )
    made["doors"] = post(
        client,
        "doors",
        {
            "code": "D-IN",
            "name": "In",
            "kind": "airlock_inner",
            "from_zone_id": sas["id"],
            "to_zone_id": room["id"],
        },
    )
    made["readers"] = post(
        client,
        "readers",
        {"code": "R-1", "door_id": outer["id"], "direction": "in", "public_key": KEY},
    )
    made["airlocks"] = post(
        client,
        "airlocks",
        {
            "code": "A",
            "zone_id": sas["id"],
            "outer_door_id": outer["id"],
            "inner_door_id": made["doors"]["id"],
        },
    )
    made["workstations"] = post(
        client,
        "workstations",
        {"code": "WS", "name": "WS", "zone_id": room["id"], "ip_addresses": ["10.0.0.1"]},
    )
    made["cameras"] = post(
        client,
        "cameras",
        {
            "code": "C",
            "name": "C",
            "site_id": site["id"],
            "covers": [
                {"kind": "workstation", "id": made["workstations"]["id"]},
                {"kind": "zone", "id": sas["id"]},
            ],
        },
    )
    made["servers"] = post(
        client,
        "servers",
        {
            "hostname": "db.example",
            "rack_zone_id": rack["id"],
            "tenant_id": made["tenants"]["id"],
            "health_data": True,
        },
    )
    made["people"] = post(client, "people", {"code": "P", "full_name": "Ada", "kind": "contractor"})
    made["groups"] = post(
        client, "groups", {"code": "G", "name": "Crew", "member_ids": [made["people"]["id"]]}
    )
    made["badges"] = post(
        client,
        "badges",
        {"uid": "04:AA", "person_id": made["people"]["id"], "valid_from": "2026-01-01T00:00:00Z"},
    )
    made["access-rights"] = post(
        client,
        "access-rights",
        {
            "group_id": made["groups"]["id"],
            "zone_id": room["id"],
            "schedule": [{"days": [0, 1], "start": "08:00", "end": "18:00"}],
        },
    )
    return made


CHANGES: dict[str, dict[str, Any]] = {
    "tenants": {"name": "Hospital Two"},
    "sites": {"timezone": "UTC"},
    "zones": {"anti_passback": "alert"},
    "doors": {"name": "Inner door"},
    "readers": {"enabled": False},
    "airlocks": {"max_cycle_s": 60},
    "workstations": {"ip_addresses": ["10.0.0.2", "fd00::2"]},
    "cameras": {"covers": []},
    "servers": {"health_data": False},
    "people": {"active": False},
    "groups": {"member_ids": []},
    "badges": {"status": "lost"},
    "access-rights": {"escort_required": True, "schedule": []},
}


def test_each_entity_can_be_created_listed_changed_and_deleted(
    client: TestClient, session: Session
) -> None:
    made = _world(client)
    assert set(made) == set(CHANGES)
    for path, entity in made.items():
        listed = client.get(f"{API}/{path}", headers=ADMIN).json()["items"]
        assert entity in listed, path
        answer = client.patch(f"{API}/{path}/{entity['id']}", json=CHANGES[path], headers=ADMIN)
        assert answer.status_code == 200, (path, answer.text)
        assert answer.json() == entity | CHANGES[path] | {"version": 2}
    for path in [
        "access-rights",
        "badges",
        "groups",
        "people",
        "servers",
        "cameras",
        "workstations",
        "airlocks",
        "readers",
    ]:
        answer = client.delete(f"{API}/{path}/{made[path]['id']}", headers=ADMIN)
        assert answer.status_code == 204, (path, answer.text)
    entities = {fact["type"].split(".")[1] for fact in f.facts(session, "topology.")}
    assert len(entities) == 13
    updated = [fact for fact in f.facts(session) if fact["type"].endswith(".updated")]
    assert len(updated) == 13


def test_lists_filter_by_their_parent(client: TestClient) -> None:
    made = _world(client)
    person = made["people"]["id"]
    assert [
        g["id"]
        for g in client.get(f"{API}/groups?person_id={person}", headers=ADMIN).json()["items"]
    ] == [made["groups"]["id"]]
    assert client.get(f"{API}/groups?person_id={person + 1}", headers=ADMIN).json()["items"] == []
    workstation = made["workstations"]["id"]
    cameras = client.get(f"{API}/cameras?workstation_id={workstation}", headers=ADMIN).json()
    assert [c["code"] for c in cameras["items"]] == ["C"]
    tenant = made["tenants"]["id"]
    servers = client.get(f"{API}/servers?tenant_id={tenant}&health_data=true", headers=ADMIN).json()
    assert [s["hostname"] for s in servers["items"]] == ["db.example"]
    doors = client.get(f"{API}/doors?zone_id={made['airlocks']['zone_id']}", headers=ADMIN).json()
    assert {d["code"] for d in doors["items"]} == {"D-OUT", "D-IN"}
    site = made["sites"]["id"]
    zones = client.get(f"{API}/zones?site_id={site}&kind=rack", headers=ADMIN).json()
    assert [z["code"] for z in zones["items"]] == ["RACK"]
