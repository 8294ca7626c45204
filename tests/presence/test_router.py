"""The presence API answers the muster, whereabouts and occupancy questions, and refuses junk."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.config import Settings
from app.presence import projector
from tests.conftest import ADMIN
from tests.presence.factories import Script, TestSite, at, build_site, holder


def _day(session: Session, settings: Settings) -> tuple[TestSite, int]:
    site = build_site(session)
    person, badge = holder(session)
    day = Script(site)
    day.walk_in(badge, at(7))
    day.through("rack", "in", badge, at(9))
    day.walk_out(badge, at(15))
    day.readers_alive(at(23))
    day.post_all(session, settings)
    while projector.run_once(session, settings=settings, now=at(23, 60)):
        pass
    return site, person.id


def test_muster_whereabouts_and_occupancy(
    client: TestClient, session: Session, settings: Settings
) -> None:
    site, person = _day(session, settings)
    hall, rack = site.zones["hall"].id, site.zones["rack"].id
    base = "/api/v1/presence"
    noon = client.get(
        f"{base}/zones/{hall}/muster", params={"at": at(12).isoformat()}, headers=ADMIN
    )
    assert noon.status_code == 200
    assert [(p["person_id"], p["open"]) for p in noon.json()["people"]] == [(person, False)]
    in_rack = client.get(
        f"{base}/zones/{rack}/muster", params={"at": at(12).isoformat()}, headers=ADMIN
    ).json()
    (stay,) = in_rack["people"]
    assert (stay["open"], stay["end"], stay["uncertain"]) == (True, None, True)
    assert stay["latest_end"].startswith("2026-11-23T15:00:02")
    night = client.get(
        f"{base}/zones/{rack}/muster", params={"at": at(16).isoformat()}, headers=ADMIN
    ).json()
    assert night["count"] == 0
    where = client.get(
        f"{base}/people/{person}",
        params={"since": at(8).isoformat(), "until": at(10).isoformat()},
        headers=ADMIN,
    ).json()
    assert sorted(s["zone_id"] for s in where["stays"]) == sorted(
        [site.zones["building"].id, hall, rack]
    )
    hours = client.get(
        f"{base}/zones/{hall}/occupancy", params={"day": "2026-11-23"}, headers=ADMIN
    ).json()["hours"]
    assert [h["people"] for h in hours] == [0] * 7 + [1] * 9 + [0] * 8
    passages = client.get(f"{base}/passages", params={"person": person, "limit": 5}, headers=ADMIN)
    assert len(passages.json()["items"]) == 5 and passages.json()["next_cursor"]
    cycles = client.get(
        f"{base}/airlocks/{site.airlock.id}/cycles",
        params={"since": at(0).isoformat(), "until": at(24).isoformat()},
        headers=ADMIN,
    ).json()
    assert [c["outcome"] for c in cycles] == ["completed", "completed"]


def test_bad_questions_are_4xx(client: TestClient, session: Session) -> None:
    base = "/api/v1/presence"
    for path, params in (
        (f"{base}/zones/1/muster", {"at": "2026-11-23T10:00:00"}),
        (f"{base}/zones/0/muster", {}),
        (f"{base}/zones/1/occupancy", {"day": "yesterday"}),
        (f"{base}/people/1", {"since": at(10).isoformat(), "until": at(9).isoformat()}),
        (f"{base}/people/1", {"since": at(10).isoformat()}),
        (f"{base}/passages", {"status": "maybe"}),
        (f"{base}/passages", {"limit": 5000}),
    ):
        assert client.get(path, params=params, headers=ADMIN).status_code == 422, (path, params)
    edge = client.get(
        f"{base}/zones/999999/muster", params={"at": "9999-12-31T23:59:59Z"}, headers=ADMIN
    )
    assert edge.status_code == 404
    missing = client.get(f"{base}/zones/999999/muster", headers=ADMIN)
    assert missing.status_code == 404
    assert client.get(f"{base}/passages").status_code == 401


def test_the_muster_says_how_many_events_are_not_projected_yet(
    client: TestClient, session: Session, settings: Settings
) -> None:
    site = build_site(session)
    _, badge = holder(session)
    day = Script(site)
    day.walk_in(badge, at(7))  # swipe, opening, closing at each door on the way
    day.post_all(session, settings)
    hall = site.zones["hall"].id
    url = f"/api/v1/presence/zones/{hall}/muster"
    asked = {"at": at(8).isoformat()}
    before = client.get(url, params=asked, headers=ADMIN).json()
    assert (before["count"], before["pending_events"]) == (0, len(day.events))
    while projector.run_once(session, settings=settings, now=at(8)):
        pass
    after = client.get(url, params=asked, headers=ADMIN).json()
    assert (after["count"], after["pending_events"]) == (1, 0)
