"""Offline decisions from a signed rights snapshot (GET /api/v1/access/snapshot).

The firmware must decide without the server, so the access rules are written here a
second time, on purpose, from README.md (app/access/rules.py is the server's copy;
this package never imports app). The tests compare both over a grid of badges and times.
Anti-passback needs the server's presence model: offline, it is not applied.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

FORMAT = "vigie.access.snapshot/1"


class SnapshotError(ValueError):
    """A snapshot that is malformed or not signed by the trusted key."""


@dataclass(frozen=True)
class OfflineDecision:
    """grant or deny, why, and whether an escort is needed."""

    decision: str
    reason: str
    escort_required: bool
    person: str | None


def _canonical(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def verify_snapshot(envelope: dict[str, Any], public_key: bytes) -> dict[str, Any]:
    """The snapshot inside a signed envelope, checked against the key the reader trusts."""
    try:
        document = envelope["snapshot"]
        signature = base64.b64decode(envelope["signature"], validate=True)
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, _canonical(document))
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise SnapshotError(f"malformed snapshot envelope: {exc}") from exc
    except InvalidSignature as exc:
        raise SnapshotError("the snapshot's signature does not verify with the key") from exc
    content = {k: v for k, v in document.items() if k not in ("version", "generated_at")}
    if document.get("format") != FORMAT:
        raise SnapshotError(f"unknown snapshot format {document.get('format')!r}")
    if document.get("version") != hashlib.sha256(_canonical(content)).hexdigest():
        raise SnapshotError("the snapshot's version is not the hash of its content")
    return dict(document)


def _moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _within(start: str | None, end: str | None, at: datetime) -> bool:
    low, high = _moment(start), _moment(end)
    return (low is None or low <= at) and (high is None or at < high)


def _clock(text: str) -> time:
    return time.fromisoformat(text)


def _open(window: dict[str, Any], local: datetime) -> bool:
    # [start, end) on the window's days, in wall-clock time; end <= start crosses midnight
    # and the window belongs to the day it starts.
    start, end, now, days = (
        _clock(window["start"]),
        _clock(window["end"]),
        local.time(),
        window["days"],
    )
    if start < end:
        return local.weekday() in days and start <= now < end
    yesterday = (local - timedelta(days=1)).weekday()
    return (local.weekday() in days and now >= start) or (yesterday in days and now < end)


def decide_offline(snapshot: dict[str, Any], badge_uid: str, at: datetime) -> OfflineDecision:
    """The decision the server would give at `at`, from a verified snapshot alone."""
    entry = next((b for b in snapshot["badges"] if b["uid"] == badge_uid), None)
    person = entry["person"] if entry else None
    if snapshot["direction"] == "out":
        return OfflineDecision("grant", "ok", False, person)
    reason, escort = _reason(snapshot, entry, badge_uid, at)
    return OfflineDecision("grant" if reason == "ok" else "deny", reason, escort, person)


def _reason(
    snapshot: dict[str, Any], entry: dict[str, Any] | None, badge_uid: str, at: datetime
) -> tuple[str, bool]:
    if badge_uid in snapshot["revoked"]:
        return snapshot["revoked"][badge_uid], False
    if entry is None:
        return "no_right", False  # unknown here: the server may know it, with no right
    start, end = _moment(entry["valid_from"]), _moment(entry["valid_until"])
    if start is not None and at < start:
        return "not_yet_valid", False
    if end is not None and at >= end:
        return "expired", False
    if not entry["person_active"]:
        return "person_inactive", False
    current = [r for r in entry["rights"] if _within(r["valid_from"], r["valid_until"], at)]
    if not current:
        return "no_right", False
    local = at.astimezone(ZoneInfo(snapshot["timezone"]))
    open_now = [
        r for r in current if not r["schedule"] or any(_open(w, local) for w in r["schedule"])
    ]
    if not open_now:
        return "schedule", False
    return "ok", all(r["escort_required"] for r in open_now)
