"""GET /api/v1/events: filters, both orders, keyset pages without loss or repeat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.topology.models import Badge, Zone
from tests.conftest import ADMIN
from tests.physical.factories import (
    TestReader,
    door_event,
    heartbeat,
    make_badge,
    make_reader,
    swipe,
)
from tests.physical.test_signatures import BATCH

EVENTS = "/api/v1/events"
START = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)


@dataclass
class Scene:
    """Two readers at two doors; a known badge; 12 events, some at the same instant."""

    inner: TestReader
    outer: TestReader
    badge: Badge


@pytest.fixture
def scene(client: TestClient, session: Session) -> Scene:
    inner, outer = make_reader(session), make_reader(session, direction="out")
    badge = make_badge(session)
    at = [START + timedelta(minutes=minute) for minute in (0, 1, 1, 1, 2, 3)]
    inner_events = [
        swipe(1, badge.uid, at=at[0]),
        swipe(2, "UID:STRANGER", at=at[1], result="denied", reason="unknown_badge"),
        door_event(3, at=at[2]),
        door_event(4, "closed", at=at[3]),
        heartbeat(5, at=at[4]),
        swipe(6, badge.uid, at=at[5]),
    ]
    outer_events = [swipe(seq, badge.uid, at=at[seq - 1]) for seq in range(1, 7)]
    for reader, events in ((inner, inner_events), (outer, outer_events)):
        assert reader.post(client, BATCH, {"events": events}).status_code == 200
    return Scene(inner=inner, outer=outer, badge=badge)


def get(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get(EVENTS, params=params, headers=ADMIN)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


def keys(page: dict[str, Any]) -> list[tuple[str, int]]:
    return [(item["reader"], item["seq"]) for item in page["items"]]


def test_listing_needs_a_token(client: TestClient) -> None:
    assert client.get(EVENTS).status_code == 401
    wrong = {"Authorization": "Bearer not-the-token"}
    assert client.get(EVENTS, headers=wrong).status_code == 401


def test_items_carry_both_clocks_flags_and_ledger_index(client: TestClient, scene: Scene) -> None:
    [item] = get(client, reader=scene.inner.code, kind="heartbeat")["items"]
    assert item["occurred_at"] == (START + timedelta(minutes=2)).isoformat().replace("+00:00", "Z")
    received = datetime.fromisoformat(item["received_at"])
    assert received - datetime.now(UTC) < timedelta(minutes=1)
    assert item["clock_skew"] is False
    assert isinstance(item["skew_ms"], int)
    assert item["index"] == 4  # fifth fact of the first batch
    assert (item["door"], item["status"]) == (scene.inner.door.code, "ok")


def test_default_is_newest_first_and_asc_is_oldest_first(client: TestClient, scene: Scene) -> None:
    newest = get(client)["items"]
    oldest = get(client, order="asc")["items"]
    assert len(newest) == 12
    assert [i["id"] for i in newest] == [i["id"] for i in reversed(oldest)]
    times = [i["occurred_at"] for i in oldest]
    assert times == sorted(times)


@pytest.mark.parametrize("order", ["desc", "asc"])
def test_pages_cover_every_event_exactly_once(client: TestClient, scene: Scene, order: str) -> None:
    everything = [i["id"] for i in get(client, order=order)["items"]]
    seen: list[int] = []
    cursor = None
    while True:
        params = {"order": order, "limit": 5} | ({"cursor": cursor} if cursor else {})
        page = get(client, **params)
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == everything
    assert len(set(seen)) == 12


def test_filters(client: TestClient, scene: Scene) -> None:
    inner, outer, badge = scene.inner, scene.outer, scene.badge
    assert {r for r, _ in keys(get(client, reader=inner.code))} == {inner.code}
    assert len(get(client, door=outer.door.code)["items"]) == 6
    assert len(get(client, badge=badge.uid)["items"]) == 8
    assert len(get(client, person=badge.person_id)["items"]) == 8
    assert keys(get(client, kind="door", order="asc")) == [(inner.code, 3), (inner.code, 4)]
    window = {
        "since": (START + timedelta(minutes=1)).isoformat(),
        "until": (START + timedelta(minutes=2)).isoformat(),
    }
    assert len(get(client, **window)["items"]) == 6
    assert get(client, reader="no-such-reader")["items"] == []


def test_zone_by_code_or_id(client: TestClient, session: Session, scene: Scene) -> None:
    zone_id = scene.inner.door.to_zone_id
    code = session.get_one(Zone, zone_id).code
    by_code = get(client, zone=code)["items"]
    assert {i["zone"] for i in by_code} == {code}
    assert len(by_code) == 6
    assert get(client, zone=str(zone_id))["items"] == by_code


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 1001},
        {"order": "sideways"},
        {"since": "2026-11-24T08:00:00"},
        {"since": "2026-11-24T10:00:00Z", "until": "2026-11-24T09:00:00Z"},
        {"person": "someone"},
        {"kind": "teleport"},
        {"colour": "blue"},
    ],
)
def test_bad_parameters_are_invalid(client: TestClient, params: dict[str, Any]) -> None:
    assert client.get(EVENTS, params=params, headers=ADMIN).status_code == 422


def test_tampered_or_foreign_cursor_is_invalid(client: TestClient, scene: Scene) -> None:
    cursor = get(client, limit=2)["next_cursor"]
    for bad in ("garbage", cursor[:-3], cursor[:-2] + "zz", "eyJhIjoxfQ", "!!!"):
        response = client.get(EVENTS, params={"limit": 2, "cursor": bad}, headers=ADMIN)
        assert response.status_code == 422, bad
        assert response.json()["code"] == "invalid"
    response = client.get(EVENTS, params={"order": "asc", "cursor": cursor}, headers=ADMIN)
    assert response.status_code == 422
    assert "order=desc" in response.json()["detail"]
