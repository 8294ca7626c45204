"""The registry over HTTP: who may call, status codes, versions, and one round trip of each
entity."""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.auth import policy
from app.auth.principal import Role
from app.topology.router import router
from tests.auth.factories import bearer, login, user
from tests.conftest import ADMIN
from tests.topology import factories as f
from tests.topology.factories import API, KEY, post


def test_every_route_declares_who_may_call_it() -> None:
    routes = [route for route in router.routes if isinstance(route, APIRoute)]
    assert len(routes) == 13 * 5
    for route in routes:
        policies = [
            d.call for d in route.dependant.dependencies if isinstance(d.call, policy.Policy)
        ]
        assert len(policies) == 1, route.path
        expected = {Role.admin}
        if route.methods == {"GET"}:
            expected |= {Role.security, Role.auditor, Role.tenant_auditor}
        assert policies[0].roles == expected, (route.path, route.methods)


def test_no_route_answers_without_the_admin_token(client: TestClient) -> None:
    calls = [("get", "/sites"), ("get", "/sites/1"), ("post", "/sites")]
    calls += [("patch", "/sites/1"), ("delete", "/sites/1")]
    credentials = [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic YTpi"}]
    for method, path in calls:
        for headers in credentials:
            answer = client.request(method, f"{API}{path}", headers=headers, json={"name": "x"})
            assert answer.status_code == 401, (method, path, headers)
            assert answer.json()["code"] == "unauthenticated"
            assert answer.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("role", [Role.security, Role.auditor, Role.tenant_auditor])
def test_readers_of_the_registry_may_read_but_not_write(
    client: TestClient, session: Session, role: Role
) -> None:
    site = post(client, "sites", {"code": "S-R", "name": "Site"})
    headers = bearer(login(client, user(session, role).username)["access_token"])
    assert client.get(f"{API}/sites", headers=headers).status_code == 200
    writes = [
        ("post", f"{API}/sites", {"code": "S", "name": "S"}),
        ("patch", f"{API}/sites/{site['id']}", {"name": "renamed"}),
        ("delete", f"{API}/sites/{site['id']}", None),
    ]
    for method, url, body in writes:
        answer = client.request(method, url, headers=headers, json=body)
        assert answer.status_code == 403, (method, answer.text)
        assert answer.json()["code"] == "forbidden"
    assert client.get(f"{API}/sites/{site['id']}", headers=ADMIN).json()["version"] == 1


def test_site_round_trip_with_versions(client: TestClient, session: Session) -> None:
    created = client.post(f"{API}/sites", json={"code": "PAR", "name": "Paris"}, headers=ADMIN)
    assert created.status_code == 201
    assert created.headers["ETag"] == '"1"'
    site = created.json()
    url = f"{API}/sites/{site['id']}"
    assert client.get(url, headers=ADMIN).json() == site

    stale = client.patch(url, json={"name": "Lyon"}, headers=ADMIN | {"If-Match": '"7"'})
    assert stale.status_code == 409
    assert stale.json()["details"] == {"version": 1}
    changed = client.patch(url, json={"name": "Paris Nord"}, headers=ADMIN | {"If-Match": '"1"'})
    assert changed.status_code == 200
    assert (changed.json()["version"], changed.headers["ETag"]) == (2, '"2"')
    assert (
        client.patch(url, json={"name": "x"}, headers=ADMIN | {"If-Match": "v2"}).status_code == 422
    )
    assert client.delete(url, headers=ADMIN | {"If-Match": '"1"'}).status_code == 409
    assert client.delete(url, headers=ADMIN | {"If-Match": '"2"'}).status_code == 204
    assert client.get(url, headers=ADMIN).status_code == 404

    types = [fact["type"] for fact in f.facts(session)]
    assert types == ["topology.site.created", "topology.site.updated", "topology.site.deleted"]
    assert f.facts(session)[0]["actor"] == {
        "kind": "admin_token",
        "subject": "admin-token",
        "role": "admin",
    }


def test_unknown_ids_and_bad_queries(client: TestClient) -> None:
    calls = [
        ("get", "/zones/999999", 404),
        ("patch", "/zones/999999", 404),
        ("delete", "/zones/999999", 404),
        ("get", "/zones/0", 422),
        ("get", "/zones/99999999999", 422),
        ("get", "/zones?limit=0", 422),
        ("get", "/zones?site_id=abc", 422),
        ("get", "/zones?colour=blue", 422),
        ("get", "/nothing", 404),
    ]
    for method, path, status in calls:
        answer = client.request(method, f"{API}{path}", headers=ADMIN, json={"name": "x"})
        assert answer.status_code == status, (method, path)


def test_bad_bodies_are_refused_and_nothing_is_stored(client: TestClient, session: Session) -> None:
    site = post(client, "sites", {"code": "S-1", "name": "Site"})
    other = post(client, "sites", {"code": "S-2", "name": "Other"})
    floor = post(
        client, "zones", {"site_id": other["id"], "code": "F", "name": "F", "kind": "building"}
    )
    count = len(f.facts(session))
    bodies = [
        (
            422,
            "zones",
            {
                "site_id": site["id"],
                "code": "Z",
                "name": "Z",
                "kind": "room",
                "parent_id": floor["id"],
            },
        ),
        (422, "zones", {"site_id": 999999, "code": "Z", "name": "Z", "kind": "building"}),
        (422, "zones", {"site_id": site["id"], "code": "Z", "name": "Z\x00", "kind": "building"}),
        (409, "sites", {"code": "S-1", "name": "again"}),
        (422, "readers", {"code": "R-1", "door_id": 999999, "direction": "in"}),
        (422, "sites", ["not", "an", "object"]),
    ]
    for status, path, body in bodies:
        answer = client.post(f"{API}/{path}", json=body, headers=ADMIN)
        assert answer.status_code == status, (path, body, answer.text)
        assert "detail" in answer.json()
    assert len(f.facts(session)) == count
    malformed = client.post(
        f"{API}/sites", content=b"{not json", headers=ADMIN | {"Content-Type": "application/json"}
    )
    assert malformed.status_code == 422


def test_deleting_what_is_in_use_answers_409_with_what_uses_it(client: TestClient) -> None:
    site = post(client, "sites", {"code": "S", "name": "Site"})
    post(client, "zones", {"site_id": site["id"], "code": "B", "name": "B", "kind": "building"})
    answer = client.delete(f"{API}/sites/{site['id']}", headers=ADMIN)
    assert answer.status_code == 409
    assert answer.json()["details"] == {"referenced_by": {"zone.site_id": 1}}


def test_readers_keep_a_public_key_only(client: TestClient) -> None:
    site = post(client, "sites", {"code": "S", "name": "Site"})
    a = post(client, "zones", {"site_id": site["id"], "code": "A", "name": "A", "kind": "building"})
    b = post(client, "zones", {"site_id": site["id"], "code": "B", "name": "B", "kind": "building"})
    door = post(
        client, "doors", {"code": "D", "name": "D", "from_zone_id": a["id"], "to_zone_id": b["id"]}
    )
    reader = post(client, "readers", {"code": "R-D-IN", "door_id": door["id"], "direction": "in"})
    assert reader["public_key"] is None
    url = f"{API}/readers/{reader['id']}"
    rotated = client.patch(url, json={"public_key": KEY}, headers=ADMIN).json()
    assert rotated["public_key"] == KEY
    assert not any("private" in name for name in rotated)
    refused = client.patch(url, json={"private_key": KEY}, headers=ADMIN)
    assert refused.status_code == 422
