"""Migration 0003 stores the tree of the facts appended before it existed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from app import migrations_state
from app.db import make_engine
from app.ledger import merkle, tree
from app.ledger.encoding import entry_bytes
from app.ledger.models import LedgerEntry, LedgerHead
from tests.databases import scratch_database
from tests.ledger.factories import leaf_hashes

FACTS = 37


def _foundation_append(session: Session) -> None:
    """Facts as the foundation's ledger wrote them, before Merkle nodes existed."""
    now = datetime.now(UTC)
    rows = []
    for index in range(FACTS):
        data = entry_bytes(index=index, type="test.fact", recorded_at=now, actor={}, body={})
        rows.append(
            {
                "index": index,
                "type": "test.fact",
                "recorded_at": now,
                "entry": data,
                "leaf_hash": merkle.leaf_hash(data),
            }  # fmt: skip
        )
    session.execute(insert(LedgerEntry), rows)
    session.execute(update(LedgerHead).values(size=FACTS))


def test_upgrade_backfills_the_nodes_of_existing_facts(backend: str, tmp_path: Path) -> None:
    with scratch_database(backend, tmp_path) as url:
        engine = make_engine(url)
        config = migrations_state.alembic_config()
        try:
            with engine.begin() as conn:
                config.attributes["connection"] = conn
                command.upgrade(config, "0001")
            with Session(engine) as session, session.begin():
                _foundation_append(session)
            migrations_state.upgrade(engine)
            with Session(engine) as session:
                leaves = leaf_hashes(session)
                assert tree.root(session, FACTS) == merkle.root(leaves)
                proof, root = tree.inclusion(session, index=20, size=FACTS)
                merkle.verify_inclusion(20, FACTS, leaves[20], proof, root)
        finally:
            engine.dispose()
