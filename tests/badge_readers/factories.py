"""Small builders for the badge_readers tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
)

from badge_readers.events import Swipe

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def swipe(i: int, *, uid: str = "BADGE-0001") -> Swipe:
    """A granted swipe, one second after the previous one."""
    return Swipe(occurred_at=T0 + timedelta(seconds=i), badge_uid=uid, result="granted")


def swipes(count: int, *, start: int = 0) -> list[Swipe]:
    """`count` granted swipes in time order."""
    return [swipe(i) for i in range(start, start + count)]


def write_key(path: Path) -> Ed25519PrivateKey:
    """A new Ed25519 key, written as unencrypted PKCS8 PEM (what `vigie devices add` prints)."""
    key = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    return key
