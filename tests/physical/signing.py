"""Sign test requests the way a reader does (RFC 9421 + Content-Digest), with the same library."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from http_message_signatures import HTTPMessageSigner, MappingKeyResolver, algorithms

COVERED = ("@method", "@path", "content-digest")


def signed_headers(
    *,
    key: Ed25519PrivateKey,
    key_id: str,
    path: str,
    body: bytes,
    created: datetime | None = None,
    covered: Sequence[str] = COVERED,
    digest: bool = True,
    method: str = "POST",
) -> dict[str, str]:
    """Content-Digest, Signature-Input and Signature headers of a request to `path`."""
    request = httpx.Request(
        method,
        f"http://testserver{path}",
        content=body,
        headers={"Content-Type": "application/json"},
    )
    signer = HTTPMessageSigner(
        signature_algorithm=algorithms.ED25519,
        key_resolver=MappingKeyResolver(public_keys={}, private_keys={key_id: key}),
    )
    signer.sign(
        request,
        key_id=key_id,
        label="sig1",
        created=created or datetime.now(UTC),
        covered_component_ids=tuple(covered),
        body=body if digest else None,
    )
    wanted = ("content-type", "content-digest", "signature-input", "signature")
    return {name: value for name, value in request.headers.items() if name in wanted}


def post_signed(
    client: TestClient,
    path: str,
    payload: Any,
    *,
    key: Ed25519PrivateKey,
    key_id: str,
    **options: Any,
) -> httpx.Response:
    """POST a JSON payload (or raw bytes) signed with the reader's key."""
    body = payload if isinstance(payload, bytes) else orjson.dumps(payload)
    headers = signed_headers(key=key, key_id=key_id, path=path, body=body, **options)
    response: httpx.Response = client.post(path, content=body, headers=headers)
    return response
