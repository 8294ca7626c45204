"""Anti-passback for decisions: the hook that presence (issue 5, passages) fills in.

Called only for zones whose `anti_passback` is "deny". It will answer from the presence
read model: entering a zone the person is already in, or leaving one they never entered.
Until that model exists it has no opinion, and the decision stands on the other rules.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from sqlalchemy.orm import Session


class Passback(StrEnum):
    """What anti-passback says of a passage."""

    no_opinion = "no_opinion"
    deny = "deny"


def passback_opinion(
    session: Session, *, person_id: int, zone_id: int, direction: Literal["in", "out"], at: datetime
) -> Passback:
    """Whether this passage of the person through the zone's boundary breaks anti-passback."""
    return Passback.no_opinion
