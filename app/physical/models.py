"""The physical event table: swipes, door events and reader heartbeats, one row per fact."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.orm import Base

# SQLite only autoincrements an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit key.
BigId = BigInteger().with_variant(Integer(), "sqlite")

KINDS = ("swipe", "door", "heartbeat")
BADGE_STATUSES = ("valid", "unknown", "revoked", "expired", "lost", "suspended", "not_yet_valid")


def _listed(values: tuple[str, ...]) -> str:
    return ",".join(f"'{value}'" for value in values)


def _null_or_one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IS NULL OR {column} IN ({_listed(values)})"


class PhysicalEvent(Base):
    """A reader's fact as stored: device and server times, its ledger index, resolved badge.

    A read model of the ledger: the fact's body holds every column. Kind-specific columns
    are NULL for the other kinds.
    """

    __tablename__ = "physical_event"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # The fact this row reads: written with it in one transaction by ingest.append_events,
    # and unique. No foreign key: ledger entries are never updated nor deleted (triggers),
    # and its check (a key-share lock of each entry, 3 us per row) ran under the ledger
    # head lock, which every writer waits for (0010, README "Reader ingest").
    ledger_index: Mapped[int] = mapped_column(BigInteger)
    # Named without a constraint either (0010): its check, another key-share lock per row
    # under the head lock, cost 1.7 ms of a 500-event batch's 18.5 ms hold. A reader
    # with events still cannot be deleted (app.topology.references reads `references`).
    reader_id: Mapped[int] = mapped_column(info={"references": "reader.id"})
    # Door, zones, badge and person are copied from the topology at ingest and named in the
    # fact too; they carry no foreign key because each check costs about 3 us per row on
    # PostgreSQL (measured on 500-row batches), a quarter of this table's insert time.
    door_id: Mapped[int]
    # The zone the door guards (its to_zone) whatever the reader's direction; from/to are
    # the movement itself: an "out" reader's passage goes from the door's to_zone back.
    zone_id: Mapped[int]
    from_zone_id: Mapped[int]
    to_zone_id: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))
    seq: Mapped[int] = mapped_column(BigInteger)
    occurred_at: Mapped[datetime]
    received_at: Mapped[datetime]
    skew_ms: Mapped[int] = mapped_column(BigInteger)
    clock_skew: Mapped[bool] = mapped_column(Boolean)
    # SHA-256 of the canonical event content: tells a replay from a conflicting reuse of seq.
    content_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    badge_uid: Mapped[str | None] = mapped_column(String(64))
    badge_id: Mapped[int | None]
    person_id: Mapped[int | None]
    result: Mapped[str | None] = mapped_column(String(8))
    reason: Mapped[str | None] = mapped_column(String(16))
    badge_status: Mapped[str | None] = mapped_column(String(16))
    state: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str | None] = mapped_column(String(16))
    firmware: Mapped[str | None] = mapped_column(String(64))
    queue_depth: Mapped[int | None]

    __table_args__ = (
        UniqueConstraint("reader_id", "seq", name="uq_physical_event_reader_seq"),
        UniqueConstraint("ledger_index", name="uq_physical_event_ledger_index"),
        CheckConstraint(f"kind IN ({_listed(KINDS)})", name="kind"),
        CheckConstraint(_null_or_one_of("badge_status", BADGE_STATUSES), name="badge_status"),
        CheckConstraint(_null_or_one_of("result", ("granted", "denied")), name="result"),
        CheckConstraint("length(content_hash) = 32", name="content_hash_len"),
        # Keyset pagination walks (occurred_at, id); each filter has its own ordered index.
        Index("ix_physical_event_time", "occurred_at", "id"),
        Index("ix_physical_event_reader_time", "reader_id", "occurred_at", "id"),
        Index("ix_physical_event_door_time", "door_id", "occurred_at", "id"),
        Index("ix_physical_event_zone_time", "zone_id", "occurred_at", "id"),
        Index("ix_physical_event_badge_time", "badge_uid", "occurred_at", "id"),
        Index("ix_physical_event_person_time", "person_id", "occurred_at", "id"),
    )
