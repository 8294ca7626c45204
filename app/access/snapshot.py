"""Signed rights snapshots: what one reader needs to decide offline, as canonical JSON.

Signed with the ledger's Ed25519 key (one trust anchor per deployment). The signed bytes
are canonical JSON, which never holds a raw newline, while every signed note's text does:
a snapshot signature can never pass for a checkpoint signature, nor the reverse.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.access.service import own_door
from app.ledger.encoding import canonical
from app.ledger.note import Signer
from app.physical.devices import DevicePost
from app.topology.models import AccessRight, Badge, GroupMember, Person, Site, Zone

FORMAT = "vigie.access.snapshot/1"
OFFLINE_PASSBACK = {"off": "off", "alert": "alert", "deny": "alert"}


def _not_ended(until: Any, now: datetime) -> Any:
    return or_(until.is_(None), until > now)


def _badges(session: Session, *, zone_id: int, now: datetime) -> list[dict[str, Any]]:
    # Active badges of everyone holding a right on the zone (directly or through a group)
    # that has not ended; ancestors' rights do not count, as online.
    rows = session.execute(
        select(
            Badge.uid,
            Badge.valid_from.label("badge_from"),
            Badge.valid_until.label("badge_until"),
            Person.code,
            Person.active,
            AccessRight.valid_from,
            AccessRight.valid_until,
            AccessRight.schedule,
            AccessRight.escort_required,
        )
        .select_from(AccessRight)
        .outerjoin(GroupMember, GroupMember.group_id == AccessRight.group_id)
        .join(Person, Person.id == func.coalesce(AccessRight.person_id, GroupMember.person_id))
        .join(Badge, Badge.person_id == Person.id)
        .where(
            AccessRight.zone_id == zone_id,
            Badge.status == "active",
            _not_ended(AccessRight.valid_until, now),
        )
        .order_by(Badge.uid, AccessRight.id)
    )
    badges: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = badges.setdefault(
            row.uid,
            {
                "uid": row.uid,
                "person": row.code,
                "person_active": row.active,
                "valid_from": row.badge_from,
                "valid_until": row.badge_until,
                "rights": [],
            },
        )
        entry["rights"].append(
            {
                "valid_from": row.valid_from,
                "valid_until": row.valid_until,
                "schedule": row.schedule,
                "escort_required": row.escort_required,
            }
        )
    return list(badges.values())


def _revoked(session: Session, *, now: datetime) -> dict[str, str]:
    # Every badge refused for its status whose validity has not ended, so that a reader
    # logs "revoked" or "lost" rather than "no_right" when one is presented.
    rows = session.execute(
        select(Badge.uid, Badge.status).where(
            Badge.status != "active", _not_ended(Badge.valid_until, now)
        )
    )
    return {row.uid: row.status for row in rows}


def build(session: Session, *, post: DevicePost) -> dict[str, Any]:
    """The snapshot's content for the reader: rights on its zone, revoked badges, version."""
    reader, now = post.reader, post.received_at
    zone_code, timezone, anti_passback = session.execute(
        select(Zone.code, Site.timezone, Zone.anti_passback)
        .join(Site, Site.id == Zone.site_id)
        .where(Zone.id == reader.zone_id)
    ).one()
    content: dict[str, Any] = {
        "format": FORMAT,
        "reader": reader.code,
        "door": reader.door_code,
        "direction": reader.direction,
        "zone": zone_code,
        "timezone": timezone,
        # Offline, a reader knows neither presence nor the other readers' swipes: it
        # applies no anti-passback, and a breach in a "deny" zone is alerted once its
        # buffer reaches vigie, as in an "alert" zone.
        "anti_passback": {"mode": anti_passback, "offline": OFFLINE_PASSBACK[anti_passback]},
        "badges": _badges(session, zone_id=reader.zone_id, now=now),
        "revoked": _revoked(session, now=now),
    }
    # The version names the content, not the moment: an unchanged snapshot keeps it.
    version = hashlib.sha256(canonical(content)).hexdigest()
    return {**content, "version": version, "generated_at": now}


def signed_snapshot(
    session: Session, *, post: DevicePost, door: str | None, signer: Signer
) -> dict[str, Any]:
    """The reader's snapshot with a detached signature over its canonical bytes."""
    own_door(post, door)
    document = build(session, post=post)
    signature = signer.private_key.sign(canonical(document))
    verifier = signer.verifier
    return {
        "snapshot": document,
        "signature": base64.b64encode(signature).decode(),
        "public_key": base64.b64encode(verifier.public_key).decode(),
        "key_id": verifier.key_id.hex(),
    }
