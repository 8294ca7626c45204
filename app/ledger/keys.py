"""The checkpoint signing key: loaded from VIGIE_LEDGER_KEY_PATH, or made once under var/."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)

from app.config import Settings
from app.ledger.note import Signer


class SigningKeyError(RuntimeError):
    """The signing key cannot be read or used."""


def key_path(settings: Settings) -> Path:
    """Where the signing key is kept."""
    return settings.ledger_key_path or settings.var_dir / "ledger_key.pem"


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()
    )
    # O_EXCL: two processes starting at once never overwrite each other's key; the loser
    # reads the winner's.
    with contextlib.suppress(FileExistsError):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)


def load_signer(settings: Settings, *, create: bool = True) -> Signer:
    """The signer of checkpoints; the default key file is created on first run if `create`."""
    path = key_path(settings)
    if create and settings.ledger_key_path is None and not path.exists():
        _create(path)
    try:
        key = load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise SigningKeyError(f"cannot read the ledger signing key {path}: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"the ledger signing key {path} is not an Ed25519 key")
    return Signer(settings.ledger_origin, key)
