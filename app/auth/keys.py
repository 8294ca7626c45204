"""The Ed25519 key signing vigie's tokens: from the settings, or created once under var/."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)

from app.config import Settings


def key_path(settings: Settings) -> Path:
    """Where a generated key is kept."""
    return settings.var_dir / "jwt_ed25519.pem"


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()
    )
    # Written whole to a private temporary file, then linked into place: workers starting
    # together never read a half-written key, and the first link wins.
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".jwt-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(temporary)


def signing_key(settings: Settings) -> Ed25519PrivateKey:
    """The token signing key; refuses any key that is not Ed25519."""
    if settings.jwt_private_key is not None:
        pem = settings.jwt_private_key.get_secret_value().encode()
    else:
        path = key_path(settings)
        if not path.exists():
            _create(path)
        pem = path.read_bytes()
    key = load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the JWT signing key must be an Ed25519 private key (PKCS8 PEM)")
    return key
