"""Device authentication: RFC 9421 HTTP Message Signatures (Ed25519) over an RFC 9530 digest.

A reader signs `@method`, `@path` and `Content-Digest` with its Ed25519 key and names
itself in `keyid`; vigie holds only the public key. Every failure is a 401 that says why.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from cryptography.exceptions import InvalidSignature as CryptographyInvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import Depends, Request
from http_message_signatures import (
    HTTPMessageSignaturesException,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    InvalidSignature,
    algorithms,
)
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers

from app.auth.principal import Principal, Role
from app.config import Settings
from app.deps import SessionDep, SettingsDep
from app.errors import Unauthenticated
from app.physical import canonical_signature
from app.physical.devices import DevicePost, ReaderIdentity, find_reader

COVERED = ("@method", "@path", "content-digest")


async def read_body(request: Request) -> bytes:
    """The raw body, whose size BodyLimitMiddleware has already bounded."""
    return await request.body()


@dataclass(frozen=True)
class _Message:
    """The request as the verifier sees it: method, absolute URL as sent, header lines."""

    method: str
    url: str
    headers: Headers


def _message(request: Request) -> _Message:
    # @path must be the path as the device sent it, still percent-encoded: raw_path.
    raw_path = request.scope.get("raw_path") or request.url.path.encode()
    query = request.scope.get("query_string", b"")
    target = raw_path.decode("latin-1") + ("?" + query.decode("latin-1") if query else "")
    host = request.headers.get("host") or "localhost"
    return _Message(
        method=request.method, url=f"{request.url.scheme}://{host}{target}", headers=request.headers
    )


class _ReaderKeys(HTTPSignatureKeyResolver):
    """Resolves a keyid to that reader's public key, and remembers the reader."""

    def __init__(self, find: Callable[[str], ReaderIdentity | None]) -> None:
        self.find = find
        self.asked: str | None = None  # the keyid the signature named
        self.reader: ReaderIdentity | None = None

    def resolve_public_key(self, key_id: str) -> Ed25519PublicKey:
        self.asked = key_id
        reader = self.find(key_id)
        if reader is None:
            raise InvalidSignature(f"unknown reader {key_id!r}")
        if not reader.enabled:
            raise InvalidSignature(f"reader {key_id!r} is disabled")
        if reader.public_key is None:
            raise InvalidSignature(f"reader {key_id!r} has no registered key")
        try:
            key = Ed25519PublicKey.from_public_bytes(reader.public_key)
        except ValueError as exc:
            raise InvalidSignature(f"reader {key_id!r} has an unusable key") from exc
        self.reader = reader
        return key


class _Verifier(HTTPMessageVerifier):
    """The library's verifier with vigie's replay window: `created` within ±max_age_s."""

    def __init__(self, *, keys: _ReaderKeys, now: datetime, max_age_s: int) -> None:
        super().__init__(signature_algorithm=algorithms.ED25519, key_resolver=keys)
        self.now = now
        self.max_age_s = max_age_s

    def validate_created_and_expires(self, sig_input: Any, max_age: Any = None) -> None:
        # Replaces the library's check, whose future tolerance is a fixed few seconds: a
        # device clock may be off either way by the configured window, no more.
        _check_times(
            sig_input.params.get("created"),
            sig_input.params.get("expires"),
            now=self.now,
            max_age_s=self.max_age_s,
        )


def _check_times(created: Any, expires: Any, *, now: datetime, max_age_s: int) -> None:
    """`created` within the window either way, `expires` (if any) not past."""
    if type(created) is not int:
        raise InvalidSignature('the signature has no integer "created" parameter')
    age = now.timestamp() - created
    if abs(age) > max_age_s:
        when = f"{age:.0f} s ago" if age > 0 else f"{-age:.0f} s ahead"
        raise InvalidSignature(f"stale signature: created {when}, beyond the {max_age_s} s window")
    if expires is not None and (type(expires) is not int or expires < now.timestamp()):
        raise InvalidSignature("the signature has expired")


NOT_VERIFIED = "signature refused: it does not verify with the reader's key"


def _verify(
    request: Request, body: bytes, *, keys: _ReaderKeys, now: datetime, max_age_s: int
) -> tuple[ReaderIdentity, datetime]:
    """The reader whose key verifies the request's signature, and the signing time; 401."""
    scope = request.scope
    raw_path = scope.get("raw_path") or request.url.path.encode()
    form = canonical_signature.read(
        request.method, raw_path, scope.get("query_string", b""), request.headers
    )
    if form is not None:  # the readers' own shape: read directly, checked the same way
        return _verify_canonical(form, body, keys=keys, now=now, max_age_s=max_age_s)
    return _verify_with_library(request, body, keys=keys, now=now, max_age_s=max_age_s)


def _verify_canonical(
    form: canonical_signature.CanonicalSignature,
    body: bytes,
    *,
    keys: _ReaderKeys,
    now: datetime,
    max_age_s: int,
) -> tuple[ReaderIdentity, datetime]:
    # In the library's order: times, key, signature, then the body against the digest.
    try:
        _check_times(form.created, None, now=now, max_age_s=max_age_s)
        key = keys.resolve_public_key(form.keyid)
    except InvalidSignature as exc:
        raise Unauthenticated(f"signature refused: {exc}") from exc
    try:
        key.verify(form.signature, form.base)
    except CryptographyInvalidSignature as exc:
        raise Unauthenticated(NOT_VERIFIED) from exc
    if not hmac.compare_digest(form.digest, hashlib.sha256(body).digest()):
        raise Unauthenticated("signature refused: Content-Digest does not match the message body")
    assert keys.reader is not None  # resolve_public_key found it
    return keys.reader, datetime.fromtimestamp(form.created, UTC)


