"""The ledger's Merkle tree in the database: O(log n) rows per proof, extended at append.

Every hash a proof needs is the hash of a range of leaves, itself the fold of at most
log2(n) perfect subtrees (merkle.subtrees). Subtrees of 32 leaves or more are rows of
ledger_node, written once when they fill up; smaller ones are recomputed from their leaf
hashes. A proof therefore costs one indexed query, whatever the size of the log.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from functools import cache

from sqlalchemy import Executable, SmallInteger, bindparam, literal, or_, select, tuple_, union_all
from sqlalchemy.orm import Session

from app.db import insert_rows
from app.ledger import merkle
from app.ledger.merkle import Range, Subtree
from app.ledger.models import NODE_MIN_LEVEL, LedgerEntry, LedgerNode

_NODES = LedgerNode.metadata.tables[LedgerNode.__tablename__]


class TreeCorrupted(RuntimeError):
    """A subtree the log must hold is missing: the database was altered behind the ledger."""


def _merged(spans: list[Range]) -> list[Range]:
    """Adjacent or overlapping ranges joined: fewer index scans."""
    out: list[Range] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(b, out[-1][1]))
        else:
            out.append((a, b))
    return out


@cache
def _subtrees_query(nodes: bool, leaf_ranges: int) -> Executable:
    """The query of subtree_hashes, built once per shape: building it costs more CPU than
    PostgreSQL spends answering it. Parameters: `nodes`, and `a0`, `b0`, `a1`... (ranges)."""
    queries = []
    if nodes:
        queries.append(
            select(LedgerNode.level, LedgerNode.index, LedgerNode.hash).where(
                tuple_(LedgerNode.level, LedgerNode.index).in_(bindparam("nodes", expanding=True))
            )
        )
    if leaf_ranges:
        # Level -1 marks a leaf among the nodes.
        queries.append(
            select(literal(-1, SmallInteger), LedgerEntry.index, LedgerEntry.leaf_hash).where(
                or_(
                    *(
                        LedgerEntry.index.between(bindparam(f"a{i}"), bindparam(f"b{i}"))
                        for i in range(leaf_ranges)
                    )
                )
            )
        )
    return queries[0] if len(queries) == 1 else union_all(*queries)


def subtree_hashes(session: Session, wanted: Collection[Subtree]) -> dict[Subtree, bytes]:
    """Hashes of perfect subtrees in one query: stored nodes, and leaves of the small ones."""
    if not wanted:
        return {}
    high = [s for s in wanted if s[0] >= NODE_MIN_LEVEL]
    low = [s for s in wanted if s[0] < NODE_MIN_LEVEL]
    spans = [(index << level, (index + 1) << level) for level, index in low]
    leaf_ranges = _merged(spans)
    params: dict[str, object] = {"nodes": high} if high else {}
    for i, (a, b) in enumerate(leaf_ranges):
        params[f"a{i}"], params[f"b{i}"] = a, b - 1
    rows = session.execute(_subtrees_query(bool(high), len(leaf_ranges)), params).all()
    found: dict[Subtree, bytes] = {(level, index): value for level, index, value in rows}
    for subtree, (a, b) in zip(low, spans, strict=True):
        leaves = [found.get((-1, i)) for i in range(a, b)]
        if all(leaves):
            found[subtree] = merkle.root(leaves)  # type: ignore[arg-type]
    missing = set(wanted) - found.keys()
    if missing:
        level, index = min(missing)
        raise TreeCorrupted(f"the tree has no node at level {level}, index {index}")
    return found


def range_hashes(session: Session, ranges: Sequence[Range]) -> list[bytes]:
    """The hash of each range of leaves, all read at once."""
    pieces = [merkle.subtrees(start, end) for start, end in ranges]
    nodes = subtree_hashes(session, {s for piece in pieces for s in piece})
    return [merkle.fold([nodes[s] for s in piece]) for piece in pieces]


def root(session: Session, size: int) -> bytes:
    """The root hash of the tree of the first `size` facts."""
    return range_hashes(session, [(0, size)])[0]


def inclusion(session: Session, *, index: int, size: int) -> tuple[list[bytes], bytes]:
    """The inclusion proof of fact `index` in the tree of `size` facts, and that tree's root."""
    *proof, root_hash = range_hashes(session, [*merkle.inclusion_ranges(index, size), (0, size)])
    return proof, root_hash


def consistency(session: Session, *, first: int, second: int) -> tuple[list[bytes], bytes, bytes]:
    """The consistency proof between two sizes, and the roots of both trees."""
    ranges = [*merkle.consistency_ranges(first, second), (0, first), (0, second)]
    *proof, first_root, second_root = range_hashes(session, ranges)
    return proof, first_root, second_root


def extend(session: Session, *, start: int, leaves: Sequence[bytes]) -> None:
    """Store the subtrees that `leaves`, appended at `start`, complete; under the head lock."""
    if (start + len(leaves)) >> NODE_MIN_LEVEL == start >> NODE_MIN_LEVEL:
        # No stored subtree completes (31 single appends in 32): reading the right edge
        # would be a round trip under the head lock for nothing.
        return
    edge = merkle.subtrees(0, start)
    known = subtree_hashes(session, edge)
    builder = merkle.TreeBuilder(start, [known[s] for s in edge], min_level=NODE_MIN_LEVEL)
    for leaf in leaves:
        builder.append(leaf)
    if builder.completed:
        insert_rows(
            session,
            _NODES,
            [{"level": lv, "index": i, "hash": h} for lv, i, h in builder.completed],
        )
