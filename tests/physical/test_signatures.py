"""Device signatures: only a known reader's fresh signature over method, path and digest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.ledger import service as ledger
from app.physical.models import PhysicalEvent
from tests.physical.factories import TestReader, make_reader, swipe
from tests.physical.signing import post_signed, signed_headers

EVENT = "/api/v1/ingest/event"
BATCH = "/api/v1/ingest/batch"


def stored(session: Session) -> tuple[int, int]:
    """(physical rows, ledger facts): what a refused request must leave unchanged."""
    rows = session.scalar(select(func.count()).select_from(PhysicalEvent))
    return int(rows or 0), ledger.size(session)


def headers_for(reader: TestReader, body: bytes, **options: Any) -> dict[str, str]:
    return signed_headers(key=reader.key, key_id=reader.code, path=EVENT, body=body, **options)


def assert_refused(response: Response, session: Session, words: str) -> None:
    assert response.status_code == 401, response.text
    body = response.json()
    assert body["code"] == "unauthenticated"
    assert words in body["detail"]
    assert stored(session) == (0, 0)


def test_a_signed_event_is_accepted(client: TestClient, session: Session) -> None:
    reader = make_reader(session)
    response = reader.post(client, EVENT, swipe(1))
    assert response.status_code == 201, response.text
    assert stored(session) == (1, 1)


def test_missing_signature_is_refused(client: TestClient, session: Session) -> None:
    response = client.post(EVENT, content=orjson.dumps(swipe(1)))
    assert_refused(response, session, "Signature-Input")


def test_unknown_reader_is_refused(client: TestClient, session: Session) -> None:
    body = orjson.dumps(swipe(1))
    headers = signed_headers(
        key=Ed25519PrivateKey.generate(), key_id="no-such-reader", path=EVENT, body=body
    )
    assert_refused(client.post(EVENT, content=body, headers=headers), session, "unknown reader")


def test_disabled_reader_is_refused(client: TestClient, session: Session) -> None:
    reader = make_reader(session, enabled=False)
    assert_refused(reader.post(client, EVENT, swipe(1)), session, "disabled")


def test_reader_without_key_is_refused(client: TestClient, session: Session) -> None:
    reader = make_reader(session)
    reader.row.public_key = None
    session.flush()
    assert_refused(reader.post(client, EVENT, swipe(1)), session, "no registered key")


def test_signature_by_another_key_is_refused(client: TestClient, session: Session) -> None:
    reader = make_reader(session)
    body = orjson.dumps(swipe(1))
    headers = signed_headers(
        key=Ed25519PrivateKey.generate(), key_id=reader.code, path=EVENT, body=body
    )
    assert_refused(client.post(EVENT, content=body, headers=headers), session, "does not verify")


def test_body_altered_after_signing_is_refused(client: TestClient, session: Session) -> None:
    reader = make_reader(session)
    body = orjson.dumps(swipe(1, "UID:1"))
    headers = headers_for(reader, body)
    altered = body.replace(b"UID:1", b"UID:2")
    assert_refused(client.post(EVENT, content=altered, headers=headers), session, "Content-Digest")


def test_digest_recomputed_for_an_altered_body_is_refused(
    client: TestClient, session: Session
) -> None:
    reader = make_reader(session)
    body = orjson.dumps(swipe(1, "UID:1"))
    altered = body.replace(b"UID:1", b"UID:2")
    headers = headers_for(reader, body)
    headers["content-digest"] = headers_for(reader, altered)["content-digest"]
    response = client.post(EVENT, content=altered, headers=headers)
    assert_refused(response, session, "does not verify")


def test_signature_not_covering_the_digest_is_refused(client: TestClient, session: Session) -> None:
    reader = make_reader(session)
    body = orjson.dumps(swipe(1))
    headers = headers_for(reader, body, covered=("@method", "@path"), digest=False)
    assert_refused(client.post(EVENT, content=body, headers=headers), session, "content-digest")


def test_digest_present_but_not_signed_is_refused(client: TestClient, session: Session) -> None:
    reader = make_reader(session)
    body = orjson.dumps(swipe(1))
    headers = headers_for(reader, body, covered=("@method", "@path"), digest=False)
    headers["content-digest"] = headers_for(reader, body)["content-digest"]
    assert_refused(client.post(EVENT, content=body, headers=headers), session, "content-digest")


def test_signature_for_another_path_is_refused(client: TestClient, session: Session) -> None:
    reader = make_reader(session)
    body = orjson.dumps({"events": [swipe(1)]})
    headers = headers_for(reader, body)  # signed for /ingest/event
    assert_refused(client.post(BATCH, content=body, headers=headers), session, "does not verify")


# Ten seconds past the 300 s window: `created` is whole seconds, so a margin keeps the
# test independent of when the clock ticks during the request.
@pytest.mark.parametrize("offset_s", [-310, 310], ids=["stale", "future"])
def test_created_outside_the_window_is_refused(
    client: TestClient, session: Session, offset_s: int
) -> None:
    reader = make_reader(session)
    created = datetime.now(UTC) + timedelta(seconds=offset_s)
    response = reader.post(client, EVENT, swipe(1), created=created)
    assert_refused(response, session, "stale signature")


def test_created_inside_the_window_is_accepted(client: TestClient, session: Session) -> None:
    reader = make_reader(session)
    created = datetime.now(UTC) + timedelta(seconds=250)
    assert reader.post(client, EVENT, swipe(1), created=created).status_code == 201


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("signature", "sig1=:!!not base64!!:"),
        ("signature", "sig1=:AAAA:"),
        ("signature", "sig1=12"),
        ("signature-input", "sig1=(((garbage"),
        ("signature-input", 'sig1=("@method" "@path" "content-digest");created="soon"'),
        ("signature-input", 'sig1=("@method" "@path" "content-digest");created=1'),
        ("signature-input", 'sig1=("@method" "@path" "content-digest");created=99999999999999'),
        ("signature-input", 'other=("@method" "@path" "content-digest")'),
        ("signature-input", 'sig1="@method"'),
        ("content-digest", "sha-256=not-a-byte-sequence"),
        ("content-digest", "md5=:AAAA:"),
        ("content-digest", "sha-256=:AAAA:"),
        ("content-digest", ""),
        ("host", "bad host name"),
    ],
)
def test_malformed_signature_headers_are_refused(
    client: TestClient, session: Session, name: str, value: str
) -> None:
    reader = make_reader(session)
    body = orjson.dumps(swipe(1))
    headers = headers_for(reader, body)
    headers[name] = value
    assert_refused(client.post(EVENT, content=body, headers=headers), session, "refused")


def test_wrong_algorithm_and_missing_keyid_are_refused(
    client: TestClient, session: Session
) -> None:
    reader = make_reader(session)
    body = orjson.dumps(swipe(1))
    headers = headers_for(reader, body)
    for replaced in (
        headers["signature-input"].replace('alg="ed25519"', 'alg="rsa-pss-sha512"'),
        headers["signature-input"].replace(f';keyid="{reader.code}"', ""),
    ):
        response = client.post(
            EVENT, content=body, headers={**headers, "signature-input": replaced}
        )
        assert_refused(response, session, "signature refused")


def test_non_latin1_header_bytes_are_refused(client: TestClient, session: Session) -> None:
    reader = make_reader(session)
    body = orjson.dumps(swipe(1))
    headers = {**headers_for(reader, body), "signature": "sig1=:\u00e9\u00e9:"}
    encoded = [(k.encode(), v.encode("utf-8")) for k, v in headers.items()]
    assert_refused(client.post(EVENT, content=body, headers=encoded), session, "refused")


def test_a_new_key_works_at_once_and_the_old_one_no_more(
    client: TestClient, session: Session
) -> None:
    reader = make_reader(session)
    assert reader.post(client, EVENT, swipe(1)).status_code == 201  # the worker keeps its key
    old = reader.key
    reader.key = Ed25519PrivateKey.generate()
    reader.row.public_key = reader.key.public_key().public_bytes_raw()
    session.flush()
    assert reader.post(client, EVENT, swipe(2)).status_code == 201
    response = post_signed(client, EVENT, swipe(3), key=old, key_id=reader.code)
    assert response.status_code == 401, response.text
    assert stored(session) == (2, 2)


def test_a_reader_disabled_after_its_key_was_kept_is_refused(
    client: TestClient, session: Session
) -> None:
    reader = make_reader(session)
    assert reader.post(client, EVENT, swipe(1)).status_code == 201
    reader.row.enabled = False
    session.flush()
    for seq in (2, 3):  # the kept key verifies, the locked row refuses; then refused at once
        response = reader.post(client, EVENT, swipe(seq))
        assert response.status_code == 401, response.text
        assert "disabled" in response.json()["detail"]
    assert stored(session) == (1, 1)
