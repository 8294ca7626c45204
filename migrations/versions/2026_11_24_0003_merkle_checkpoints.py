"""merkle checkpoints

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 16:33:38.823323

Merkle tree nodes and signed checkpoints of the ledger, and the triggers that make the
ledger's tables append-only: UPDATE and DELETE (and TRUNCATE on PostgreSQL) are refused.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.orm
from app.ledger.merkle import TreeBuilder
from app.ledger.models import NODE_MIN_LEVEL

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = ("ledger_entry", "ledger_node", "ledger_checkpoint")

# Retention will NULL ledger_entry.entry through a recorded redaction fact; until that
# exists every change is refused, and its migration will replace these triggers.
PG_FUNCTION = """
CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% on % refused: the ledger is append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END
$$
"""


def _create_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()"
            )
        return
    for table in APPEND_ONLY:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{action} on {table} refused: the ledger is "
                "append-only'); END"
            )


def _drop_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS ledger_refuse_change()")
        return
    for table in APPEND_ONLY:
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")


def _backfill_nodes() -> None:
    """Store the tree nodes of the facts appended before this migration."""
    bind = op.get_bind()
    node = sa.table("ledger_node", sa.column("level"), sa.column("index"), sa.column("hash"))
    builder = TreeBuilder(min_level=NODE_MIN_LEVEL)
    result = bind.execute(
        sa.text('SELECT leaf_hash FROM ledger_entry ORDER BY "index"').execution_options(
            yield_per=10_000
        )
    )
    for (leaf,) in result:
        builder.append(leaf)
        if len(builder.completed) >= 10_000:
            bind.execute(
                node.insert(),
                [dict(zip(("level", "index", "hash"), n, strict=True)) for n in builder.completed],
            )
            builder.completed.clear()
    if builder.completed:
        bind.execute(
            node.insert(),
            [dict(zip(("level", "index", "hash"), n, strict=True)) for n in builder.completed],
        )


def upgrade() -> None:
    op.create_table(
        "ledger_checkpoint",
        sa.Column("size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("created_at", app.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "length(root_hash) = 32", name=op.f("ck_ledger_checkpoint_root_hash_len")
        ),
        sa.PrimaryKeyConstraint("size", name=op.f("pk_ledger_checkpoint")),
    )
    op.create_table(
        "ledger_node",
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.CheckConstraint("length(hash) = 32", name=op.f("ck_ledger_node_hash_len")),
        sa.PrimaryKeyConstraint("level", "index", name=op.f("pk_ledger_node")),
    )
    _backfill_nodes()
    _create_triggers()


def downgrade() -> None:
    _drop_triggers()
    op.drop_table("ledger_node")
    op.drop_table("ledger_checkpoint")
