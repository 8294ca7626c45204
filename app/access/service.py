"""Online access decisions: one query for the badge, holder and rights; one fact each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from zoneinfo import ZoneInfo

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.orm import Session, aliased

from app.access.antipassback import Passback, passback_opinion
from app.access.rules import Right, Verdict, judge_entry
from app.access.schemas import DecideRequest, Decision
from app.config import Settings
from app.errors import Forbidden
from app.ledger import service as ledger
from app.ledger.service import NewFact
from app.physical.badges import KnownBadge
from app.physical.devices import DevicePost
from app.topology.models import AccessRight, Badge, GroupMember, Person, Site, Zone

FACT_TYPE = "access.decision"


@dataclass(frozen=True)
class _Case:
    """What the rules need about one badge at one zone."""

    zone_code: str
    anti_passback: str
    tz: ZoneInfo
    badge: KnownBadge | None
    person_code: str | None
    person_active: bool | None
    rights: list[Right]


def own_door(post: DevicePost, door: str | None) -> None:
    """Refuse (403) a reader that names a door other than its own."""
    if door is not None and door != post.reader.door_code:
        raise Forbidden(f"reader {post.reader.code} stands at door {post.reader.door_code}")


# One row per right of the holder (directly or through a group) on the zone, or one row
# with NULL rights; NULL badge columns when the UID is unknown. Rights on an ancestor zone
# are not looked up: they never open a child zone (README.md). Built once: only the
# parameters change from one decision to the next.
# The holder's groups, found from the UID rather than correlated to the outer row, so that
# the database computes the set once (a hashed subplan) instead of once per right.
_SWIPED = aliased(Badge)
_GROUPS = (
    select(GroupMember.group_id)
    .join(_SWIPED, _SWIPED.person_id == GroupMember.person_id)
    .where(_SWIPED.uid == bindparam("badge_uid"))
)
_LOOKUP = (
    select(
        Zone.code.label("zone_code"),
        Zone.anti_passback,
        Site.timezone,
        Badge.id.label("badge_id"),
        Badge.person_id,
        Badge.status,
        Badge.valid_from.label("badge_from"),
        Badge.valid_until.label("badge_until"),
        Person.code.label("person_code"),
        Person.active,
        AccessRight.id.label("right_id"),
        AccessRight.valid_from,
        AccessRight.valid_until,
        AccessRight.schedule,
        AccessRight.escort_required,
    )
    .select_from(Zone)
    .join(Site, Site.id == Zone.site_id)
    .outerjoin(Badge, Badge.uid == bindparam("badge_uid"))
    .outerjoin(Person, Person.id == Badge.person_id)
    .outerjoin(
        AccessRight,
        and_(
            AccessRight.zone_id == Zone.id,
            or_(AccessRight.person_id == Person.id, AccessRight.group_id.in_(_GROUPS)),
        ),
    )
    .where(Zone.id == bindparam("zone_id"))
)


def _case(session: Session, *, zone_id: int, badge_uid: str) -> _Case:
    rows = session.execute(_LOOKUP, {"zone_id": zone_id, "badge_uid": badge_uid}).all()
    first = rows[0]  # the reader's zone exists: the door's foreign key guarantees it
    badge = None
    if first.badge_id is not None:
        badge = KnownBadge(
            id=first.badge_id,
            person_id=first.person_id,
            status=first.status,
            valid_from=first.badge_from,
            valid_until=first.badge_until,
        )
    rights = [
        Right(row.valid_from, row.valid_until, row.schedule, row.escort_required)
        for row in rows
        if row.right_id is not None
    ]
    return _Case(
        zone_code=first.zone_code,
        anti_passback=first.anti_passback,
        tz=ZoneInfo(first.timezone),
        badge=badge,
        person_code=first.person_code,
        person_active=first.active,
        rights=rights,
    )


def decide(
    session: Session, *, post: DevicePost, request: DecideRequest, settings: Settings
) -> Decision:
    """Grant or deny the badge at the reader's door, and record the decision as a fact."""
    own_door(post, request.door)
    reader = post.reader
    at = request.at or post.received_at
    case = _case(session, zone_id=reader.zone_id, badge_uid=request.badge_uid)
    if reader.direction == "in":
        verdict = judge_entry(
            badge=case.badge,
            person_active=case.person_active,
            rights=case.rights,
            at=at,
            tz=case.tz,
        )
    else:
        verdict = Verdict("ok")  # nobody is kept inside: leaving needs no right
    person_id = case.badge.person_id if case.badge else None
    opinion = None
    if verdict.reason == "ok" and case.anti_passback == "deny" and person_id is not None:
        opinion = passback_opinion(
            session,
            person_id=person_id,
            zone_id=reader.zone_id,
            direction=reader.direction,
            at=at,
            settings=settings,
        )
        if opinion.passback is Passback.deny:
            verdict = Verdict("antipassback")
    decision = Decision(
        decision="grant" if verdict.reason == "ok" else "deny",
        reason=verdict.reason,
        escort_required=verdict.escort_required,
        person=case.person_code,
        zone=case.zone_code,
    )
    body = {
        "reader": reader.code,
        "door": reader.door_code,
        "direction": reader.direction,
        "badge": request.badge_uid,
        "at": at.astimezone(UTC),
        **decision.model_dump(),
    }
    if opinion is not None:  # what anti-passback stood on, granted or not
        body["anti_passback"] = opinion.whereabouts.fact()
    ledger.append(session, NewFact(type=FACT_TYPE, actor=post.principal.snapshot(), body=body))
    return decision
