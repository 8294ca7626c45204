"""Canonical byte encoding of a fact and its RFC 9162 leaf hash."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import orjson

ENTRY_VERSION = 1


def utc_text(moment: datetime) -> str:
    """RFC 3339 text with microseconds and a Z, the one spelling a timestamp has in an entry."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime in a fact")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return utc_text(value)
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(f"cannot encode {type(value).__name__} in a fact")


def canonical(value: Any) -> bytes:
    """Compact UTF-8 JSON with sorted keys; floats are refused so that bytes are stable."""
    return orjson.dumps(
        value,
        default=_default,
        option=orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME,
    )


def entry_bytes(
    *, index: int, type: str, recorded_at: datetime, actor: dict[str, Any], body: dict[str, Any]
) -> bytes:
    """The bytes a leaf commits to: position, type, time, who, and what."""
    return canonical(
        {
            "v": ENTRY_VERSION,
            "index": index,
            "type": type,
            "recorded_at": recorded_at,
            "actor": actor,
            "body": body,
        }
    )


def leaf_hash(entry: bytes) -> bytes:
    """RFC 9162 section 2.1.1: SHA-256(0x00 || entry)."""
    return hashlib.sha256(b"\x00" + entry).digest()
