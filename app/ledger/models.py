"""The append-only fact table, its Merkle tree nodes, checkpoints, and the head row."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Index, LargeBinary, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.orm import Base

NODE_MIN_LEVEL = 5
"""ledger_node holds subtrees of 2**5 = 32 leaves and more; smaller ones are recomputed."""


class LedgerEntry(Base):
    """One fact: its position in the log, its canonical bytes and its RFC 9162 leaf hash."""

    __tablename__ = "ledger_entry"

    index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    type: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime]
    # Canonical bytes of the fact; NULL only after a recorded redaction (retention), the
    # leaf hash staying so that the tree still verifies.
    entry: Mapped[bytes | None] = mapped_column(LargeBinary)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))

    __table_args__ = (
        CheckConstraint("length(leaf_hash) = 32", name="leaf_hash_len"),
        Index("ix_ledger_entry_type_index", "type", "index"),
        Index("ix_ledger_entry_leaf_hash", "leaf_hash"),
    )


class LedgerHead(Base):
    """The number of facts appended; updating it is the lock that keeps indexes gap-free."""

    __tablename__ = "ledger_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)


class LedgerNode(Base):
    """Hash of a perfect, aligned subtree of the log; written once, when it is full.

    Levels below NODE_MIN_LEVEL are recomputed from at most 32 leaf hashes, which keeps
    the table 16 times smaller than the log (and appends cheap) while a proof still
    reads O(log n) rows.
    """

    __tablename__ = "ledger_node"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))

    __table_args__ = (CheckConstraint("length(hash) = 32", name="hash_len"),)


class LedgerCheckpoint(Base):
    """A signed statement of the tree: its size, its root, and the C2SP signed note."""

    __tablename__ = "ledger_checkpoint"

    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_at: Mapped[datetime]
    note: Mapped[str] = mapped_column(Text)

    __table_args__ = (CheckConstraint("length(root_hash) = 32", name="root_hash_len"),)
