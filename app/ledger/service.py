"""Append facts to the ledger and read them back; nothing here updates or deletes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import groupby
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from app.db import insert_rows
from app.errors import NotFound
from app.ledger import tree
from app.ledger.encoding import entry_templates, leaf_hash
from app.ledger.models import LedgerEntry, LedgerHead

# Core rows, no ORM unit of work: the ORM bulk insert cost half of a 500-fact append.
_ENTRIES = LedgerEntry.metadata.tables[LedgerEntry.__tablename__]
# Built once, with its cache key: every append runs it.
_GROW = (
    update(LedgerHead)
    .where(LedgerHead.id == 1)
    .values(size=LedgerHead.size + bindparam("added"))
    .returning(LedgerHead.size)
)


@dataclass(frozen=True)
class NewFact:
    """A fact to append: dotted type name, who caused it, and its content."""

    type: str
    actor: dict[str, Any]
    body: dict[str, Any] = field(default_factory=dict)
    recorded_at: datetime | None = None  # when appended with others of other times


@dataclass(frozen=True)
class Appended:
    """Where a fact landed in the log."""

    index: int
    leaf_hash: bytes


def append_many(
    session: Session, facts: Sequence[NewFact], *, recorded_at: datetime | None = None
) -> list[Appended]:
    """Append facts in order and return their indexes; call it last in the transaction.

    Each fact is recorded at its own `recorded_at`, else at the call's, else now.

    Incrementing the head row takes its lock (row lock on PostgreSQL, the write lock on
    SQLite) until commit, so concurrent writers get consecutive, never reused, indexes and
    commit in index order, as Certificate Transparency logs require. Under that lock the
    Merkle tree's new nodes are stored too, so the tree never forks either.
    """
    if not facts:
        return []
    moment = recorded_at or datetime.now(UTC)
    moments = [fact.recorded_at or moment for fact in facts]
    # Encoded before the head lock: under it, each fact costs a concatenation and a hash.
    templates = []
    for when, run in groupby(zip(moments, facts, strict=True), key=itemgetter(0)):
        templates += entry_templates(
            recorded_at=when, facts=[(fact.type, fact.actor, fact.body) for _, fact in run]
        )
    # On the Core connection: as an ORM update, it cost more than the statement itself
    # (session synchronisation evaluated on every call).
    size = session.connection().execute(_GROW, {"added": len(facts)}).scalar_one()
    start = size - len(facts)
    rows = []
    out = []
    for index, (fact, when, (prefix, suffix)) in enumerate(
        zip(facts, moments, templates, strict=True), start
    ):
        data = prefix + b"%d" % index + suffix
        digest = leaf_hash(data)
        rows.append(
            {
                "index": index,
                "type": fact.type,
                "recorded_at": when,
                "entry": data,
                "leaf_hash": digest,
            }
        )
        out.append(Appended(index=index, leaf_hash=digest))
    insert_rows(session, _ENTRIES, rows)
    tree.extend(session, start=start, leaves=[a.leaf_hash for a in out])
    return out


def append(session: Session, fact: NewFact, *, recorded_at: datetime | None = None) -> Appended:
    """Append one fact."""
    return append_many(session, [fact], recorded_at=recorded_at)[0]


def size(session: Session) -> int:
    """Number of facts in the log."""
    return session.execute(select(LedgerHead.size).where(LedgerHead.id == 1)).scalar_one()


def get(session: Session, index: int) -> LedgerEntry:
    """The fact at an index."""
    entry = session.get(LedgerEntry, index)
    if entry is None:
        raise NotFound(f"no fact at index {index}")
    return entry


def decode(entry: LedgerEntry) -> dict[str, Any] | None:
    """The fact's content as JSON, or None when it was redacted."""
    return None if entry.entry is None else orjson.loads(entry.entry)
