"""Device authentication: RFC 9421 HTTP Message Signatures (Ed25519) over an RFC 9530 digest.

A reader signs `@method`, `@path` and `Content-Digest` with its Ed25519 key and names
itself in `keyid`; vigie holds only the public key. Every failure is a 401 that says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import Depends, Request
from http_message_signatures import (
    HTTPMessageSignaturesException,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    InvalidSignature,
    algorithms,
)
from sqlalchemy.orm import Session
from starlette.datastructures import Headers

from app.auth.principal import Principal, Role
from app.deps import SessionDep, SettingsDep
from app.errors import Unauthenticated
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

    def __init__(self, session: Session, *, lock: bool) -> None:
        self.session = session
        self.lock = lock
        self.reader: ReaderIdentity | None = None

    def resolve_public_key(self, key_id: str) -> Ed25519PublicKey:
        reader = find_reader(self.session, code=key_id, lock=self.lock)
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
        created = sig_input.params.get("created")
        if type(created) is not int:
            raise InvalidSignature('the signature has no integer "created" parameter')
        age = self.now.timestamp() - created
        if abs(age) > self.max_age_s:
            when = f"{age:.0f} s ago" if age > 0 else f"{-age:.0f} s ahead"
            raise InvalidSignature(
                f"stale signature: created {when}, beyond the {self.max_age_s} s window"
            )
        expires = sig_input.params.get("expires")
        if expires is not None and (type(expires) is not int or expires < self.now.timestamp()):
            raise InvalidSignature("the signature has expired")


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
        keys = _ReaderKeys(session, lock=self.lock_reader)
        verifier = _Verifier(keys=keys, now=now, max_age_s=settings.signature_max_age_s)
        try:
            verified = verifier.verify(
                _message(request), max_age=None, require_components=COVERED, body=body
            )
        except HTTPMessageSignaturesException as exc:
            # The library re-raises a failed Ed25519 check with cryptography's empty message.
            reason = str(exc) or "it does not verify with the reader's key"
            raise Unauthenticated(f"signature refused: {reason}") from exc
        except (ValueError, TypeError, UnicodeError) as exc:
            # Header bytes the parser chokes on are a bad signature, not a server error.
            raise Unauthenticated("signature refused: malformed signature headers") from exc
        reader = keys.reader
        assert reader is not None  # resolve_public_key ran for the verified signature
        created = datetime.fromtimestamp(int(verified[0].parameters["created"]), UTC)
        return DevicePost(
            reader=reader,
            principal=Principal(kind="device", subject=reader.code, role=Role.device),
            body=body,
            received_at=now,
            created=created,
            reader_locked=self.lock_reader,
        )

    def __repr__(self) -> str:
        return "DeviceSignature(device)"


DeviceAuth = Annotated[DevicePost, Depends(DeviceSignature())]
IngestAuth = Annotated[DevicePost, Depends(DeviceSignature(lock_reader=True))]
"""DeviceAuth for the ingest endpoints: the reader's row is locked too."""