def _verify_with_library(
    request: Request, body: bytes, *, keys: _ReaderKeys, now: datetime, max_age_s: int
) -> tuple[ReaderIdentity, datetime]:
    verifier = _Verifier(keys=keys, now=now, max_age_s=max_age_s)
    try:
        verified = verifier.verify(
            _message(request), max_age=None, require_components=COVERED, body=body
        )
    except HTTPMessageSignaturesException as exc:
        # The library re-raises a failed Ed25519 check with cryptography's empty message.
        raise Unauthenticated(f"signature refused: {exc}" if str(exc) else NOT_VERIFIED) from exc
    except (ValueError, TypeError, UnicodeError) as exc:
        # Header bytes the parser chokes on are a bad signature, not a server error.
        raise Unauthenticated("signature refused: malformed signature headers") from exc
    assert keys.reader is not None  # resolve_public_key ran for the verified signature
    return keys.reader, datetime.fromtimestamp(int(verified[0].parameters["created"]), UTC)


def _device_post(
    reader: ReaderIdentity, *, body: bytes, now: datetime, created: datetime, locked: bool
) -> DevicePost:
    return DevicePost(
        reader=reader,
        principal=Principal(kind="device", subject=reader.code, role=Role.device),
        body=body,
        received_at=now,
        created=created,
        reader_locked=locked,
    )


class DeviceSignature:
    """Route policy of device endpoints: admits a reader whose signature verifies.

    With `lock_reader`, the lookup of the reader also takes the row lock that ingest
    needs (one round trip less); requests that then fail verification release it at
    their rollback.
    """

    roles = frozenset({Role.device})
    public = False

    def __init__(self, *, lock_reader: bool = False) -> None:
        self.lock_reader = lock_reader

    def __call__(
        self,
        request: Request,
        body: Annotated[bytes, Depends(read_body)],
        session: SessionDep,
        settings: SettingsDep,
    ) -> DevicePost:
        now = datetime.now(UTC)
        keys = _ReaderKeys(lambda code: find_reader(session, code=code, lock=self.lock_reader))
        reader, created = _verify(
            request, body, keys=keys, now=now, max_age_s=settings.signature_max_age_s
        )
        return _device_post(reader, body=body, now=now, created=created, locked=self.lock_reader)

    def __repr__(self) -> str:
        return "DeviceSignature(device)"


class ReaderKeyCache:
    """The worker's copy of the readers' identities and keys, read once per reader.

    A signature checked with a cached key is only provisional: the single-post writer
    compares that key with the reader's row, locked in the transaction that stores the
    post, and refuses the post (401) when it changed (singles._current). A signature
    that fails with the cached key is checked again with the row read afresh, so a new
    key works at once.
    """

    def __init__(self) -> None:
        self._readers: dict[str, ReaderIdentity] = {}

    def get(self, code: str) -> ReaderIdentity | None:
        """The cached identity of this reader, if any."""
        return self._readers.get(code)

    def forget(self, code: str) -> None:
        """Drop a reader whose row no longer matches."""
        self._readers.pop(code, None)

    def read(self, sessions: sessionmaker[Session], code: str) -> ReaderIdentity | None:
        """The reader as stored now (blocking: run it off the event loop), kept if found."""
        with sessions() as session:
            reader = find_reader(session, code=code)
        if reader is None:
            self.forget(code)
        else:
            self._readers[code] = reader
        return reader


def reader_keys_of(app: Any) -> ReaderKeyCache:
    """The app's reader key cache (one per worker process), made on first use."""
    cache: ReaderKeyCache | None = getattr(app.state, "reader_keys", None)
    if cache is None:
        cache = app.state.reader_keys = ReaderKeyCache()
    return cache


class SingleSignature:
    """Route policy of the single-event endpoint: DeviceSignature on the event loop.

    No session and no threadpool: the reader's key comes from the worker's
    ReaderKeyCache (a blocking read only when the reader is new to this worker or the
    signature fails with the cached key), and the row lock is taken later, by the group
    writer, which also checks that the key is still the reader's.
    """

    roles = frozenset({Role.device})
    public = False

    async def __call__(self, request: Request) -> DevicePost:
        body = await request.body()
        settings: Settings = request.app.state.settings
        cache = reader_keys_of(request.app)
        now = datetime.now(UTC)
        keys = _ReaderKeys(cache.get)
        try:
            reader, created = _verify(
                request, body, keys=keys, now=now, max_age_s=settings.signature_max_age_s
            )
        except Unauthenticated:
            if keys.asked is None:  # refused before any key was needed: no second look
                raise
            asked = keys.asked
            sessions = request.app.state.read_session_factory
            fresh = await run_in_threadpool(cache.read, sessions, asked)
            keys = _ReaderKeys(lambda code: fresh if code == asked else None)
            reader, created = _verify(
                request, body, keys=keys, now=now, max_age_s=settings.signature_max_age_s
            )
        return _device_post(reader, body=body, now=now, created=created, locked=False)

    def __repr__(self) -> str:
        return "SingleSignature(device)"


DeviceAuth = Annotated[DevicePost, Depends(DeviceSignature())]
IngestAuth = Annotated[DevicePost, Depends(DeviceSignature(lock_reader=True))]
"""DeviceAuth for the ingest endpoints: the reader's row is locked too."""
SingleAuth = Annotated[DevicePost, Depends(SingleSignature())]
"""DeviceAuth for single posts: checked on the event loop; the group writer locks."""
