"""Small builders of ledger content for tests."""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.auth.principal import SYSTEM
from app.ledger import service as ledger
from app.ledger.models import LedgerEntry
from app.ledger.service import Appended, NewFact


def fact(n: int = 0, *, type: str = "test.fact") -> NewFact:
    """A fact with a distinct body."""
    return NewFact(type=type, actor=SYSTEM.snapshot(), body={"n": n})


def append_facts(session: Session, count: int, *, batch: int = 7) -> list[Appended]:
    """Append `count` facts in batches of `batch`, as several transactions would."""
    out: list[Appended] = []
    for start in range(0, count, batch):
        out += ledger.append_many(
            session, [fact(n) for n in range(start, min(count, start + batch))]
        )
    return out


def leaf_hashes(session: Session) -> list[bytes]:
    """Every leaf hash of the log, in order."""
    return list(session.scalars(select(LedgerEntry.leaf_hash).order_by(LedgerEntry.index)))


def go_around_triggers(session: Session, table: str) -> None:
    """Drop a table's append-only triggers, as an attacker with DDL rights would."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"DROP TRIGGER {table}_append_only ON {table}"))
    else:
        session.execute(text(f"DROP TRIGGER {table}_no_update"))
        session.execute(text(f"DROP TRIGGER {table}_no_delete"))
