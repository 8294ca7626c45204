"""Signed snapshots: content, signature, version, and the reader's checks of them."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.topology.models import Zone
from badge_readers.offline import SnapshotError, verify_snapshot
from tests.access.factories import SNAPSHOT, fetch_snapshot, grant, make_reader_into, make_room
from tests.physical.factories import TestReader, make_badge, make_person
from tests.physical.signing import signed_headers

NIGHT = [{"days": [4], "start": "22:00", "end": "06:00"}]


@pytest.fixture
def room(session: Session) -> tuple[Zone, Zone]:
    """A corridor and the room behind it, in a New York site."""
    return make_room(session, timezone="America/New_York")


@pytest.fixture
def reader(session: Session, room: tuple[Zone, Zone]) -> TestReader:
    """The "in" reader of the room's door."""
    return make_reader_into(session, room[1], outer=room[0])


def public_key(app: FastAPI) -> bytes:
    """The raw key a reader is given at enrolment: the ledger's."""
    key: bytes = app.state.ledger_signer.verifier.public_key
    return key


def envelope(client: TestClient, reader: TestReader) -> dict[str, Any]:
    response = fetch_snapshot(client, reader)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_the_snapshot_lists_what_the_reader_needs(
    client: TestClient, app: FastAPI, session: Session, room: tuple[Zone, Zone], reader: TestReader
) -> None:
    person = make_person(session)
    until = datetime(2030, 1, 1, tzinfo=UTC)
    badge = make_badge(session, person=person, valid_until=until)
    grant(session, room[1], person=person, schedule=NIGHT, escort=True)
    make_badge(session, person=person, status="lost")
    ended = make_person(session)
    make_badge(session, person=ended)
    grant(session, room[1], person=ended, valid_until=datetime(2020, 1, 1, tzinfo=UTC))
    signed = envelope(client, reader)
    document = verify_snapshot(signed, public_key(app))
    assert document["reader"] == reader.code
    assert document["door"] == reader.door.code
    assert (document["zone"], document["direction"]) == (room[1].code, "in")
    assert document["timezone"] == "America/New_York"
    assert document["badges"] == [
        {
            "uid": badge.uid,
            "person": person.code,
            "person_active": True,
            "valid_from": None,
            "valid_until": "2030-01-01T00:00:00.000000Z",
            "rights": [
                {
                    "valid_from": None,
                    "valid_until": None,
                    "schedule": NIGHT,
                    "escort_required": True,
                }
            ],
        }
    ]
    assert "lost" in document["revoked"].values()
    assert signed["key_id"] == app.state.ledger_signer.verifier.key_id.hex()
    assert base64.b64decode(signed["public_key"]) == public_key(app)


def test_the_version_names_the_content_not_the_moment(
    client: TestClient, session: Session, room: tuple[Zone, Zone], reader: TestReader
) -> None:
    first = envelope(client, reader)["snapshot"]
    assert envelope(client, reader)["snapshot"]["version"] == first["version"]
    person = make_person(session)
    make_badge(session, person=person)
    grant(session, room[1], person=person)
    assert envelope(client, reader)["snapshot"]["version"] != first["version"]


@pytest.mark.parametrize(
    "tamper",
    [
        lambda s: s["snapshot"]["badges"].append({"uid": "ROGUE"}),
        lambda s: s["snapshot"].update(timezone="UTC"),
        lambda s: s["snapshot"]["revoked"].clear(),
        lambda s: s.update(signature=base64.b64encode(b"\0" * 64).decode()),
        lambda s: s.update(signature="not base64!"),
        lambda s: s.pop("snapshot"),
    ],
)
def test_an_altered_snapshot_fails_verification(
    client: TestClient,
    app: FastAPI,
    session: Session,
    room: tuple[Zone, Zone],
    reader: TestReader,
    tamper: Any,
) -> None:
    person = make_person(session)
    make_badge(session, person=person)
    make_badge(session, status="revoked")
    grant(session, room[1], person=person)
    signed = envelope(client, reader)
    verify_snapshot(signed, public_key(app))
    tamper(signed)
    with pytest.raises(SnapshotError):
        verify_snapshot(signed, public_key(app))


def test_another_key_or_a_resigned_wrong_version_is_refused(
    client: TestClient, reader: TestReader
) -> None:
    signed = envelope(client, reader)
    other = Ed25519PrivateKey.generate()
    raw = other.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    with pytest.raises(SnapshotError, match="does not verify"):
        verify_snapshot(signed, raw)
    signed["snapshot"]["version"] = "0" * 64
    body = orjson.dumps(signed["snapshot"], option=orjson.OPT_SORT_KEYS)
    signed["signature"] = base64.b64encode(other.sign(body)).decode()
    with pytest.raises(SnapshotError, match="version"):
        verify_snapshot(signed, raw)


def test_identity_and_door_checks(
    client: TestClient, session: Session, room: tuple[Zone, Zone], reader: TestReader
) -> None:
    assert client.get(SNAPSHOT).status_code == 401
    as_post = signed_headers(key=reader.key, key_id=reader.code, path=SNAPSHOT, body=b"")
    assert client.get(SNAPSHOT, headers=as_post).status_code == 401
    other = make_reader_into(session, room[1], outer=room[0])
    assert fetch_snapshot(client, reader, f"?door={other.door.code}").status_code == 403
    assert fetch_snapshot(client, reader, f"?door={reader.door.code}").status_code == 200


def test_signature_window_applies(client: TestClient, reader: TestReader) -> None:
    stale = datetime.now(UTC) - timedelta(hours=1)
    headers = signed_headers(
        key=reader.key, key_id=reader.code, path=SNAPSHOT, body=b"", method="GET", created=stale
    )
    response = client.get(SNAPSHOT, headers=headers)
    assert response.status_code == 401
    assert "stale" in response.json()["detail"]


@pytest.mark.parametrize(
    ("mode", "offline"), [("off", "off"), ("alert", "alert"), ("deny", "alert")]
)
def test_the_snapshot_says_anti_passback_is_only_alerted_offline(
    client: TestClient,
    app: FastAPI,
    session: Session,
    room: tuple[Zone, Zone],
    reader: TestReader,
    mode: str,
    offline: str,
) -> None:
    room[1].anti_passback = mode
    session.flush()
    document = verify_snapshot(envelope(client, reader), public_key(app))
    assert document["anti_passback"] == {"mode": mode, "offline": offline}
