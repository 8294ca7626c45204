"""The alert API: filters, pages, state changes by role, bad input, and the stream."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.auth.principal import Role
from tests.alerts.factories import finding, raise_alerts
from tests.auth.factories import bearer, login, user
from tests.conftest import ADMIN


def _as(client: TestClient, session: Session, role: Role) -> dict[str, str]:
    return bearer(login(client, user(session, role).username)["access_token"])


def test_list_filters_and_pages_newest_first(client: TestClient, session: Session) -> None:
    raise_alerts(session, *(finding(door=door) for door in range(1, 6)))
    raise_alerts(session, finding("door_tamper", door=1, severity="warning"))
    first = client.get("/api/v1/alerts", params={"limit": 4}, headers=ADMIN).json()
    assert [a["door_id"] for a in first["items"]] == [1, 5, 4, 3]
    rest = client.get(
        "/api/v1/alerts", params={"limit": 4, "cursor": first["next_cursor"]}, headers=ADMIN
    ).json()
    assert [a["door_id"] for a in rest["items"]] == [2, 1]
    assert rest["next_cursor"] is None
    tamper = client.get("/api/v1/alerts", params={"kind": "door_tamper"}, headers=ADMIN).json()
    assert [a["severity"] for a in tamper["items"]] == ["warning"]
    door = client.get("/api/v1/alerts", params={"door": 1}, headers=ADMIN).json()
    assert len(door["items"]) == 2


def test_bad_filters_are_422(client: TestClient) -> None:
    for params in (
        {"state": "closed"},
        {"limit": 0},
        {"cursor": "abc"},
        {"since": "2026-11-23T00:00:00"},
        {"since": "2026-11-24T00:00:00Z", "until": "2026-11-23T00:00:00Z"},
        {"colour": "red"},
    ):
        assert client.get("/api/v1/alerts", params=params, headers=ADMIN).status_code == 422


def test_security_acknowledges_and_resolves_auditor_only_reads(
    client: TestClient, session: Session
) -> None:
    (alert,) = raise_alerts(session, finding())
    path = f"/api/v1/alerts/{alert.id}"
    auditor = _as(client, session, Role.auditor)
    security = _as(client, session, Role.security)
    assert client.get(path, headers=auditor).json()["state"] == "open"
    note = {"note": "checking the camera"}
    assert client.post(f"{path}/acknowledge", json=note, headers=auditor).status_code == 403
    acked = client.post(f"{path}/acknowledge", json=note, headers=security)
    assert acked.status_code == 200
    assert acked.json()["acknowledged_by"].endswith(":" + acked.json()["acknowledged_by"][5:])
    again = client.post(f"{path}/acknowledge", json=note, headers=security)
    assert again.status_code == 409
    resolved = client.post(f"{path}/resolve", json={"note": "contractor"}, headers=security)
    assert resolved.json()["state"] == "resolved"
    tenant = _as(client, session, Role.tenant_auditor)
    # A tenant auditor reads (its scope: this door is nobody's) and never handles.
    assert client.get("/api/v1/alerts", headers=tenant).json()["items"] == []
    assert client.get(path, headers=tenant).status_code == 404
    assert client.post(f"{path}/acknowledge", json=note, headers=tenant).status_code == 403


def test_bad_actions_are_4xx(client: TestClient, session: Session) -> None:
    (alert,) = raise_alerts(session, finding())
    path = f"/api/v1/alerts/{alert.id}/resolve"
    assert client.post(path, json={}, headers=ADMIN).status_code == 422
    assert client.post(path, json={"note": ""}, headers=ADMIN).status_code == 422
    assert client.post(path, content=b"{", headers=ADMIN).status_code == 422
    missing = client.post(
        f"/api/v1/alerts/{alert.id + 99}/resolve", json={"note": "x"}, headers=ADMIN
    )
    assert missing.status_code == 404
    assert client.get("/api/v1/alerts/0", headers=ADMIN).status_code == 422
    assert client.get("/api/v1/alerts/99999999999999999999", headers=ADMIN).status_code == 422


def test_stream_sends_alerts_after_last_event_id(client: TestClient, session: Session) -> None:
    first, second = raise_alerts(session, finding(door=1), finding(door=2))
    session.commit()
    headers = {**ADMIN, "Last-Event-ID": str(first.id)}
    with client.stream(
        "GET", "/api/v1/alerts/stream", params={"max_events": 1}, headers=headers
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        body = response.read().decode()
    assert f"id: {second.id}\nevent: alert\n" in body
    assert f"id: {first.id}\n" not in body
    for junk in ("x", "-1", "9" * 30):
        bad = client.get("/api/v1/alerts/stream", headers={**ADMIN, "Last-Event-ID": junk})
        assert bad.status_code == 422
