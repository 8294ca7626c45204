"""The ledger API: checkpoints, proofs that verify, entries, and clear refusals."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.auth.policy import Policy
from app.auth.principal import Role
from app.config import Settings
from app.db import make_engine, session_factory
from app.ledger import merkle
from app.ledger.note import Verifier, open_checkpoint
from app.ledger.router import router
from app.main import create_app
from tests.conftest import ADMIN, ADMIN_TOKEN
from tests.databases import migrated_database
from tests.ledger.factories import append_facts


def _b64(value: str) -> bytes:
    return base64.b64decode(value)


def _verifier(client: TestClient) -> Verifier:
    answer = client.get("/api/v1/ledger/public-key", headers=ADMIN)
    assert answer.status_code == 200
    return Verifier.parse(answer.json()["verifier_key"])


def test_checkpoint_on_demand_is_signed_and_served(client: TestClient, session: Session) -> None:
    append_facts(session, 21)
    made = client.post("/api/v1/ledger/checkpoints", headers=ADMIN)
    assert made.status_code == 201
    body = made.json()
    assert body["size"] == 21
    checkpoint = open_checkpoint(body["note"], _verifier(client))
    assert checkpoint.size == 21 and checkpoint.root_hash == _b64(body["root_hash"])

    again = client.post("/api/v1/ledger/checkpoints", headers=ADMIN)
    assert again.status_code == 200 and again.json() == body
    assert client.get("/api/v1/ledger/checkpoints/latest", headers=ADMIN).json() == body
    assert client.get("/api/v1/ledger/checkpoints/21", headers=ADMIN).json() == body


def test_inclusion_proof_by_index_and_by_leaf_hash(client: TestClient, session: Session) -> None:
    facts = append_facts(session, 40)
    client.post("/api/v1/ledger/checkpoints", headers=ADMIN)
    by_index = client.get("/api/v1/ledger/proofs/inclusion?index=17", headers=ADMIN).json()
    assert by_index["tree_size"] == 40 and by_index["checkpoint"]
    leaf = _b64(by_index["leaf_hash"])
    assert leaf == facts[17].leaf_hash == merkle.leaf_hash(_b64(by_index["entry"]))
    proof = [_b64(p) for p in by_index["proof"]]
    merkle.verify_inclusion(17, 40, leaf, proof, _b64(by_index["root_hash"]))

    by_hex = client.get(
        f"/api/v1/ledger/proofs/inclusion?leaf_hash={leaf.hex()}&size=30", headers=ADMIN
    ).json()
    assert by_hex["index"] == 17 and by_hex["tree_size"] == 30 and by_hex["checkpoint"] is None
    by_b64 = client.get(
        "/api/v1/ledger/proofs/inclusion",
        params={"leaf_hash": base64.b64encode(leaf).decode(), "size": 30},
        headers=ADMIN,
    )
    assert by_b64.json() == by_hex


def test_consistency_proof_between_two_sizes(client: TestClient, session: Session) -> None:
    append_facts(session, 20)
    client.post("/api/v1/ledger/checkpoints", headers=ADMIN)
    append_facts(session, 15)
    client.post("/api/v1/ledger/checkpoints", headers=ADMIN)
    body = client.get("/api/v1/ledger/proofs/consistency?first=20", headers=ADMIN).json()
    assert (body["first"], body["second"]) == (20, 35)
    assert body["first_checkpoint"] and body["second_checkpoint"]
    merkle.verify_consistency(
        20,
        35,
        _b64(body["first_root"]),
        _b64(body["second_root"]),
        [_b64(p) for p in body["proof"]],
    )


def test_entries_of_a_range(client: TestClient, session: Session) -> None:
    facts = append_facts(session, 12)
    body = client.get("/api/v1/ledger/entries?start=3&end=7", headers=ADMIN).json()
    assert [e["index"] for e in body["entries"]] == [3, 4, 5, 6]
    for e in body["entries"]:
        assert merkle.leaf_hash(_b64(e["entry"])) == _b64(e["leaf_hash"])
        assert _b64(e["leaf_hash"]) == facts[e["index"]].leaf_hash


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/proofs/inclusion?index=3", 404, "no checkpoint yet"),
        ("/proofs/inclusion?index=3&size=11", 422, "larger than the log"),
        ("/proofs/inclusion?index=10&size=10", 422, "not in the tree of size 10"),
        ("/proofs/inclusion?size=5", 422, "either an index or a leaf hash"),
        (f"/proofs/inclusion?index=1&leaf_hash={'ab' * 32}&size=5", 422, "either"),
        ("/proofs/inclusion?leaf_hash=zz&size=5", 422, "64 hex digits"),
        (f"/proofs/inclusion?leaf_hash={'ab' * 32}&size=5", 404, "no fact with that leaf"),
        ("/proofs/inclusion?index=-1&size=5", 422, ""),
        ("/proofs/inclusion?index=99999999999999999999&size=5", 422, ""),
        ("/proofs/consistency?first=6&second=5", 422, "larger than second"),
        ("/proofs/consistency?first=1&second=50", 422, "larger than the log"),
        ("/entries?start=5&end=5", 422, "greater than start"),
        ("/entries?start=0&end=1001", 422, "at most 1000"),
        ("/entries?start=0&end=11", 422, "beyond the log"),
        ("/checkpoints/7", 404, "no checkpoint at size 7"),
        ("/checkpoints/latest", 404, "no checkpoint yet"),
        ("/checkpoints/-1", 422, ""),
    ],
)
def test_bad_requests_are_refused_clearly(
    client: TestClient, session: Session, url: str, status: int, message: str
) -> None:
    append_facts(session, 10)
    answer = client.get(f"/api/v1/ledger{url}", headers=ADMIN)
    assert answer.status_code == status
    assert message in str(answer.json()["detail"])


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", "/checkpoints/latest"),
        ("POST", "/checkpoints"),
        ("GET", "/proofs/inclusion?index=0"),
        ("GET", "/public-key"),
        ("GET", "/entries?start=0&end=1"),
    ],
)
def test_every_endpoint_needs_credentials(client: TestClient, method: str, url: str) -> None:
    assert client.request(method, f"/api/v1/ledger{url}").status_code == 401


def test_auditors_and_security_read_and_only_admins_sign() -> None:
    readers = {Role.admin, Role.security, Role.auditor}
    seen = {}
    for route in router.routes:
        if isinstance(route, APIRoute):
            policies = [
                d.call for d in route.dependant.dependencies if isinstance(d.call, Policy)
            ] + [
                sub.call
                for d in route.dependant.dependencies
                for sub in d.dependencies
                if isinstance(sub.call, Policy)
            ]
            seen[(route.path, *sorted(route.methods))] = {r for p in policies for r in p.roles}
    assert seen.pop(("/api/v1/ledger/checkpoints", "POST")) == {Role.admin}
    assert seen and all(roles == readers for roles in seen.values())


def test_reads_on_a_committing_database_outside_transactions(backend: str, tmp_path: Path) -> None:
    with migrated_database(backend, tmp_path) as url:
        engine = make_engine(url)
        try:
            with session_factory(engine).begin() as session:
                append_facts(session, 70)
            settings = Settings(
                var_dir=tmp_path / "var",
                database_url=url,
                admin_token=ADMIN_TOKEN,
                checkpoint_interval_s=0,
            )
            with TestClient(create_app(settings)) as client:
                assert client.post("/api/v1/ledger/checkpoints", headers=ADMIN).status_code == 201
                proof = client.get("/api/v1/ledger/proofs/inclusion?index=33", headers=ADMIN)
                body = proof.json()
                merkle.verify_inclusion(
                    33,
                    70,
                    _b64(body["leaf_hash"]),
                    [_b64(p) for p in body["proof"]],
                    _b64(body["root_hash"]),
                )
                later = client.get("/api/v1/ledger/proofs/consistency?first=40", headers=ADMIN)
                assert later.json()["second"] == 70
                rows = client.get("/api/v1/ledger/entries?start=60&end=70", headers=ADMIN)
                assert len(rows.json()["entries"]) == 10
        finally:
            engine.dispose()
