"""Who posts: a reader as its signature resolved it, and the verified request it sent."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Integer, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from app.auth.principal import Principal
from app.db import Query
from app.topology.models import Door, Reader


@dataclass(frozen=True)
class ReaderIdentity:
    """A reader with the door it stands at and the passage it records."""

    id: int
    code: str
    enabled: bool
    public_key: bytes | None
    door_id: int
    door_code: str
    zone_id: int  # the zone the door guards
    from_zone_id: int  # where a passage through this reader starts
    to_zone_id: int  # and where it ends

    @property
    def direction(self) -> Literal["in", "out"]:
        """in when a passage through this reader enters the guarded zone, else out."""
        return "in" if self.to_zone_id == self.zone_id else "out"


@dataclass(frozen=True)
class DevicePost:
    """A request whose signature verified: the reader, its raw body and the two clocks."""

    reader: ReaderIdentity
    principal: Principal
    body: bytes
    received_at: datetime  # server time
    created: datetime  # device time, from the signature
    reader_locked: bool = False  # the reader's row lock was taken when it was looked up

    @property
    def skew_ms(self) -> int:
        """Server time minus the device's signing time, in milliseconds."""
        return round((self.received_at - self.created).total_seconds() * 1000)


# Built once: constructing a select and computing its cache key on every request cost
# more CPU than running it.
_READERS = select(
    Reader.id,
    Reader.code,
    Reader.enabled,
    Reader.public_key,
    Reader.direction,
    Door.id,
    Door.code,
    Door.from_zone_id,
    Door.to_zone_id,
).join(Door, Door.id == Reader.door_id)
_READER = _READERS.where(Reader.code == bindparam("code"))
# The ingest's per-reader lock (see ingest._lock_reader), taken by the lookup that finds
# the reader: one round trip instead of two. SQLite ignores FOR UPDATE.
_READER_LOCKED = _READER.with_for_update(key_share=True, of=Reader)
# Several readers' locks, always taken in id order: two writers locking overlapping sets
# wait for each other instead of deadlocking (PostgreSQL locks rows in the sorted order).
# PostgreSQL binds the ids as one array: an expanding IN is re-rendered on every call.
_READERS_LOCKED = {
    dialect: _READERS.where(where).order_by(Reader.id).with_for_update(key_share=True, of=Reader)
    for dialect, where in (
        ("postgresql", Reader.id == any_(bindparam("ids", type_=ARRAY(Integer)))),
        ("sqlite", Reader.id.in_(bindparam("ids", expanding=True))),
    )
}


def find_reader(session: Session, *, code: str, lock: bool = False) -> ReaderIdentity | None:
    """The reader with this code and its door, in one query; `lock` also takes its row lock."""
    statement = _READER_LOCKED if lock else _READER
    row = session.connection().execute(statement, {"code": code}).one_or_none()
    return None if row is None else _identity(*row)


def readers_locked(dialect: str, ids: Collection[int]) -> tuple[Query, dict[str, Any]]:
    """The query of the readers with these ids, each row locked until commit (in id order);
    `identities` reads its rows."""
    return _READERS_LOCKED[dialect], {"ids": sorted(ids)}


def identities(rows: Iterable[Sequence[Any]]) -> dict[int, ReaderIdentity]:
    """The readers of `readers_locked`'s rows, by id."""
    return {row[0]: _identity(*row) for row in rows}


def _identity(
    reader_id: int,
    code: str,
    enabled: bool,
    key: bytes | None,
    direction: str,
    door_id: int,
    door_code: str,
    outer: int,
    inner: int,
) -> ReaderIdentity:
    # A door leads from_zone -> to_zone; its "out" reader records the way back.
    start, end = (outer, inner) if direction == "in" else (inner, outer)
    return ReaderIdentity(
        id=reader_id,
        code=code,
        enabled=enabled,
        public_key=key,
        door_id=door_id,
        door_code=door_code,
        zone_id=inner,
        from_zone_id=start,
        to_zone_id=end,
    )
