"""GET /api/v1/audit/reads: who may list the reads, filters, pages, bad parameters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.auth.principal import Role
from tests.audit.factories import EVENTS, READS, reads, signed_in
from tests.conftest import ADMIN


def listed(client: TestClient, **params: Any) -> dict[str, Any]:
    answer = client.get(READS, params=params, headers=ADMIN)
    assert answer.status_code == 200, answer.text
    page: dict[str, Any] = answer.json()
    return page


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.admin, 200),
        (Role.security, 200),
        (Role.auditor, 200),
        (Role.tenant_auditor, 403),
    ],
)
def test_who_may_list_the_reads(
    client: TestClient, session: Session, role: Role, status: int
) -> None:
    _, headers = signed_in(client, session, role)
    assert client.get(READS, headers=headers).status_code == status
    assert client.get(READS).status_code == 401
    assert client.get(READS, headers={"Authorization": "Bearer nope"}).status_code == 401
    # A refused listing is no read: nothing was shown.
    assert len(reads(session)) == (1 if status == 200 else 0)


def test_filters_by_actor_resource_and_time(client: TestClient, session: Session) -> None:
    alice, alice_headers = signed_in(client, session, Role.security)
    bob, bob_headers = signed_in(client, session, Role.auditor)
    for headers in (alice_headers, bob_headers, alice_headers):
        assert client.get(EVENTS, headers=headers).status_code == 200
    everything = listed(client, resource="physical_event")["items"]
    assert [item["actor"]["subject"] for item in everything] == [
        alice.username,
        bob.username,
        alice.username,
    ]
    by_alice = listed(client, actor=alice.username)["items"]
    assert [item["index"] for item in by_alice] == [everything[0]["index"], everything[2]["index"]]
    assert listed(client, actor="nobody")["items"] == []

    now = datetime.now(UTC)
    assert len(listed(client, resource="physical_event", since=now.isoformat())["items"]) == 0
    past = (now - timedelta(minutes=5)).isoformat()
    assert len(listed(client, resource="physical_event", since=past)["items"]) == 3
    assert listed(client, resource="physical_event", until=past)["items"] == []
    # The listings above were reads too: evidence_read names them.
    assert len(listed(client, resource="evidence_read")["items"]) == 6


def test_pages_cover_every_read_once_newest_first(client: TestClient, session: Session) -> None:
    for _ in range(5):
        client.get(EVENTS, headers=ADMIN)
    seen: list[int] = []
    before = None
    while True:
        params = {"resource": "physical_event", "limit": 2}
        page = listed(client, **params, **({"before": before} if before is not None else {}))
        seen += [item["index"] for item in page["items"]]
        before = page["next_before"]
        if before is None:
            break
    assert seen == sorted(seen, reverse=True)
    assert len(set(seen)) == 5


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 1001},
        {"before": -1},
        {"before": 2**63},
        {"since": "2026-11-24T08:00:00"},
        {"since": "2026-11-24T10:00:00Z", "until": "2026-11-24T09:00:00Z"},
        {"actor": ""},
        {"resource": "x" * 65},
        {"colour": "blue"},
    ],
)
def test_bad_parameters_are_invalid(
    client: TestClient, session: Session, params: dict[str, Any]
) -> None:
    assert client.get(READS, params=params, headers=ADMIN).status_code == 422
    assert reads(session) == []
