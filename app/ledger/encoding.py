"""Canonical byte encoding of a fact and its RFC 9162 leaf hash."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from app.ledger.merkle import leaf_hash

__all__ = ["canonical", "entry_bytes", "entry_templates", "leaf_hash", "utc_text"]

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


def entry_templates(
    *, recorded_at: datetime, facts: Sequence[tuple[str, dict[str, Any], dict[str, Any]]]
) -> list[tuple[bytes, bytes]]:
    """entry_bytes of each (type, actor, body) cut around the index: prefix, suffix.

    prefix + b"%d" % index + suffix is entry_bytes(index=index, ...). The index is known
    only once the ledger head is locked; everything else is encoded before, so that
    writers hold the log-wide lock for a concatenation per fact. Sorted keys put "index"
    between "body" and "recorded_at"; the tail (time, type) is encoded once per type.
    """
    tails: dict[str, bytes] = {}
    out = []
    for type, actor, body in facts:
        tail = tails.get(type)
        if tail is None:
            encoded = canonical({"recorded_at": recorded_at, "type": type, "v": ENTRY_VERSION})
            tail = tails[type] = b"," + encoded[1:]
        out.append((canonical({"actor": actor, "body": body})[:-1] + b',"index":', tail))
    return out
