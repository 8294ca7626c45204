"""Reads of evidence, listable by who read, what and when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.orm import Base, JSONType


class EvidenceRead(Base):
    """One `evidence.viewed` fact as a row: who read, which items, with which query, from where.

    A read model of the ledger (the fact's body and actor hold every column), so that the
    reads can be filtered by actor, resource and time without decoding every fact.
    """

    __tablename__ = "evidence_read"

    ledger_index: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("ledger_entry.index"), primary_key=True, autoincrement=False
    )
    recorded_at: Mapped[datetime]
    actor: Mapped[dict[str, Any]]  # the principal's snapshot, as in the fact
    actor_subject: Mapped[str] = mapped_column(String(255))
    resource: Mapped[str] = mapped_column(String(64))
    query: Mapped[dict[str, Any]]
    item_count: Mapped[int]
    # Ledger indexes of the items the reader received, in the order received.
    item_indexes: Mapped[list[int]] = mapped_column(JSONType)
    client_address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(256))

    __table_args__ = (
        # The listing walks ledger_index downwards; each filter has its own ordered index.
        Index("ix_evidence_read_actor_subject_index", "actor_subject", "ledger_index"),
        Index("ix_evidence_read_resource_index", "resource", "ledger_index"),
        Index("ix_evidence_read_recorded_at", "recorded_at"),
    )
