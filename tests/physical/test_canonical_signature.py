"""The readers' signature shape, read directly, gets the library's verdict on every request.

app/physical/canonical_signature.py reads the one shape readers send without the general
Structured Fields parser. These tests sign requests with the library, alter them in
every way hypothesis finds, and check that the direct reading and the library accept
and refuse the same requests, with the same reader and signing time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import orjson
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from starlette.requests import Request

from app.errors import Unauthenticated
from app.physical import canonical_signature
from app.physical.devices import ReaderIdentity
from app.physical.signatures import _ReaderKeys, _verify, _verify_with_library
from tests.physical.signing import signed_headers

PATH = "/api/v1/ingest/event"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
KEY = Ed25519PrivateKey.generate()
OTHER_KEY = Ed25519PrivateKey.generate()
READER = ReaderIdentity(
    id=7,
    code="R-ADM-1.in",
    enabled=True,
    public_key=KEY.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    ),
    door_id=3,
    door_code="D-ADM",
    zone_id=2,
    from_zone_id=1,
    to_zone_id=2,
)
BODY = orjson.dumps({"kind": "swipe", "seq": 1, "occurred_at": "2026-11-24T12:00:00Z"})


@dataclass
class Sent:
    """A request as it reaches the server: method, raw path, query, header lines, body."""

    method: str
    path: bytes
    query: bytes
    headers: list[tuple[str, str]]
    body: bytes

    def request(self) -> Request:
        return Request(
            {
                "type": "http",
                "method": self.method,
                "path": self.path.decode("latin-1"),
                "raw_path": self.path,
                "query_string": self.query,
                "headers": [(n.encode(), v.encode("latin-1")) for n, v in self.headers],
                "scheme": "http",
                "server": ("testserver", 80),
            }
        )


def signed(*, key: Ed25519PrivateKey = KEY, created: datetime = NOW, **options: object) -> Sent:
    headers = signed_headers(
        key=key, key_id=READER.code, path=PATH, body=BODY, created=created, **options
    )
    lines = [("host", "testserver"), *headers.items()]
    return Sent(method="POST", path=PATH.encode(), query=b"", headers=lines, body=BODY)


def verdict(check: object, sent: Sent) -> tuple[object, ...]:
    keys = _ReaderKeys(lambda code: READER if code == READER.code else None)
    try:
        reader, created = check(sent.request(), sent.body, keys=keys, now=NOW, max_age_s=300)  # type: ignore[operator]
    except Unauthenticated:
        return ("refused",)
    return ("accepted", reader.code, created)


def direct(sent: Sent) -> bool:
    """Whether the request takes the direct reading (else the library is the only judge)."""
    request = sent.request()
    return canonical_signature.read(sent.method, sent.path, sent.query, request.headers) is not None


def test_a_reader_signed_request_is_read_directly_and_accepted_by_both() -> None:
    sent = signed()
    assert direct(sent)
    assert verdict(_verify, sent) == verdict(_verify_with_library, sent)
    assert verdict(_verify, sent) == ("accepted", READER.code, NOW)


def test_refusals_of_the_direct_reading_name_their_cause() -> None:
    cases = {
        "stale signature": signed(created=NOW - timedelta(seconds=301)),
        "does not verify": signed(key=OTHER_KEY),
    }
    for words, sent in cases.items():
        assert direct(sent)
        keys = _ReaderKeys(lambda code: READER)
        try:
            _verify(sent.request(), sent.body, keys=keys, now=NOW, max_age_s=300)
        except Unauthenticated as exc:
            assert words in str(exc)
        else:
            raise AssertionError(f"accepted: {words}")


# Alterations of a signed request: (header to edit or None for the rest, how).
PRINTABLE = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
HEADERS = ("signature-input", "signature", "content-digest", "host")


def _edit(value: str, data: st.DataObject) -> str:
    how = data.draw(st.sampled_from(("replace", "insert", "delete", "space", "case", "swap")))
    where = data.draw(st.integers(0, max(0, len(value) - 1)))
    if how == "replace":
        return value[:where] + data.draw(PRINTABLE) + value[where + 1 :]
    if how == "insert":
        return value[:where] + data.draw(st.text(PRINTABLE, min_size=1, max_size=4)) + value[where:]
    if how == "delete":
        return value[:where] + value[where + 1 :]
    if how == "space":
        return (
            data.draw(st.sampled_from((" ", "\t", "")))
            + value
            + data.draw(st.sampled_from((" ", "")))
        )
    if how == "case":
        return value.upper() if data.draw(st.booleans()) else value.swapcase()
    other = data.draw(st.integers(0, max(0, len(value) - 1)))  # swap two characters
    chars = list(value)
    chars[where], chars[other] = chars[other], chars[where]
    return "".join(chars)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_direct_reading_and_the_library_agree_on_altered_requests(data: st.DataObject) -> None:
    sent = signed(
        created=NOW + timedelta(seconds=data.draw(st.sampled_from((0, -299, 299, -301, 301))))
    )
    for _ in range(data.draw(st.integers(1, 3))):
        target = data.draw(
            st.sampled_from((*HEADERS, "duplicate", "method", "path", "query", "body"))
        )
        if target in HEADERS:
            sent.headers = [
                (name, _edit(value, data) if name == target else value)
                for name, value in sent.headers
            ]
        elif target == "duplicate":
            name, value = data.draw(st.sampled_from(sent.headers))
            sent.headers.append((name, value))
        elif target == "method":
            sent.method = data.draw(st.sampled_from(("PUT", "post", "GET", "POST ")))
        elif target == "path":
            sent.path = _edit(sent.path.decode(), data).encode()
        elif target == "query":
            sent.query = data.draw(st.sampled_from((b"a=1", b"", b"x")))
        else:
            sent.body = _edit(sent.body.decode(), data).encode()
    outcome = verdict(_verify, sent)
    event(f"{'direct' if direct(sent) else 'library'}, {outcome[0]}")
    assert outcome == verdict(_verify_with_library, sent)
