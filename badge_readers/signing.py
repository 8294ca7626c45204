"""Request signing per the reader ingest contract: RFC 9530 Content-Digest + RFC 9421 Ed25519.

Every request carries `Content-Digest: sha-256=:...:` and the signature `sig1` covering
("@method" "@path" "content-digest") with created=now and keyid=the reader's code.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from http_message_signatures import HTTPMessageSigner, MappingKeyResolver, algorithms

COVERED_COMPONENTS = ("@method", "@path", "content-digest")
SIGNATURE_LABEL = "sig1"


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """Read a reader's Ed25519 private key from an unencrypted PKCS8 PEM file."""
    key = load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path}: not an Ed25519 private key")
    return key


class RequestSigner:
    """Signs outgoing requests as one reader."""

    def __init__(self, reader_code: str, private_key: Ed25519PrivateKey) -> None:
        self.reader_code = reader_code
        self._signer = HTTPMessageSigner(
            signature_algorithm=algorithms.ED25519,
            key_resolver=MappingKeyResolver(
                private_keys={reader_code: private_key}, public_keys={}
            ),
        )

    def sign(self, request: httpx.Request, body: bytes) -> None:
        """Add Content-Digest, Signature-Input and Signature to the request, created now."""
        # Signed at send time, never ahead: a retry after a long outage gets a fresh
        # `created`, so the server's replay window never refuses a queued event.
        self._signer.sign(
            request,
            key_id=self.reader_code,
            label=SIGNATURE_LABEL,
            created=datetime.now(UTC),
            covered_component_ids=COVERED_COMPONENTS,
            body=body,
        )
