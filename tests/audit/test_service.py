"""Every read of evidence is one evidence.viewed fact: who, what, when, from where."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.auth.principal import Role
from app.ledger import service as ledger
from app.topology.models import Door
from tests.audit.factories import EVENTS, READS, reads, signed_in, swipes
from tests.conftest import ADMIN


def test_a_listing_of_events_is_one_fact_with_who_what_and_from_where(
    client: TestClient, session: Session
) -> None:
    stored = swipes(session, 3)
    door = session.get_one(Door, stored[0].door_id)
    account, headers = signed_in(client, session, Role.security)
    size = ledger.size(session)
    answer = client.get(
        EVENTS,
        params={"door": door.code, "limit": 2},
        headers=headers | {"User-Agent": "soc-console/2.1"},
    )
    assert answer.status_code == 200
    items = answer.json()["items"]

    assert ledger.size(session) == size + 1
    fact = reads(session)[-1]
    assert fact["index"] == size
    assert fact["actor"] == {"kind": "user", "subject": account.username, "role": "security"}
    recorded = datetime.fromisoformat(fact["recorded_at"])
    assert abs(recorded - datetime.now(UTC)) < timedelta(minutes=1)
    assert fact["body"] == {
        "resource": "physical_event",
        "query": {"door": door.code, "limit": 2, "order": "desc"},
        "count": 2,
        "indexes": [item["index"] for item in items],
        "client": {"address": "testclient", "user_agent": "soc-console/2.1"},
    }
    assert [item["index"] for item in items] == [e.ledger_index for e in reversed(stored[1:])]


def test_an_empty_answer_is_a_read_too(client: TestClient, session: Session) -> None:
    answer = client.get(EVENTS, params={"badge": "UID:NOBODY"}, headers=ADMIN)
    assert answer.status_code == 200 and answer.json()["items"] == []
    [fact] = reads(session)
    assert fact["actor"] == {"kind": "admin_token", "subject": "admin-token", "role": "admin"}
    assert fact["body"]["query"] == {"badge": "UID:NOBODY", "limit": 100, "order": "desc"}
    assert (fact["body"]["count"], fact["body"]["indexes"]) == (0, [])


def test_a_tenant_auditors_reads_are_recorded_with_its_tenant(
    client: TestClient, session: Session
) -> None:
    account, headers = signed_in(client, session, Role.tenant_auditor)
    assert client.get(EVENTS, headers=headers).status_code == 200
    [fact] = reads(session)
    assert fact["actor"] == {
        "kind": "user",
        "subject": account.username,
        "role": "tenant_auditor",
        "tenant_id": account.tenant_id,
    }


def test_refused_listings_record_nothing(client: TestClient, session: Session) -> None:
    _, headers = signed_in(client, session, Role.auditor)
    assert client.get(EVENTS, params={"limit": 0}, headers=headers).status_code == 422
    assert client.get(EVENTS, params={"cursor": "garbage"}, headers=headers).status_code == 422
    assert client.get(EVENTS).status_code == 401
    assert reads(session) == []


def test_a_long_user_agent_is_cut_before_it_enters_the_ledger(
    client: TestClient, session: Session
) -> None:
    client.get(EVENTS, headers=ADMIN | {"User-Agent": "x" * 5000})
    [fact] = reads(session)
    assert fact["body"]["client"]["user_agent"] == "x" * 256


def test_the_list_of_reads_shows_the_fact_and_is_recorded_itself(
    client: TestClient, session: Session
) -> None:
    account, headers = signed_in(client, session, Role.auditor)
    client.get(EVENTS, params={"kind": "swipe"}, headers=headers)
    [listed] = client.get(READS, headers=ADMIN).json()["items"]
    [fact, own] = reads(session)
    assert listed == {
        "index": fact["index"],
        "recorded_at": listed["recorded_at"],
        "actor": fact["actor"],
        "resource": "physical_event",
        "query": {"kind": "swipe", "limit": 100, "order": "desc"},
        "count": 0,
        "indexes": [],
        "client_address": "testclient",
        "user_agent": "testclient",
    }
    assert datetime.fromisoformat(listed["recorded_at"]) == datetime.fromisoformat(
        fact["recorded_at"]
    )
    assert own["actor"]["subject"] == "admin-token"
    assert own["body"]["resource"] == "evidence_read"
    assert own["body"]["indexes"] == [fact["index"]]
    assert fact["actor"]["subject"] == account.username
