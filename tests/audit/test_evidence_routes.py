"""Reads of presence, passages, airlock cycles, alerts and ledger entries are recorded.

Each read by each role appears in GET /api/v1/audit/reads with who read, what was asked,
how many items, the facts behind them, and from where; a refused read (401, 403, 404,
422) showed nothing and records nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.alerts.models import Alert
from app.auth.principal import Role
from app.config import Settings
from app.ledger.models import LedgerEntry
from tests.audit.factories import READS, reads, signed_in
from tests.auth import factories as f
from tests.conftest import ADMIN
from tests.presence.factories import Script, TestSite, at, build_site, holder, project_all

PRESENCE = "/api/v1/presence"
DAY = {"since": at(0).isoformat(), "until": at(24).isoformat()}
AGENT = {"User-Agent": "vigie-console/2.1"}


@dataclass
class Day:
    """A projected day at the test site, whose rack holds a server of `tenant`."""

    site: TestSite
    person: int
    alert: int
    tenant: str


@pytest.fixture
def day(session: Session, settings: Settings) -> Day:
    """Someone walks in, works at the rack, walks out; the rack door is forced at noon."""
    site = build_site(session)
    tenant = f.tenant(session)
    f.server(session, site.zones["rack"], tenant)
    person, badge = holder(session)
    script = Script(site)
    script.walk_in(badge, at(7))
    script.through("rack", "in", badge, at(9))
    script.door("rack-in", "forced", at(12))
    script.walk_out(badge, at(15))
    script.readers_alive(at(23))
    script.post_all(session, settings)
    project_all(session, settings)
    alert = session.scalars(select(Alert.id).where(Alert.kind == "door_forced")).one()
    session.commit()
    return Day(site=site, person=person.id, alert=alert, tenant=tenant.code)


@dataclass(frozen=True)
class Route:
    """A read of evidence: its path and parameters, what it records, how to count items."""

    resource: str
    path: Callable[[Day], str]
    params: dict[str, str]
    items: Callable[[Any], list[Any]]
    staff_only: bool = False


def _stays(answer: Any) -> list[Any]:
    return list(answer.get("people", answer.get("stays", [])))


ROUTES = {
    "muster": Route(
        "presence_muster",
        lambda d: f"{PRESENCE}/zones/{d.site.zones['hall'].id}/muster",
        {"at": at(12).isoformat()},
        _stays,
    ),
    "occupancy": Route(
        "presence_occupancy",
        lambda d: f"{PRESENCE}/zones/{d.site.zones['hall'].id}/occupancy",
        {"day": "2026-11-23"},
        lambda a: [h for h in a["hours"] if h["people"]],
    ),
    "whereabouts": Route(
        "presence_whereabouts", lambda d: f"{PRESENCE}/people/{d.person}", DAY, _stays
    ),
    "passages": Route("passage", lambda d: f"{PRESENCE}/passages", {}, lambda a: a["items"]),
    "cycles": Route(
        "airlock_cycle",
        lambda d: f"{PRESENCE}/airlocks/{d.site.airlock.id}/cycles",
        DAY,
        lambda a: list(a),
    ),
    "alerts": Route("alert", lambda d: "/api/v1/alerts", {}, lambda a: a["items"]),
    "alert": Route("alert", lambda d: f"/api/v1/alerts/{d.alert}", {}, lambda a: [a]),
    "entries": Route(
        "ledger_entry",
        lambda d: "/api/v1/ledger/entries",
        {"start": "0", "end": "5"},
        lambda a: a["entries"],
        staff_only=True,
    ),
    "inclusion": Route(
        "ledger_entry",
        lambda d: "/api/v1/ledger/proofs/inclusion",
        {"index": "2", "size": "5"},
        lambda a: [a],
        staff_only=True,
    ),
}


def latest_read(client: TestClient, resource: str) -> dict[str, Any]:
    """The newest recorded read of a resource, as the audit listing shows it."""
    page = client.get(READS, params={"resource": resource, "limit": 1}, headers=ADMIN).json()
    [item] = page["items"]
    return dict(item)


@pytest.mark.parametrize("name", list(ROUTES))
@pytest.mark.parametrize("role", [Role.admin, Role.security, Role.auditor, Role.tenant_auditor])
def test_each_read_by_each_role_is_listed_with_who_what_and_from_where(
    client: TestClient, session: Session, day: Day, role: Role, name: str
) -> None:
    route = ROUTES[name]
    options = {"tenant_code": day.tenant} if role is Role.tenant_auditor else {}
    account, headers = signed_in(client, session, role, **options)
    before = len(reads(session))
    answer = client.get(route.path(day), params=route.params, headers=headers | AGENT)
    if route.staff_only and role is Role.tenant_auditor:
        assert answer.status_code == 403
        assert len(reads(session)) == before
        return
    assert answer.status_code == 200, answer.text
    items = route.items(answer.json())
    assert items, "the day shows something to every role, the tenant's auditor included"
    assert len(reads(session)) == before + 1
    read = latest_read(client, route.resource)
    assert read["actor"]["subject"] == account.username
    assert read["actor"]["role"] == role.value
    assert ("tenant_id" in read["actor"]) == (role is Role.tenant_auditor)
    assert read["client_address"] == "testclient"
    assert read["user_agent"] == AGENT["User-Agent"]
    assert read["indexes"], "the facts behind what was shown"
    known = set(session.scalars(select(LedgerEntry.index)))
    assert set(read["indexes"]) <= known
    if name != "occupancy":  # occupancy counts the stays behind its 24 hours
        assert read["count"] == len(items)


def test_indexes_name_the_facts_behind_what_was_shown(
    client: TestClient, session: Session, day: Day
) -> None:
    passages = client.get(f"{PRESENCE}/passages", headers=ADMIN).json()["items"]
    shown = [i for p in passages for i in (p["swipe_index"], p["open_index"]) if i is not None]
    assert latest_read(client, "passage")["indexes"] == shown
    alert = client.get(f"/api/v1/alerts/{day.alert}", headers=ADMIN).json()
    assert latest_read(client, "alert")["indexes"] == alert["fact_indexes"]
    entries = client.get("/api/v1/ledger/entries", params={"start": 2, "end": 6}, headers=ADMIN)
    assert latest_read(client, "ledger_entry")["indexes"] == [2, 3, 4, 5]
    assert [e["index"] for e in entries.json()["entries"]] == [2, 3, 4, 5]
    proof = client.get(
        "/api/v1/ledger/proofs/inclusion", params={"index": 3, "size": 6}, headers=ADMIN
    )
    assert proof.json()["entry"] and latest_read(client, "ledger_entry")["indexes"] == [3]
    where = client.get(f"{PRESENCE}/people/{day.person}", params=DAY, headers=ADMIN).json()
    read = latest_read(client, "presence_whereabouts")
    assert read["query"]["person_id"] == day.person and set(read["query"]) == {
        "person_id",
        "since",
        "until",
    }
    # Every stay began with a passage: its swipe and opening are among the facts recorded.
    starts = {
        p["swipe_index"] for p in passages if p["passed_at"] in {s["start"] for s in where["stays"]}
    }
    assert starts and starts <= set(read["indexes"])
    assert set(read["indexes"]) <= set(shown)


REFUSED: list[tuple[str, dict[str, Any], dict[str, str] | None, int]] = [
    (f"{PRESENCE}/passages", {}, None, 401),
    (f"{PRESENCE}/zones/99999/muster", {}, ADMIN, 404),
    (f"{PRESENCE}/zones/99999/occupancy", {"day": "2026-11-23"}, ADMIN, 404),
    (f"{PRESENCE}/people/99999", DAY, ADMIN, 404),
    (f"{PRESENCE}/airlocks/99999/cycles", DAY, ADMIN, 404),
    ("/api/v1/alerts/99999", {}, ADMIN, 404),
    (f"{PRESENCE}/passages", {"status": "maybe"}, ADMIN, 422),
    (f"{PRESENCE}/people/1", {"since": at(10).isoformat()}, ADMIN, 422),
    ("/api/v1/alerts", {"limit": 0}, ADMIN, 422),
    ("/api/v1/alerts/stream", {}, {**ADMIN, "Last-Event-ID": "x"}, 422),
    ("/api/v1/ledger/entries", {"start": 5, "end": 2}, ADMIN, 422),
    ("/api/v1/ledger/entries", {"start": 0, "end": 10**9}, ADMIN, 422),
    ("/api/v1/ledger/entries", {"start": 0, "end": 2}, {"Authorization": "Bearer x"}, 401),
    ("/api/v1/ledger/proofs/inclusion", {"index": 10**9, "size": 5}, ADMIN, 422),
    ("/api/v1/ledger/proofs/inclusion", {"leaf_hash": "00" * 32, "size": 5}, ADMIN, 404),
    ("/api/v1/ledger/proofs/inclusion", {"index": 1, "leaf_hash": "00" * 32}, ADMIN, 422),
]


@pytest.mark.parametrize(("path", "params", "headers", "status"), REFUSED)
def test_a_refused_read_records_nothing(
    client: TestClient,
    session: Session,
    day: Day,
    path: str,
    params: dict[str, Any],
    headers: dict[str, str] | None,
    status: int,
) -> None:
    before = len(reads(session))
    answer = client.get(path, params=params, headers=headers or {})
    assert answer.status_code == status, answer.text
    assert len(reads(session)) == before


def test_out_of_scope_reads_by_a_tenant_auditor_record_nothing(
    client: TestClient, session: Session, day: Day
) -> None:
    _, headers = signed_in(client, session, Role.tenant_auditor)  # another tenant's
    for path, params in [
        (f"{PRESENCE}/zones/{day.site.zones['hall'].id}/muster", {}),
        (f"{PRESENCE}/people/{day.person}", DAY),
        (f"{PRESENCE}/airlocks/{day.site.airlock.id}/cycles", DAY),
        (f"/api/v1/alerts/{day.alert}", {}),
        ("/api/v1/ledger/entries", {"start": 0, "end": 2}),
    ]:
        before = len(reads(session))
        assert client.get(path, params=params, headers=headers).status_code in (403, 404)
        assert len(reads(session)) == before, path


def test_the_alert_stream_records_each_batch_it_sends_in_the_viewers_scope(
    client: TestClient, session: Session, day: Day
) -> None:
    _, headers = signed_in(client, session, Role.tenant_auditor, tenant_code=day.tenant)
    _, stranger = signed_in(client, session, Role.tenant_auditor)
    visible = client.get("/api/v1/alerts", headers=headers).json()["items"]
    everything = client.get("/api/v1/alerts", headers=ADMIN).json()["items"]
    assert 0 < len(visible) < len(everything)
    session.commit()
    before = len(reads(session))
    with client.stream(
        "GET", "/api/v1/alerts/stream", headers={**headers, "Last-Event-ID": "0"}
    ) as response:
        body = response.read().decode()
    sent = [int(line[4:]) for line in body.splitlines() if line.startswith("id: ")]
    assert sorted(sent) == sorted(a["id"] for a in visible)
    [read] = reads(session)[before:]
    assert read["body"]["resource"] == "alert" and read["body"]["count"] == len(sent)
    with client.stream(
        "GET", "/api/v1/alerts/stream", headers={**stranger, "Last-Event-ID": "0"}
    ) as response:
        assert "event: alert" not in response.read().decode()
    assert len(reads(session)) == before + 1  # nothing shown, nothing recorded
