"""The alert table and the occurrences each alert absorbed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.orm import Base, JSONType

SEVERITIES = ("info", "warning", "critical")
STATES = ("open", "acknowledged", "resolved")


class Alert(Base):
    """Something a rule found, with the facts behind it and what people did about it.

    Repeats of the same kind on the same subjects while the alert is not resolved are
    folded into it (count, first and last time, their facts); the subjects carry no
    foreign key, like physical_event, so topology changes never block on old alerts.
    """

    __tablename__ = "alert"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(16), default="open")
    dedup_key: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(300))
    door_id: Mapped[int | None]
    zone_id: Mapped[int | None]
    reader_id: Mapped[int | None]
    person_id: Mapped[int | None]
    airlock_id: Mapped[int | None]
    count: Mapped[int] = mapped_column(default=1)
    first_at: Mapped[datetime]
    last_at: Mapped[datetime]
    # Ledger indexes of the facts that caused it (the first MAX_FACTS of them).
    fact_indexes: Mapped[list[int]] = mapped_column(JSONType, default=list)
    raised_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
    acknowledged_note: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(200))
    resolved_note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint(f"severity IN {SEVERITIES}", name="severity"),
        CheckConstraint(f"state IN {STATES}", name="state"),
        CheckConstraint("count >= 1", name="count"),
        Index("ix_alert_dedup_key_state", "dedup_key", "state"),
        Index("ix_alert_state_id", "state", "id"),
        Index("ix_alert_kind_id", "kind", "id"),
    )


class AlertOccurrence(Base):
    """One finding folded into an alert; its unique key makes re-deriving it a no-op."""

    __tablename__ = "alert_occurrence"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id"), index=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    occurred_at: Mapped[datetime]
    fact_index: Mapped[int | None] = mapped_column(BigInteger)
