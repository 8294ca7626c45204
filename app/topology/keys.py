"""Ed25519 key pairs of readers: vigie keeps the raw public key, the device the private key."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def generate() -> tuple[bytes, bytes]:
    """A new key pair: the private key as unencrypted PKCS8 PEM, the raw 32-byte public key."""
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return pem, public


@contextmanager
def pending_key_file(path: Path, pem: bytes) -> Iterator[None]:
    """Write a private key (mode 0600) that takes `path`'s place only if the block succeeds.

    The key is on disk before the public half is committed, and in place only after: a
    failed commit leaves no key file, a full disk fails before anything is registered.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    staged = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        yield
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    os.replace(staged, path)
