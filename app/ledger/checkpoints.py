"""Signed checkpoints of the ledger: made on demand or at an interval, never changed.

A checkpoint is not itself a fact: appending it would change the tree it describes (a
checkpoint could never name the size that contains it), and an idle log would grow by one
fact per interval forever. Checkpoints are self-authenticating (signed), kept in their
own append-only table and bound together by consistency proofs, which `vigie verify`
checks between each one and the next.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import NotFound
from app.ledger import service as ledger
from app.ledger import tree
from app.ledger.models import LedgerCheckpoint
from app.ledger.note import Checkpoint, Signer


def create(session: Session, *, signer: Signer) -> tuple[LedgerCheckpoint, bool]:
    """Sign the tree as it stands; returns the checkpoint and whether it is new."""
    size = ledger.size(session)
    existing = session.get(LedgerCheckpoint, size)
    if existing is not None:
        return existing, False
    root_hash = tree.root(session, size)
    row = LedgerCheckpoint(
        size=size,
        root_hash=root_hash,
        created_at=datetime.now(UTC),
        note=signer.sign(Checkpoint(signer.name, size, root_hash).text()),
    )
    session.add(row)
    session.flush()
    return row, True


def latest(session: Session) -> LedgerCheckpoint:
    """The checkpoint of the largest tree."""
    row = session.scalars(
        select(LedgerCheckpoint).order_by(LedgerCheckpoint.size.desc()).limit(1)
    ).first()
    if row is None:
        raise NotFound("no checkpoint yet")
    return row


def at_size(session: Session, size: int) -> LedgerCheckpoint:
    """The checkpoint of the tree of `size` facts."""
    row = session.get(LedgerCheckpoint, size)
    if row is None:
        raise NotFound(f"no checkpoint at size {size}")
    return row


def every(session: Session) -> Sequence[LedgerCheckpoint]:
    """All checkpoints, smallest tree first."""
    return session.scalars(select(LedgerCheckpoint).order_by(LedgerCheckpoint.size)).all()
