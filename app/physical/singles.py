"""Single posts stored together: one transaction for a group, one answer for each post.

app/physical/group_commit.py gathers the posts that wait while a commit runs; this module
stores them as if each had been posted alone: every refusal (401, 403, 409, 422) is
decided before anything is written and belongs to its post only, the others are appended
with one head increment and one insert of rows. The outcome of a post is its answer or
its refusal; the caller commits, then answers each.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import BigInteger, Integer, and_, bindparam, func, select, tuple_
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import Query, select_together
from app.errors import Unauthenticated, VigieError
from app.physical.badges import badges_query, known_badges
from app.physical.devices import DevicePost, ReaderIdentity, identities, readers_locked
from app.physical.ingest import CheckedEvent, append_events, check_events, conflict
from app.physical.models import PhysicalEvent
from app.physical.schemas import Event, EventResult, Swipe

Outcome = EventResult | VigieError
Key = tuple[int, int]  # (reader id, seq)


@dataclass(frozen=True)
class SinglePost:
    """One event posted alone, its signature verified with `post.reader`'s key."""

    post: DevicePost
    event: Event


def store_group(
    session: Session, singles: Sequence[SinglePost], *, settings: Settings
) -> list[Outcome]:
    """Store single posts in one transaction; per post, in order, its result or refusal."""
    # The readers' row locks first, as every ingest writer takes them (before the ledger
    # head): a (reader, seq) posted to another worker meanwhile is either committed before
    # the lookup of stored pairs sees it, or waits for this transaction's commit. That
    # lookup and the badges' are sent with the locks, in one round trip (3 of the 8 a group
    # took, BEGIN included); PostgreSQL runs them in order, each after the one before.
    dialect = session.get_bind().dialect.name
    swiped = {single.event.badge_uid for single in singles if isinstance(single.event, Swipe)}
    locked, stored_rows, badge_rows = select_together(
        session,
        [
            readers_locked(dialect, {single.post.reader.id for single in singles}),
            _stored_query(dialect, {(s.post.reader.id, s.event.seq) for s in singles}),
            badges_query(dialect, swiped),
        ],
    )
    readers = identities(locked)
    stored = {(reader, seq): (digest, index) for reader, seq, digest, index in stored_rows}
    outcomes: list[Outcome | None] = [None] * len(singles)
    checked: list[tuple[int, DevicePost, CheckedEvent]] = []
    for position, single in enumerate(singles):
        try:
            post = _current(single.post, readers.get(single.post.reader.id))
            item = check_events([single.event], post=post, settings=settings)[single.event.seq]
        except VigieError as exc:
            outcomes[position] = exc
            continue
        checked.append((position, post, item))
    new: list[tuple[DevicePost, CheckedEvent]] = []
    accepted_at: list[int] = []  # outcome position of each new event
    first: dict[Key, tuple[bytes, int]] = {}  # digest and place in `new` of the group's first
    repeats: list[tuple[int, int]] = []  # (outcome position, place in `new`)
    for position, post, item in checked:
        key = (post.reader.id, item.event.seq)
        if key in stored:
            digest, index = stored[key]
            outcomes[position] = (
                EventResult(seq=key[1], status="duplicate", index=index)
                if digest == item.digest
                else conflict([key[1]])
            )
        elif key in first:  # the same seq twice in one group: the later is the duplicate
            digest, place = first[key]
            if digest == item.digest:
                repeats.append((position, place))
            else:
                outcomes[position] = conflict([key[1]])
        else:
            first[key] = (item.digest, len(new))
            new.append((post, item))
            accepted_at.append(position)
    indexes = append_events(session, new, settings=settings, badges=known_badges(badge_rows))
    for position, index in zip(accepted_at, indexes, strict=True):
        outcomes[position] = EventResult(
            seq=singles[position].event.seq, status="accepted", index=index
        )
    for position, place in repeats:
        outcomes[position] = EventResult(
            seq=singles[position].event.seq, status="duplicate", index=indexes[place]
        )
    done = [outcome for outcome in outcomes if outcome is not None]
    assert len(done) == len(singles)  # every post answered, refused or stored
    return done


def _current(post: DevicePost, reader: ReaderIdentity | None) -> DevicePost:
    """The post with its reader as locked now; 401 if its key changed since the check."""
    # The signature was checked with a key read before this transaction (possibly cached):
    # it counts only if that key is still the reader's, and the reader still enabled.
    if reader is None or not reader.enabled or reader.public_key != post.reader.public_key:
        raise Unauthenticated(
            "signature refused: the reader was disabled, removed or given another key"
        )
    return replace(post, reader=reader, reader_locked=True)


# Built once, with their cache keys. PostgreSQL joins two arrays (one bound value each:
# an expanding IN of row values is re-rendered on every call); SQLite takes row values.
_STORED_COLUMNS = select(
    PhysicalEvent.reader_id,
    PhysicalEvent.seq,
    PhysicalEvent.content_hash,
    PhysicalEvent.ledger_index,
)
_KEYS = (
    func.unnest(
        bindparam("readers", type_=ARRAY(Integer)), bindparam("seqs", type_=ARRAY(BigInteger))
    )
    .table_valued("reader_id", "seq")
    .render_derived()
)
_STORED = {
    "postgresql": _STORED_COLUMNS.join(
        _KEYS,
        and_(PhysicalEvent.reader_id == _KEYS.c.reader_id, PhysicalEvent.seq == _KEYS.c.seq),
    ),
    "sqlite": _STORED_COLUMNS.where(
        tuple_(PhysicalEvent.reader_id, PhysicalEvent.seq).in_(bindparam("keys", expanding=True))
    ),
}


def _stored_query(dialect: str, keys: Collection[Key]) -> tuple[Query, dict[str, Any]]:
    """The query of the content hash and ledger index of events stored under these keys."""
    readers, seqs = zip(*keys, strict=True)
    return _STORED[dialect], {"keys": list(keys), "readers": list(readers), "seqs": list(seqs)}
