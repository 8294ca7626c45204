"""Small builders for the badge_readers tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
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


PLAN_READERS = [
    # code, door, direction, door kind
    ("RD-ENT-IN", "D-ENT", "in", "door"),
    ("RD-ENT-OUT", "D-ENT", "out", "door"),
    ("RD-AL-OUTER", "D-AL-OUTER", "in", "airlock_outer"),
    ("RD-AL-INNER", "D-AL-INNER", "in", "airlock_inner"),
    ("RD-RACK-A1", "D-RACK-A1", "in", "rack_door"),
]
PLAN_BADGES = [
    *({"uid": f"STAFF-{n:03d}", "holder": "staff"} for n in range(1, 7)),
    {"uid": "CONTRACTOR-001", "holder": "contractor"},
    {"uid": "VISITOR-001", "holder": "visitor"},
    {"uid": "VISITOR-002", "holder": "visitor"},
    {"uid": "REVOKED-001", "status": "revoked", "holder": "staff"},
]


def write_plan(directory: Path) -> tuple[Path, dict[str, Ed25519PrivateKey]]:
    """A small site (entrance, airlock, one rack) with keys beside it; returns path and keys."""
    keys = {code: write_key(directory / "keys" / f"{code}.pem") for code, *_ in PLAN_READERS}
    plan = {
        "site": "TEST-SITE",
        "timezone": "Europe/Paris",
        "readers": [
            {
                "code": code,
                "door": door,
                "direction": way,
                "door_kind": kind,
                "key": f"keys/{code}.pem",
            }
            for code, door, way, kind in PLAN_READERS
        ],
        "badges": PLAN_BADGES,
    }
    path = directory / "plan.json"
    path.write_bytes(orjson.dumps(plan))
    return path, keys
