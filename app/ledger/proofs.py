"""Proofs and entries served to auditors: what they need to check the log offline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from app.errors import Invalid, NotFound
from app.ledger import service as ledger
from app.ledger import tree
from app.ledger.models import LedgerCheckpoint, LedgerEntry, LedgerHead
from app.ledger.tree import TreeCorrupted

MAX_ENTRIES = 1000


@dataclass(frozen=True)
class InclusionProof:
    """Fact `index` is in the tree of `tree_size` facts whose root is `root_hash`."""

    index: int
    tree_size: int
    leaf_hash: bytes
    entry: bytes | None
    proof: list[bytes]
    root_hash: bytes
    checkpoint: str | None


@dataclass(frozen=True)
class ConsistencyProof:
    """The tree of `first` facts is a prefix of the tree of `second` facts."""

    first: int
    second: int
    first_root: bytes
    second_root: bytes
    proof: list[bytes]
    first_checkpoint: str | None
    second_checkpoint: str | None


# The fact a proof names, riding along with the size and note (scalar subqueries). Built
# once: building them per proof cost as much CPU as PostgreSQL spends answering.
_ENTRY, _LEAF = (
    select(column).where(LedgerEntry.index == bindparam("position")).scalar_subquery()
    for column in (LedgerEntry.entry, LedgerEntry.leaf_hash)
)
_NOTE_AT = select(LedgerCheckpoint.note).where(LedgerCheckpoint.size == bindparam("size"))
_NOTE = _NOTE_AT.scalar_subquery()


def _note(session: Session, size: int) -> str | None:
    return session.scalar(_NOTE_AT, {"size": size})


def _context(session: Session, size: int | None, *also: Any, **params: int) -> tuple[Any, ...]:
    """The size asked for (by default the latest checkpoint's), its signed note, and `also`.

    One query, the columns `also` (scalar subqueries taking `params`) riding along: proofs
    are the hot read path of auditors' tools.
    """
    if size is None:
        latest = session.execute(
            select(LedgerCheckpoint.size, LedgerCheckpoint.note, *also)
            .order_by(LedgerCheckpoint.size.desc())
            .limit(1),
            params,
        ).first()
        if latest is None:
            raise NotFound("no checkpoint yet: give a tree size")
        return tuple(latest)
    current, *found = session.execute(
        select(LedgerHead.size, _NOTE, *also), {"size": size, **params}
    ).one()
    if size > current:
        raise Invalid(f"tree size {size} is larger than the log ({current} facts)")
    return (size, *found)


def inclusion(
    session: Session, *, index: int | None, leaf_hash: bytes | None, size: int | None
) -> InclusionProof:
    """Prove that a fact, named by index or leaf hash, is in the tree of `size` facts."""
    if (index is None) == (leaf_hash is None):
        raise Invalid("give either an index or a leaf hash")
    if leaf_hash is not None:
        index = session.scalar(
            select(func.min(LedgerEntry.index)).where(LedgerEntry.leaf_hash == leaf_hash)
        )
    position = -1 if index is None else index
    tree_size, note, entry_bytes, leaf = _context(session, size, _ENTRY, _LEAF, position=position)
    if leaf_hash is not None and not 0 <= position < tree_size:
        raise NotFound(f"no fact with that leaf hash in the tree of size {tree_size}")
    if position >= tree_size:
        raise Invalid(f"index {position} is not in the tree of size {tree_size}")
    if leaf is None:
        raise TreeCorrupted(f"fact {position} is missing from the database")
    proof, root_hash = tree.inclusion(session, index=position, size=tree_size)
    return InclusionProof(
        index=position,
        tree_size=tree_size,
        leaf_hash=leaf,
        entry=entry_bytes,
        proof=proof,
        root_hash=root_hash,
        checkpoint=note,
    )


def consistency(session: Session, *, first: int, second: int | None) -> ConsistencyProof:
    """Prove that the tree of `first` facts is a prefix of the tree of `second` facts."""
    second_size, second_note = _context(session, second)
    if first > second_size:
        raise Invalid(f"first size {first} is larger than second size {second_size}")
    proof, first_root, second_root = tree.consistency(session, first=first, second=second_size)
    return ConsistencyProof(
        first=first,
        second=second_size,
        first_root=first_root,
        second_root=second_root,
        proof=proof,
        first_checkpoint=_note(session, first),
        second_checkpoint=second_note,
    )


def entries(session: Session, *, start: int, end: int) -> Sequence[LedgerEntry]:
    """Facts [start, end) with their canonical bytes, at most MAX_ENTRIES of them."""
    if end <= start:
        raise Invalid(f"end {end} must be greater than start {start}")
    if end - start > MAX_ENTRIES:
        raise Invalid(f"at most {MAX_ENTRIES} entries per request")
    current = ledger.size(session)
    if end > current:
        raise Invalid(f"end {end} is beyond the log ({current} facts)")
    return session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.index >= start, LedgerEntry.index < end)
        .order_by(LedgerEntry.index)
    ).all()
