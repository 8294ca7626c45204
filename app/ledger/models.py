"""The append-only fact table and the one-row head that serialises appends."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.orm import Base


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
