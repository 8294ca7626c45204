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

from sqlalchemy import BigInteger, Integer, and_, bindparam, func, select, tuple_
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from app.config import Settings
from app.errors import Unauthenticated, VigieError
from app.physical.devices import DevicePost, ReaderIdentity, lock_readers
from app.physical.ingest import CheckedEvent, append_events, check_events, conflict
from app.physical.models import PhysicalEvent
from app.physical.schemas import Event, EventResult

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
    # the lookup below sees it, or waits for this transaction's commit.
    readers = lock_readers(session, ids={single.post.reader.id for single in singles})
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
    stored = _stored(session, {(post.reader.id, item.event.seq) for _, post, item in checked})
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
    indexes = append_events(session, new, settings=settings)
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


def _stored(session: Session, keys: Collection[Key]) -> dict[Key, tuple[bytes, int]]:
    """Content hash and ledger index of the events already stored under these keys."""
    if not keys:
        return {}
    readers, seqs = zip(*keys, strict=True)
    parameters = {"keys": list(keys), "readers": list(readers), "seqs": list(seqs)}
    connection = session.connection()  # Core rows: no ORM machinery per statement
    rows = connection.execute(_STORED[connection.dialect.name], parameters)
    return {(reader, seq): (digest, index) for reader, seq, digest, index in rows}
